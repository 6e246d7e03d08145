//! Pure mapping between HubSpot records and the unified model: no I/O, no async.
//!
//! Reading takes a [`SimplePublicObject`] (a GET/list/search/create answer) or a create body
//! ([`ObjectInputForCreate`], what `to_provider` produces); writing produces a [`WireWrite`]: the
//! properties to send, the associations wanted, and for contacts the additional emails (HubSpot
//! keeps them in the read-only `hs_additional_emails`, written through the secondary-email API).

pub mod account;
pub mod contact;
pub mod convert;
pub mod deal;
pub mod definitions;
pub mod lead;
pub mod meeting;
pub mod record;

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};
use unicrm_core::{CustomField, Error, Owner, Passthrough, Result};

use crate::wire::{
    AssociationBucket, AssociationInput, AssociationSpec, AssociationTarget, ObjectInputForCreate,
    SimplePublicObject,
};

/// The HubSpot object types the unified resources live in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HsObject {
    /// `contacts` (0-1) — unified contact.
    Contacts,
    /// `companies` (0-2) — unified account.
    Companies,
    /// `deals` (0-3) — unified deal.
    Deals,
    /// `meetings` (0-47) — unified meeting.
    Meetings,
    /// `leads` (0-136) — unified lead.
    Leads,
}

impl HsObject {
    /// The path segment (`/crm/v3/objects/{name}`) and association bucket name.
    pub fn name(self) -> &'static str {
        match self {
            HsObject::Contacts => "contacts",
            HsObject::Companies => "companies",
            HsObject::Deals => "deals",
            HsObject::Meetings => "meetings",
            HsObject::Leads => "leads",
        }
    }

    /// The property holding the last change time, for `updated_after` searches: contacts use
    /// `lastmodifieddate`, every other object `hs_lastmodifieddate`.
    pub fn modified_property(self) -> &'static str {
        match self {
            HsObject::Contacts => "lastmodifieddate",
            _ => "hs_lastmodifieddate",
        }
    }
}

/// HubSpot-defined association type ids used by this connector ("Association type ID values",
/// <https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide>).
pub mod assoc {
    /// Contact to company (unlabeled).
    pub const CONTACT_TO_COMPANY: i64 = 279;
    /// Contact to primary company.
    pub const CONTACT_TO_PRIMARY_COMPANY: i64 = 1;
    /// Contact to deal.
    pub const CONTACT_TO_DEAL: i64 = 4;
    /// Company to contact (unlabeled).
    pub const COMPANY_TO_CONTACT: i64 = 280;
    /// Deal to contact.
    pub const DEAL_TO_CONTACT: i64 = 3;
    /// Deal to company (unlabeled).
    pub const DEAL_TO_COMPANY: i64 = 341;
    /// Deal to primary company.
    pub const DEAL_TO_PRIMARY_COMPANY: i64 = 5;
    /// Meeting to contact.
    pub const MEETING_TO_CONTACT: i64 = 200;
    /// Meeting to company.
    pub const MEETING_TO_COMPANY: i64 = 188;
    /// Meeting to deal.
    pub const MEETING_TO_DEAL: i64 = 212;
    /// Lead to primary contact (required at creation).
    pub const LEAD_TO_PRIMARY_CONTACT: i64 = 578;
    /// Lead to contact.
    pub const LEAD_TO_CONTACT: i64 = 608;
    /// Lead to company.
    pub const LEAD_TO_COMPANY: i64 = 610;
    /// Lead to primary company.
    pub const LEAD_TO_PRIMARY_COMPANY: i64 = 580;

    /// The object a `from → ?` type id points at, for reading create bodies.
    pub fn target(from: super::HsObject, type_id: i64) -> Option<super::HsObject> {
        use super::HsObject::*;
        Some(match (from, type_id) {
            (Contacts, CONTACT_TO_COMPANY | CONTACT_TO_PRIMARY_COMPANY) => Companies,
            (Contacts, CONTACT_TO_DEAL) => Deals,
            (Companies, COMPANY_TO_CONTACT | 2) => Contacts,
            (Deals, DEAL_TO_CONTACT) => Contacts,
            (Deals, DEAL_TO_COMPANY | DEAL_TO_PRIMARY_COMPANY) => Companies,
            (Meetings, MEETING_TO_CONTACT) => Contacts,
            (Meetings, MEETING_TO_COMPANY) => Companies,
            (Meetings, MEETING_TO_DEAL) => Deals,
            (Leads, LEAD_TO_PRIMARY_CONTACT | LEAD_TO_CONTACT) => Contacts,
            (Leads, LEAD_TO_COMPANY | LEAD_TO_PRIMARY_COMPANY) => Companies,
            _ => return None,
        })
    }
}

