//! Serde types mirroring HubSpot's CRM v3 JSON exactly.
//!
//! Every struct accepts unknown fields (HubSpot adds fields over time) and every enum-like value
//! is kept as a `String`, so a value HubSpot introduces tomorrow still parses. Shapes are taken
//! from HubSpot's API reference (see `fixtures/_source.md` for the page behind each one).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// A CRM record as HubSpot returns it (`SimplePublicObject` / `SimplePublicObjectWithAssociations`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimplePublicObject {
    /// The record id (a numeric string, e.g. `"512"`).
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    /// Property values; HubSpot sends strings, `null` for a requested property with no value.
    #[serde(default, deserialize_with = "property_map")]
    pub properties: BTreeMap<String, Option<String>>,
    /// When the record was created (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When the record was last updated (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Whether the record is archived (in the recycling bin).
    #[serde(default)]
    pub archived: bool,
    /// When the record was archived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<String>,
    /// Associated record ids keyed by the associated object type (`"companies"`, `"contacts"` …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associations: Option<BTreeMap<String, AssociationBucket>>,
    /// Link to the record in HubSpot's UI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One entry of a record's `associations` map (`CollectionResponseAssociatedId`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AssociationBucket {
    /// The associated ids, one entry per association type (an id can repeat with another type).
    #[serde(default)]
    pub results: Vec<AssociatedId>,
    /// Paging over more associations, when there are many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paging: Option<Paging>,
}

/// An associated record id and the association type name (`AssociatedId`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssociatedId {
    /// The associated record's id.
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    /// The association type, e.g. `"contact_to_company"` (free text; new names appear).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// Create body (`SimplePublicObjectInputForCreate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ObjectInputForCreate {
    /// Property values, all strings.
    #[serde(default, deserialize_with = "property_map_required")]
    pub properties: BTreeMap<String, String>,
    /// Associations to create with the record (HubSpot requires the key; `[]` for none).
    #[serde(default)]
    pub associations: Vec<AssociationInput>,
}

/// Update body (`SimplePublicObjectInput`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ObjectInput {
    /// Property values to set; `""` clears a value.
    #[serde(default, deserialize_with = "property_map_required")]
    pub properties: BTreeMap<String, String>,
}

/// One association in a create body (`PublicAssociationsForObject`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssociationInput {
    /// The record to associate with.
    pub to: AssociationTarget,
    /// The association types to create.
    #[serde(default)]
    pub types: Vec<AssociationSpec>,
}

/// `{ "id": … }` — docs show both numbers and strings here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssociationTarget {
    /// The target record id.
    #[serde(deserialize_with = "id_string")]
    pub id: String,
}

/// `{associationCategory, associationTypeId}` (`AssociationSpec`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssociationSpec {
    /// `HUBSPOT_DEFINED`, `USER_DEFINED`, `INTEGRATOR_DEFINED` (kept as text).
    pub association_category: String,
    /// The numeric association type id, e.g. 279 for contact → company.
    pub association_type_id: i64,
}

/// A list or search page (`CollectionResponseSimplePublicObjectWithAssociationsForwardPaging`,
/// `CollectionResponseWithTotalSimplePublicObjectForwardPaging`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CollectionResponse {
    /// The records of this page.
    #[serde(default)]
    pub results: Vec<SimplePublicObject>,
    /// Present when there is a next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paging: Option<Paging>,
    /// Search only: total number of matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

/// `paging` object; no `next` means the last page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Paging {
    /// Cursor to the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<NextPage>,
}

/// `NextPage`: `{after, link}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextPage {
    /// Opaque cursor for the `after` query parameter (search: an integer offset as a string).
    #[serde(deserialize_with = "id_string")]
    pub after: String,
    /// A relative or absolute link to the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// Search body (`PublicObjectSearchRequest`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    /// OR-ed groups of AND-ed filters (at most 5 groups, 6 filters each, 18 in total).
    #[serde(default)]
    pub filter_groups: Vec<FilterGroup>,
    /// Sort order; at most one sort is honoured by HubSpot.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sorts: Vec<SearchSort>,
    /// Properties to return.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<String>,
    /// Page size (at most 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Offset cursor from the previous page's `paging.next.after`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Free-text query over default searchable properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

