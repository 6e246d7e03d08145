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
pub mod lead;
pub mod meeting;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use unicrm_core::{CustomField, Error, Owner, Passthrough, Result};

use crate::wire::{
    AssociationInput, AssociationSpec, AssociationTarget, ObjectInputForCreate, SimplePublicObject,
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

/// A record as read: the object, plus the associations of a create body when the payload was
/// one (create bodies carry `types[].associationTypeId` instead of named buckets).
#[derive(Debug, Clone)]
pub struct WireRead {
    /// The object (a create body becomes an object without id).
    pub object: SimplePublicObject,
    /// Associated ids per object type.
    pub associated: BTreeMap<HsObject, Vec<String>>,
    /// Whether associations were part of the payload at all (a search answer has none).
    pub has_associations: bool,
    /// Create-body associations to objects the unified record has no field for.
    pub other_associations: Vec<AssociationInput>,
    /// The payload as received.
    pub raw: Value,
}

impl WireRead {
    /// Reads a provider payload of object `obj`: a record (`id`, `properties`, …) or a create
    /// body (`properties`, `associations[]`).
    pub fn parse(obj: HsObject, payload: &Value) -> Result<WireRead> {
        let invalid = |e: serde_json::Error| Error::invalid("payload", e.to_string());
        let has_id = payload.get("id").is_some_and(|v| !v.is_null());
        if has_id {
            let object: SimplePublicObject =
                serde_json::from_value(payload.clone()).map_err(invalid)?;
            let mut associated: BTreeMap<HsObject, Vec<String>> = BTreeMap::new();
            let has_associations = object.associations.is_some();
            for (bucket, results) in object.associations.iter().flatten() {
                let Some(to) = bucket_object(bucket) else {
                    continue;
                };
                let ids = associated.entry(to).or_default();
                for r in &results.results {
                    if !ids.contains(&r.id) {
                        ids.push(r.id.clone());
                    }
                }
            }
            return Ok(WireRead {
                object,
                associated,
                has_associations,
                other_associations: Vec::new(),
                raw: payload.clone(),
            });
        }
        let input: ObjectInputForCreate =
            serde_json::from_value(payload.clone()).map_err(invalid)?;
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
            object: SimplePublicObject {
                id: String::new(),
                properties: input
                    .properties
                    .into_iter()
                    .map(|(k, v)| (k, Some(v)))
                    .collect(),
                created_at: None,
                updated_at: None,
                archived: false,
                archived_at: None,
                associations: None,
                url: None,
            },
            has_associations: !input.associations.is_empty(),
            associated,
            other_associations,
            raw: payload.clone(),
        })
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

    /// A non-empty property value.
    pub fn prop(&self, name: &str) -> Option<String> {
        self.object
            .properties
            .get(name)
            .and_then(|v| v.as_deref())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }

    /// The record id, `None` for a create body.
    pub fn id(&self) -> Option<String> {
        (!self.object.id.is_empty()).then(|| self.object.id.clone())
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
        match self.object.created_at.clone().or_else(|| self.prop(prop)) {
            Some(s) => timestamp("created_at", &s).map(Some),
            None => Ok(None),
        }
    }

    /// `updatedAt` (falling back to the modification property).
    pub fn updated_at(&self, prop: &str) -> Result<Option<DateTime<Utc>>> {
        match self.object.updated_at.clone().or_else(|| self.prop(prop)) {
            Some(s) => timestamp("updated_at", &s).map(Some),
            None => Ok(None),
        }
    }

    /// The owner from `hubspot_owner_id` (id only; names are resolved by the connector).
    pub fn owner(&self) -> Option<Owner> {
        self.prop("hubspot_owner_id").map(Owner::id)
    }

    /// Every property not in `consumed` (nor HubSpot's bookkeeping), as custom fields.
    pub fn custom_fields(&self, consumed: &[&str]) -> Vec<CustomField> {
        self.object
            .properties
            .iter()
            .filter(|(k, _)| !consumed.contains(&k.as_str()) && !BOOKKEEPING.contains(&k.as_str()))
            .filter_map(|(k, v)| {
                v.as_ref()
                    .map(|v| CustomField::named(k.clone(), Value::String(v.clone())))
            })
            .collect()
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
        Some(v) if !v.is_empty() => Err(Error::invalid(field, why)),
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