/// One association set a write wants: every `ids` of object `to`, created with `type_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociationSet {
    /// The associated object type.
    pub to: HsObject,
    /// The ids the record should be associated with (on update: exactly these).
    pub ids: Vec<String>,
    /// The HubSpot-defined type id used to create them.
    pub type_id: i64,
}

/// What a unified record becomes on the wire.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WireWrite {
    /// Properties to send (`""` clears a value on update).
    pub properties: BTreeMap<String, String>,
    /// Associations given in the unified record (a `None` list is not here at all).
    pub associations: Vec<AssociationSet>,
    /// Extra associations given verbatim in `passthrough.associations` (create only).
    pub raw_associations: Vec<AssociationInput>,
    /// Contacts: emails after the first, added through the secondary-email endpoint.
    pub additional_emails: Vec<String>,
}

impl WireWrite {
    /// The create body (`SimplePublicObjectInputForCreate`).
    pub fn create_body(&self) -> ObjectInputForCreate {
        let mut associations: Vec<AssociationInput> = self
            .associations
            .iter()
            .flat_map(|set| {
                set.ids.iter().map(move |id| AssociationInput {
                    to: AssociationTarget { id: id.clone() },
                    types: vec![AssociationSpec {
                        association_category: "HUBSPOT_DEFINED".to_owned(),
                        association_type_id: set.type_id,
                    }],
                })
            })
            .collect();
        associations.extend(self.raw_associations.iter().cloned());
        ObjectInputForCreate {
            // An empty value only means "clear" on update; a create leaves the property unset.
            properties: self
                .properties
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            associations,
        }
    }

    /// [`WireWrite::create_body`] moving the properties out instead of copying them (what is
    /// left are the empty ones, which a create does not send).
    pub fn take_create_body(&mut self) -> ObjectInputForCreate {
        let (empty, properties): (BTreeMap<_, _>, BTreeMap<_, _>) =
            std::mem::take(&mut self.properties)
                .into_iter()
                .partition(|(_, v)| v.is_empty());
        self.properties = empty;
        // Only empty values are left, which `create_body` leaves out: its properties are empty.
        let mut body = self.create_body();
        body.properties = properties;
        body
    }

    /// The create body as JSON.
    pub fn create_json(&self) -> Result<Value> {
        serde_json::to_value(self.create_body()).map_err(|e| Error::Internal(e.to_string()))
    }

    /// Sets a property from an optional text: `None` leaves it out; on update `Some("")` clears.
    pub fn text(&mut self, name: &str, value: &Option<String>) {
        if let Some(v) = value {
            self.properties.insert(name.to_owned(), v.clone());
        }
    }

    /// Sets a property.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.properties.insert(name.to_owned(), value.into());
    }

    /// Adds an association set when the unified list is given.
    pub fn associate(&mut self, to: HsObject, ids: &Option<Vec<String>>, type_id: i64) {
        if let Some(ids) = ids {
            self.associations.push(AssociationSet {
                to,
                ids: ids.clone(),
                type_id,
            });
        }
    }

    /// Adds an association set from a single optional id.
    pub fn associate_one(&mut self, to: HsObject, id: &Option<String>, type_id: i64) {
        if let Some(id) = id {
            let ids = if id.is_empty() {
                Vec::new()
            } else {
                vec![id.clone()]
            };
            self.associations.push(AssociationSet { to, ids, type_id });
        }
    }
}