/// A group of filters that must all match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct FilterGroup {
    /// The filters of this group.
    #[serde(default)]
    pub filters: Vec<Filter>,
}

/// One search filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    /// Property the filter applies to.
    pub property_name: String,
    /// `EQ`, `NEQ`, `LT`, `LTE`, `GT`, `GTE`, `BETWEEN`, `IN`, `NOT_IN`, `HAS_PROPERTY`,
    /// `NOT_HAS_PROPERTY`, `CONTAINS_TOKEN`, `NOT_CONTAINS_TOKEN`.
    pub operator: String,
    /// Value for single-value operators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Upper bound for `BETWEEN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_value: Option<String>,
    /// Values for `IN` / `NOT_IN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// One sort of a search request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchSort {
    /// Property to sort by.
    pub property_name: String,
    /// `ASCENDING` or `DESCENDING`.
    pub direction: String,
}

/// HubSpot's error body. "The fields … should all be treated as optional in any error parsing."
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Usually `"error"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Human readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Error category, e.g. `VALIDATION_ERROR`, `CONFLICT`, `MISSING_SCOPES`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Finer category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_category: Option<String>,
    /// Request id to quote to HubSpot support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Details per field / problem.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorDetail>,
    /// 429 bodies: `RATE_LIMIT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// 429 bodies: `DAILY`, `SECONDLY`, `TEN_SECONDLY_ROLLING`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    /// Legacy request id (removed from most APIs in 2020).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Documentation links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<BTreeMap<String, String>>,
    /// Free-form context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<serde_json::Value>,
}

/// `ErrorDetail`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    /// Human readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Machine code, e.g. `PROPERTY_DOESNT_EXIST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Name of the field or parameter in error.
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub in_: Option<String>,
    /// Finer category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_category: Option<String>,
    /// Context, e.g. `{"propertyName": ["x"]}` or `{"requiredGranularScopes": [...]}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<BTreeMap<String, serde_json::Value>>,
}

/// An owner (`PublicOwner`), from `GET /crm/v3/owners/{ownerId}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Owner {
    /// Owner id — the value stored in `hubspot_owner_id`.
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    /// Owner's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The user id (not usable as an owner id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    /// `PERSON` or `QUEUE`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Whether the owner is archived.
    #[serde(default)]
    pub archived: bool,
    /// Teams the owner belongs to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<OwnerTeam>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Update time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// A team of an owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnerTeam {
    /// Team id.
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    /// Team name.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether this is the owner's primary team.
    #[serde(default)]
    pub primary: bool,
}

/// Owners list page (`CollectionResponsePublicOwnerForwardPaging`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct OwnerPage {
    /// Owners of this page.
    #[serde(default)]
    pub results: Vec<Owner>,
    /// Next page cursor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paging: Option<Paging>,
}

/// A property definition (`Property`) from `GET /crm/v3/properties/{objectType}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Property {
    /// Internal name used in the API.
    pub name: String,
    /// Label shown in HubSpot.
    #[serde(default)]
    pub label: String,
    /// Data type: `string`, `number`, `date`, `datetime`, `enumeration`, `bool` (kept as text).
    #[serde(default, rename = "type")]
    pub kind: String,
    /// UI control: `text`, `textarea`, `select`, `radio`, `checkbox`, `booleancheckbox`, …
    #[serde(default)]
    pub field_type: String,
    /// Property group.
    #[serde(default)]
    pub group_name: String,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Options of enumerations (empty otherwise).
    #[serde(default)]
    pub options: Vec<PropertyOption>,
    /// Whether the property is hidden in the UI.
    #[serde(default)]
    pub hidden: bool,
    /// Whether HubSpot defines the property.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hubspot_defined: Option<bool>,
    /// Whether values must be unique.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_unique_value: Option<bool>,
    /// Whether HubSpot calculates the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calculated: Option<bool>,
    /// Whether options live outside the property (pipelines, owners).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_options: Option<bool>,
    /// Read-only flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modification_metadata: Option<PropertyModificationMetadata>,
    /// Whether the property can be used in forms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_field: Option<bool>,
    /// Display order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_order: Option<i64>,
    /// Whether the property is archived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Update time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// `Option` of an enumeration property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyOption {
    /// Label shown in HubSpot.
    #[serde(default)]
    pub label: String,
    /// Internal value used in the API.
    pub value: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Display order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_order: Option<i64>,
    /// Hidden options are not offered in the UI.
    #[serde(default)]
    pub hidden: bool,
}

