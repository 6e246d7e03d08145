//! Pure: unified record ↔ HubSpot object, dispatched by resource (no I/O, no async).

use std::collections::BTreeMap;

use serde_json::Value;
use unicrm_core::{Error, Record, Resource, Result};

use crate::mapping::assoc;
use crate::mapping::{account, contact, deal, lead, meeting, HsObject, WireRead, WireWrite};
use crate::wire::{AssociatedId, AssociationBucket, ObjectInputForCreate, SimplePublicObject};

/// The HubSpot object of a unified resource.
pub fn object_of(resource: Resource) -> HsObject {
    match resource {
        Resource::Contact => HsObject::Contacts,
        Resource::Lead => HsObject::Leads,
        Resource::Deal => HsObject::Deals,
        Resource::Meeting => HsObject::Meetings,
        Resource::Account => HsObject::Companies,
    }
}

pub(crate) fn read_spec(resource: Resource) -> (&'static [&'static str], &'static [HsObject]) {
    match resource {
        Resource::Contact => (contact::READ_PROPERTIES, contact::READ_ASSOCIATIONS),
        Resource::Lead => (lead::READ_PROPERTIES, lead::READ_ASSOCIATIONS),
        Resource::Deal => (deal::READ_PROPERTIES, deal::READ_ASSOCIATIONS),
        Resource::Meeting => (meeting::READ_PROPERTIES, meeting::READ_ASSOCIATIONS),
        Resource::Account => (account::READ_PROPERTIES, account::READ_ASSOCIATIONS),
    }
}

/// Pure: a provider payload of `resource` → unified record (keeping a copy as `raw`).
pub fn record_from_wire(resource: Resource, payload: &Value) -> Result<Record> {
    let mut record = map_read(resource, &WireRead::parse(object_of(resource), payload)?)?;
    *record.raw_mut() = Some(payload.clone());
    Ok(record)
}

/// Pure: [`record_from_wire`] taking the payload by value: it moves into `raw`, uncopied.
pub fn record_from_wire_owned(resource: Resource, payload: Value) -> Result<Record> {
    let mut record = map_read(resource, &WireRead::parse(object_of(resource), &payload)?)?;
    *record.raw_mut() = Some(payload);
    Ok(record)
}

fn map_read(resource: Resource, r: &WireRead) -> Result<Record> {
    Ok(match resource {
        Resource::Contact => contact::contact_from_wire(r)?.into(),
        Resource::Lead => lead::lead_from_wire(r)?.into(),
        Resource::Deal => deal::deal_from_wire(r)?.into(),
        Resource::Meeting => meeting::meeting_from_wire(r)?.into(),
        Resource::Account => account::account_from_wire(r)?.into(),
    })
}

/// Pure: a unified record → what a write sends.
pub fn record_to_wire(record: &Record, create: bool) -> Result<WireWrite> {
    match record {
        Record::Contact(c) => contact::contact_to_wire(c, create),
        Record::Lead(l) => lead::lead_to_wire(l, create),
        Record::Deal(d) => deal::deal_to_wire(d, create),
        Record::Meeting(m) => meeting::meeting_to_wire(m, create),
        Record::Account(a) => account::account_to_wire(a, create),
    }
}

/// A create answer as a read of it would be: the properties a read asks for (the mapped ones and
/// those sent), and the associations sent to the objects a read asks about. `created` is the
/// answer as HubSpot sent it (a record object, see [`client::create_object_value`]).
pub(crate) fn as_read(
    resource: Resource,
    mut created: Value,
    body: &ObjectInputForCreate,
    sent: &[String],
) -> Result<Value> {
    let (mapped, wanted) = read_spec(resource);
    let Some(record) = created.as_object_mut() else {
        return Err(Error::Internal("a create answer is not an object".into()));
    };
    if let Some(Value::Object(properties)) = record.get_mut("properties") {
        properties.retain(|k, _| mapped.contains(&k.as_str()) || sent.contains(k));
    }
    let from = object_of(resource);
    let mut buckets: BTreeMap<String, AssociationBucket> = BTreeMap::new();
    for a in &body.associations {
        for t in &a.types {
            let Some(to) = assoc::target(from, t.association_type_id) else {
                continue;
            };
            if !wanted.contains(&to) {
                continue;
            }
            let bucket = buckets.entry(to.name().to_owned()).or_default();
            if !bucket.results.iter().any(|r| r.id == a.to.id) {
                bucket.results.push(AssociatedId {
                    id: a.to.id.clone(),
                    kind: None,
                });
            }
        }
    }
    if buckets.is_empty() {
        record.remove("associations");
    } else {
        let buckets = serde_json::to_value(buckets).map_err(|e| Error::Internal(e.to_string()))?;
        record.insert("associations".into(), buckets);
    }
    Ok(created)
}

/// The id of a record object (a string, or a number HubSpot's docs allow for).
pub(crate) fn record_id(record: &Value) -> String {
    match record.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

pub(crate) fn to_value(o: &SimplePublicObject) -> Result<Value> {
    serde_json::to_value(o).map_err(|e| Error::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HubSpot;
    use unicrm_core::Connector;

    #[test]
    fn owned_and_borrowed_payloads_map_alike() {
        let fixtures = [
            (
                Resource::Contact,
                include_str!("../../fixtures/contact/get_response_full.json"),
            ),
            (
                Resource::Contact,
                include_str!("../../fixtures/contact/create_request_guide.json"),
            ),
            (
                Resource::Account,
                include_str!("../../fixtures/account/get_response_full.json"),
            ),
            (
                Resource::Deal,
                include_str!("../../fixtures/deal/get_response_full.json"),
            ),
            (
                Resource::Lead,
                include_str!("../../fixtures/lead/get_response_full.json"),
            ),
            (
                Resource::Meeting,
                include_str!("../../fixtures/meeting/get_response_epoch_ms.json"),
            ),
        ];
        for (resource, text) in fixtures {
            let payload: Value = serde_json::from_str(text).unwrap();
            let borrowed = HubSpot.from_provider(resource, &payload).unwrap();
            let owned = HubSpot
                .from_provider_owned(resource, payload.clone())
                .unwrap();
            assert_eq!(borrowed, owned);
            assert_eq!(owned.raw(), Some(&payload));
        }
    }
}