/// A record as read, borrowing from the payload: its id, properties and timestamps, plus the
/// associations of a create body when the payload was one (create bodies carry
/// `types[].associationTypeId` instead of named buckets).
///
/// The payload itself is not kept: [`crate::connector::record_from_wire`] copies it (or, given it
/// by value, moves it) into the record's `raw` after mapping.
#[derive(Debug, Clone)]
pub struct WireRead<'a> {
    /// The record id (`""` for a create body).
    id: Cow<'a, str>,
    /// Property values.
    properties: Props<'a>,
    /// `createdAt`.
    created_at: Option<Cow<'a, str>>,
    /// `updatedAt`.
    updated_at: Option<Cow<'a, str>>,
    /// Associated ids per object type.
    pub associated: BTreeMap<HsObject, Vec<String>>,
    /// Whether associations were part of the payload at all (a search answer has none).
    pub has_associations: bool,
    /// Create-body associations to objects the unified record has no field for.
    pub other_associations: Vec<AssociationInput>,
}

/// Property values: the payload's own `properties` object (every value checked to be a string,
/// number, boolean or null), or an owned map (create bodies).
#[derive(Debug, Clone)]
enum Props<'a> {
    Payload(Option<&'a Map<String, Value>>),
    Owned(BTreeMap<String, Option<String>>),
}

impl<'a> WireRead<'a> {
    /// Reads a provider payload of object `obj`: a record (`id`, `properties`, …) or a create
    /// body (`properties`, `associations[]`).
    pub fn parse(obj: HsObject, payload: &'a Value) -> Result<WireRead<'a>> {
        let invalid = |e: serde_json::Error| Error::invalid("payload", e.to_string());
        let has_id = payload.get("id").is_some_and(|v| !v.is_null());
        if has_id {
            // Read in place; anything the fast path does not take as is goes through serde, which
            // accepts or refuses it exactly as `SimplePublicObject` always did.
            if let Some(read) = Self::record_in_place(payload) {
                return Ok(read);
            }
            let object = SimplePublicObject::deserialize(payload).map_err(invalid)?;
            return Ok(Self::from_object(object));
        }
        let input = ObjectInputForCreate::deserialize(payload).map_err(invalid)?;
        let mut associated: BTreeMap<HsObject, Vec<String>> = BTreeMap::new();
        let mut other_associations = Vec::new();
        for a in &input.associations {
            for t in &a.types {
                match assoc::target(obj, t.association_type_id) {
                    Some(to) if unified_targets(obj).contains(&to) => {
                        let ids = associated.entry(to).or_default();
                        if !ids.contains(&a.to.id) {
                            ids.push(a.to.id.clone());
                        }
                    }
                    _ => other_associations.push(AssociationInput {
                        to: a.to.clone(),
                        types: vec![t.clone()],
                    }),
                }
            }
        }
        Ok(WireRead {
            id: Cow::Borrowed(""),
            properties: Props::Owned(
                input
                    .properties
                    .into_iter()
                    .map(|(k, v)| (k, Some(v)))
                    .collect(),
            ),
            created_at: None,
            updated_at: None,
            has_associations: !input.associations.is_empty(),
            associated,
            other_associations,
        })
    }

    /// A record payload read without copying it, when every field has the shape HubSpot sends
    /// (`None` otherwise: the caller falls back to serde for the exact answer or error).
    /// Whether `payload` is a record of the documented shape (as read in place; anything else is
    /// left to serde).
    pub fn is_record(payload: &Value) -> bool {
        WireRead::record_in_place(payload).is_some()
    }

    fn record_in_place(payload: &'a Value) -> Option<WireRead<'a>> {
        let o = payload.as_object()?;
        let id = match o.get("id")? {
            Value::String(s) => Cow::Borrowed(s.as_str()),
            Value::Number(n) => Cow::Owned(n.to_string()),
            _ => return None,
        };
        let properties = match o.get("properties") {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => {
                let scalar = |v: &Value| {
                    matches!(
                        v,
                        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null
                    )
                };
                if !m.values().all(scalar) {
                    return None;
                }
                Some(m)
            }
            Some(_) => return None,
        };
        let text = |key: &str| match o.get(key) {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(Cow::Borrowed(s.as_str()))),
            Some(_) => None,
        };
        let created_at = text("createdAt")?;
        let updated_at = text("updatedAt")?;
        text("archivedAt")?;
        text("url")?;
        if !matches!(o.get("archived"), None | Some(Value::Bool(_))) {
            return None;
        }
        let buckets = match o.get("associations") {
            None | Some(Value::Null) => None,
            Some(v) => Some(BTreeMap::<String, AssociationBucket>::deserialize(v).ok()?),
        };
        let mut read = WireRead {
            id,
            properties: Props::Payload(properties),
            created_at,
            updated_at,
            associated: BTreeMap::new(),
            has_associations: buckets.is_some(),
            other_associations: Vec::new(),
        };
        read.add_buckets(buckets.iter().flatten());
        Some(read)
    }

    /// A record deserialized by serde (the payloads the fast path leaves alone).
    fn from_object(object: SimplePublicObject) -> WireRead<'a> {
        let mut read = WireRead {
            id: Cow::Owned(object.id),
            properties: Props::Owned(object.properties),
            created_at: object.created_at.map(Cow::Owned),
            updated_at: object.updated_at.map(Cow::Owned),
            associated: BTreeMap::new(),
            has_associations: object.associations.is_some(),
            other_associations: Vec::new(),
        };
        read.add_buckets(object.associations.iter().flatten());
        read
    }