/// `PropertyModificationMetadata`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PropertyModificationMetadata {
    /// Options cannot be changed.
    #[serde(default)]
    pub read_only_options: Option<bool>,
    /// The value cannot be written.
    #[serde(default)]
    pub read_only_value: bool,
    /// The definition cannot be changed.
    #[serde(default)]
    pub read_only_definition: bool,
    /// The property can be archived.
    #[serde(default)]
    pub archivable: bool,
}

/// `{ "results": [Property] }` (`CollectionResponsePropertyNoPaging`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PropertyList {
    /// The property definitions.
    #[serde(default)]
    pub results: Vec<Property>,
}

/// Body of `POST /crm/v3/properties/{objectType}` (`PropertyCreate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyCreate {
    /// Internal name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Data type.
    #[serde(rename = "type")]
    pub kind: String,
    /// UI control.
    pub field_type: String,
    /// Property group.
    pub group_name: String,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Options for enumerations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<PropertyOption>,
    /// Whether values must be unique.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_unique_value: Option<bool>,
    /// Whether the property is hidden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<bool>,
    /// Whether the property can be used in forms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_field: Option<bool>,
}

/// `POST /oauth/v1/token` answer (`AccessTokenResponse`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The new access token.
    pub access_token: String,
    /// The refresh token (HubSpot returns one on refresh too).
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Lifetime in seconds.
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// `bearer`.
    #[serde(default)]
    pub token_type: Option<String>,
}

/// Answer of the legacy secondary-email endpoint
/// `PUT /contacts/v1/secondary-email/{vid}/email/{email}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecondaryEmails {
    /// Account (portal) id.
    #[serde(default)]
    pub portal_id: Option<i64>,
    /// Contact id.
    #[serde(default)]
    pub vid: Option<i64>,
    /// All secondary emails after the change.
    #[serde(default)]
    pub secondary_emails: Vec<String>,
}

/// Accept an id sent as a JSON string or number.
fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a string or number id, got {other}"
        ))),
    }
}

/// Property values: strings on the wire, but tolerate numbers and booleans (stringified) and
/// `null` (no value).
fn property_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Option<String>>, D::Error> {
    struct Props;
    impl<'de> serde::de::Visitor<'de> for Props {
        type Value = BTreeMap<String, Option<String>>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map")
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }

        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_map(self)
        }

        // Read straight into the result (no intermediate map of JSON values): this runs for
        // every record HubSpot sends. As before, a later duplicate key wins.
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(k) = map.next_key::<String>()? {
                let v = match map.next_value::<serde_json::Value>()? {
                    serde_json::Value::Null => None,
                    serde_json::Value::String(s) => Some(s),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    serde_json::Value::Bool(b) => Some(b.to_string()),
                    other => {
                        return Err(serde::de::Error::custom(format!(
                            "property `{k}` must be a string, got {other}"
                        )))
                    }
                };
                out.insert(k, v);
            }
            Ok(out)
        }
    }
    d.deserialize_option(Props)
}