    /// Collects the associated ids of a record's `associations` buckets (each id once).
    fn add_buckets<'b>(
        &mut self,
        buckets: impl Iterator<Item = (&'b String, &'b AssociationBucket)>,
    ) {
        for (bucket, results) in buckets {
            let Some(to) = bucket_object(bucket) else {
                continue;
            };
            let ids = self.associated.entry(to).or_default();
            for r in &results.results {
                if !ids.contains(&r.id) {
                    ids.push(r.id.clone());
                }
            }
        }
    }

    /// Passthrough keeping what has no unified field: the create-body associations to other
    /// objects (written back verbatim by `passthrough_to_wire`).
    pub fn passthrough(&self) -> Passthrough {
        let mut p = Passthrough::new();
        if !self.other_associations.is_empty() {
            if let Ok(v) = serde_json::to_value(&self.other_associations) {
                p.insert("associations".into(), v);
            }
        }
        p
    }

    /// A property's value as HubSpot's text (`None` when absent or null).
    fn text(&self, name: &str) -> Option<Cow<'_, str>> {
        match &self.properties {
            Props::Payload(m) => scalar_text(m.as_ref()?.get(name)?),
            Props::Owned(m) => m.get(name)?.as_deref().map(Cow::Borrowed),
        }
    }

    /// A non-empty property value.
    pub fn prop(&self, name: &str) -> Option<String> {
        self.text(name)
            .filter(|s| !s.is_empty())
            .map(Cow::into_owned)
    }

    /// The record id, `None` for a create body.
    pub fn id(&self) -> Option<String> {
        (!self.id.is_empty()).then(|| self.id.to_string())
    }

    /// Associated ids of `to`: `None` when the payload had no associations at all.
    pub fn ids(&self, to: HsObject) -> Option<Vec<String>> {
        if !self.has_associations {
            return None;
        }
        Some(self.associated.get(&to).cloned().unwrap_or_default())
    }

    /// The first associated id of `to`.
    pub fn first_id(&self, to: HsObject) -> Option<String> {
        self.associated.get(&to).and_then(|v| v.first().cloned())
    }

    /// `createdAt` (falling back to the creation property).
    pub fn created_at(&self, prop: &str) -> Result<Option<DateTime<Utc>>> {
        match self.created_at.as_deref() {
            Some(s) => timestamp("created_at", s).map(Some),
            None => match self.prop(prop) {
                Some(s) => timestamp("created_at", &s).map(Some),
                None => Ok(None),
            },
        }
    }

    /// `updatedAt` (falling back to the modification property).
    pub fn updated_at(&self, prop: &str) -> Result<Option<DateTime<Utc>>> {
        match self.updated_at.as_deref() {
            Some(s) => timestamp("updated_at", s).map(Some),
            None => match self.prop(prop) {
                Some(s) => timestamp("updated_at", &s).map(Some),
                None => Ok(None),
            },
        }
    }

    /// The owner from `hubspot_owner_id` (id only; names are resolved by the connector).
    pub fn owner(&self) -> Option<Owner> {
        self.prop("hubspot_owner_id").map(Owner::id)
    }

    /// Every property not in `consumed` (nor HubSpot's bookkeeping), as custom fields.
    pub fn custom_fields(&self, consumed: &[&str]) -> Vec<CustomField> {
        let keep = |k: &str| !consumed.contains(&k) && !BOOKKEEPING.contains(&k);
        let field = |k: &str, v: Cow<'_, str>| {
            CustomField::named(k.to_owned(), Value::String(v.into_owned()))
        };
        match &self.properties {
            Props::Payload(None) => Vec::new(),
            Props::Payload(Some(m)) => m
                .iter()
                .filter(|(k, _)| keep(k))
                .filter_map(|(k, v)| scalar_text(v).map(|v| field(k, v)))
                .collect(),
            Props::Owned(m) => m
                .iter()
                .filter(|(k, _)| keep(k))
                .filter_map(|(k, v)| v.as_deref().map(|v| field(k, Cow::Borrowed(v))))
                .collect(),
        }
    }
}