/// Input property maps: like [`property_map`] but a `null` becomes `""` (HubSpot's "clear").
fn property_map_required<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(property_map(d)?
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> String {
        let p = format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    #[test]
    fn parses_every_record_fixture() {
        for f in [
            "contact/get_response_full.json",
            "contact/get_response_custom_stage.json",
            "account/get_response_full.json",
            "deal/get_response_full.json",
            "meeting/get_response_object_guide.json",
            "meeting/get_response_epoch_ms.json",
            "lead/get_response_full.json",
        ] {
            let o: SimplePublicObject = serde_json::from_str(&fixture(f)).expect(f);
            assert!(!o.id.is_empty(), "{f}");
        }
    }

    #[test]
    fn property_values_are_strings_numbers_booleans_or_null() {
        let o: SimplePublicObject = serde_json::from_str(
            r#"{"id":"1","properties":{"a":"x","b":12,"c":1.5,"d":true,"e":null,"a2":"y"}}"#,
        )
        .unwrap();
        let got: Vec<(&str, Option<&str>)> = o
            .properties
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("a", Some("x")),
                ("a2", Some("y")),
                ("b", Some("12")),
                ("c", Some("1.5")),
                ("d", Some("true")),
                ("e", None)
            ]
        );
        // No properties, or `null`: an empty map.
        for body in [r#"{"id":"1"}"#, r#"{"id":"1","properties":null}"#] {
            let o: SimplePublicObject = serde_json::from_str(body).unwrap();
            assert!(o.properties.is_empty(), "{body}");
        }
        // A nested value names its property; a non-map is refused.
        let e = serde_json::from_str::<SimplePublicObject>(
            r#"{"id":"1","properties":{"ok":"1","bad":{"x":1}}}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("property `bad` must be a string"), "{e}");
        let e = serde_json::from_str::<SimplePublicObject>(r#"{"id":"1","properties":"x"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected a map"), "{e}");
        // The same through a JSON value (lists read records out of a parsed page).
        let v = serde_json::json!({"id": "1", "properties": {"n": 7, "s": "t"}});
        let o: SimplePublicObject = serde_json::from_value(v).unwrap();
        assert_eq!(o.properties["n"].as_deref(), Some("7"));
    }

    #[test]
    fn parses_create_bodies_with_numeric_and_string_ids() {
        let c: ObjectInputForCreate =
            serde_json::from_str(&fixture("contact/create_request_company_assoc.json")).unwrap();
        assert_eq!(c.associations[0].to.id, "9001");
        assert_eq!(c.associations[0].types[0].association_type_id, 279);
        let l: ObjectInputForCreate =
            serde_json::from_str(&fixture("lead/create_request_guide.json")).unwrap();
        assert_eq!(l.associations[0].to.id, "YOUR_CONTACT_ID");
    }

    #[test]
    fn parses_pages_errors_owners_properties() {
        let p: CollectionResponse =
            serde_json::from_str(&fixture("paging/list_page_object_guide.json")).unwrap();
        assert_eq!(p.paging.unwrap().next.unwrap().after, "513881705058");
        let s: CollectionResponse =
            serde_json::from_str(&fixture("paging/search_response.json")).unwrap();
        assert_eq!(s.total, Some(2));
        let o: Owner = serde_json::from_str(&fixture("owners/get_owner.json")).unwrap();
        assert_eq!(o.first_name.as_deref(), Some("John"));
        let props: PropertyList =
            serde_json::from_str(&fixture("properties/list_contacts_properties.json")).unwrap();
        assert_eq!(props.results[1].options.len(), 2);
        let t: TokenResponse = serde_json::from_str(&fixture("oauth/token_response.json")).unwrap();
        assert_eq!(t.expires_in, Some(1800));
    }

    #[test]
    fn tolerates_null_and_non_string_property_values() {
        let o: SimplePublicObject = serde_json::from_str(
            r#"{"id":1,"properties":{"a":null,"b":17,"c":true,"d":"x"},"archived":false,"newField":1}"#,
        )
        .unwrap();
        assert_eq!(o.id, "1");
        assert_eq!(o.properties["a"], None);
        assert_eq!(o.properties["b"].as_deref(), Some("17"));
        assert_eq!(o.properties["c"].as_deref(), Some("true"));
    }
}