/// A property value as HubSpot's text: strings as they are, numbers and booleans stringified
/// (as `SimplePublicObject`'s reader does), `null` (or anything else) as no value.
fn scalar_text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s.as_str())),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Owned(b.to_string())),
        _ => None,
    }
}

/// Properties HubSpot maintains itself, carried by `id`/`created_at`/`updated_at` already.
pub const BOOKKEEPING: &[&str] = &[
    "hs_object_id",
    "createdate",
    "hs_createdate",
    "lastmodifieddate",
    "hs_lastmodifieddate",
];

/// The associated objects a resource has unified fields for.
fn unified_targets(obj: HsObject) -> &'static [HsObject] {
    match obj {
        HsObject::Contacts => &[HsObject::Companies, HsObject::Deals],
        HsObject::Companies => &[],
        HsObject::Deals => &[HsObject::Companies, HsObject::Contacts],
        HsObject::Meetings => &[HsObject::Contacts, HsObject::Companies, HsObject::Deals],
        HsObject::Leads => &[HsObject::Contacts, HsObject::Companies],
    }
}

fn bucket_object(bucket: &str) -> Option<HsObject> {
    Some(match bucket {
        "contacts" | "contact" | "0-1" => HsObject::Contacts,
        "companies" | "company" | "0-2" => HsObject::Companies,
        "deals" | "deal" | "0-3" => HsObject::Deals,
        "meetings" | "meeting" | "meeting_event" | "0-47" => HsObject::Meetings,
        "leads" | "lead" | "0-136" => HsObject::Leads,
        _ => return None,
    })
}

/// Parses a timestamp property, naming `field` in errors.
pub fn timestamp(field: &str, raw: &str) -> Result<DateTime<Utc>> {
    unicrm_core::convert::parse_timestamp(field, raw)
}

/// Writes the owner id (`hubspot_owner_id`); an owner with an empty id clears it.
pub fn owner_to_wire(w: &mut WireWrite, owner: &Option<Owner>) {
    if let Some(o) = owner {
        w.set("hubspot_owner_id", o.id.clone());
    }
}

/// Writes custom fields as properties (`custom_fields[i]` names the offending entry).
pub fn custom_fields_to_wire(w: &mut WireWrite, fields: &[CustomField]) -> Result<()> {
    for (i, f) in fields.iter().enumerate() {
        let name = f.target().filter(|n| !n.is_empty()).ok_or_else(|| {
            Error::invalid(
                format!("custom_fields[{i}]"),
                "a custom field needs remote_id, id or name: the HubSpot property name",
            )
        })?;
        let value = convert::value_to_property(&f.wire_value())
            .map_err(|reason| Error::invalid(format!("custom_fields[{i}].value"), reason))?;
        w.set(name, value);
    }
    Ok(())
}

/// Writes passthrough last: `properties` (an object) merges into the properties,
/// `associations` (HubSpot's create-body array) is appended, any other key is a property.
pub fn passthrough_to_wire(w: &mut WireWrite, passthrough: &Passthrough) -> Result<()> {
    for (key, value) in passthrough {
        match (key.as_str(), value) {
            ("properties", Value::Object(props)) => {
                for (k, v) in props {
                    let s = convert::value_to_property(v).map_err(|reason| {
                        Error::invalid(format!("passthrough.properties.{k}"), reason)
                    })?;
                    w.set(k, s);
                }
            }
            ("associations", Value::Array(_)) => {
                let list: Vec<AssociationInput> = serde_json::from_value(value.clone())
                    .map_err(|e| Error::invalid("passthrough.associations", e.to_string()))?;
                w.raw_associations.extend(list);
            }
            _ => {
                let s = convert::value_to_property(value)
                    .map_err(|reason| Error::invalid(format!("passthrough.{key}"), reason))?;
                w.set(key, s);
            }
        }
    }
    Ok(())
}

/// Refuses a unified field HubSpot has no home for, unless it is empty.
pub fn no_home<T>(field: &str, value: &Option<Vec<T>>, why: &str) -> Result<()> {
    match value {
        Some(v) if !v.is_empty() => Err(Error::no_home(field, why)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn create_body_reads_back_its_associations() {
        let payload = json!({
            "properties": {"firstname": "Jane"},
            "associations": [{"to": {"id": 9001}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}]
        });
        let r = WireRead::parse(HsObject::Contacts, &payload).unwrap();
        assert_eq!(r.ids(HsObject::Companies), Some(vec!["9001".to_owned()]));
        assert_eq!(r.id(), None);
    }

    /// What the reader gives for `payload`, through the in-place reader (when it takes it) and
    /// through serde's `SimplePublicObject` (the reference), mapped as a contact.
    fn both_readers(payload: &Value) -> (Option<String>, String) {
        let map = |r: &WireRead| format!("{:?}", contact::contact_from_wire(r));
        let fast = WireRead::record_in_place(payload).map(|r| map(&r));
        let reference = match SimplePublicObject::deserialize(payload) {
            Ok(o) => map(&WireRead::from_object(o)),
            Err(e) => format!("error: {e}"),
        };
        (fast, reference)
    }

    #[test]
    fn the_in_place_reader_reads_as_serde_does() {
        let full: Value = serde_json::from_str(include_str!(
            "../../fixtures/contact/get_response_full.json"
        ))
        .unwrap();
        let mut cases = vec![full.clone()];
        for (key, value) in [
            ("id", json!(512)),
            ("createdAt", Value::Null),
            ("updatedAt", json!("")),
            ("properties", Value::Null),
            ("associations", Value::Null),
            ("associations", json!({})),
            ("archived", json!(true)),
        ] {
            let mut c = full.clone();
            c[key] = value;
            cases.push(c);
        }
        let mut typed = full.clone();
        typed["properties"]["num_employees"] = json!(12.5);
        typed["properties"]["hs_is_unworked"] = json!(false);
        typed["properties"]["lastname"] = Value::Null;
        typed["properties"]["firstname"] = json!("");
        cases.push(typed);
        for c in &cases {
            let (fast, reference) = both_readers(c);
            assert_eq!(fast.as_deref(), Some(reference.as_str()), "{c}");
        }
        // Shapes serde refuses are left to serde, so the error stays its own.
        for (key, value) in [
            ("id", json!(true)),
            ("archived", Value::Null),
            ("createdAt", json!(1)),
            ("url", json!({})),
            ("properties", json!([])),
            (
                "associations",
                json!({"companies": {"results": [{"id": null}]}}),
            ),
        ] {
            let mut c = full.clone();
            c[key] = value;
            let (fast, reference) = both_readers(&c);
            assert_eq!(fast, None, "{c}");
            assert!(reference.starts_with("error: "), "{reference}");
            let e = WireRead::parse(HsObject::Contacts, &c).unwrap_err();
            assert_eq!(
                format!("error: {}", e),
                reference.replace("error: ", "error: payload: ")
            );
        }
        let mut nested = full;
        nested["properties"]["email"] = json!({"a": 1});
        assert_eq!(both_readers(&nested).0, None);
    }

    #[test]
    fn passthrough_properties_and_keys_are_written_last() {
        let mut w = WireWrite::default();
        w.set("firstname", "Jane");
        let mut p = Passthrough::new();
        p.insert("firstname".into(), json!("Janet"));
        p.insert(
            "properties".into(),
            json!({"favorite_food": ["Pizza", "burger"]}),
        );
        passthrough_to_wire(&mut w, &p).unwrap();
        assert_eq!(w.properties["firstname"], "Janet");
        assert_eq!(w.properties["favorite_food"], "Pizza;burger");
        let mut bad = Passthrough::new();
        bad.insert("x".into(), json!({"a": 1}));
        let e = passthrough_to_wire(&mut w, &bad).unwrap_err();
        assert!(e.to_string().starts_with("passthrough.x:"), "{e}");
    }
}
