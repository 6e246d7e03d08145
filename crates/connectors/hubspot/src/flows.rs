//! HubSpot's multi-call workflows: create with its associations and a lead's contact, update
//! then read back, list pages (object listing or `updated_after` search), owner names and a
//! lead's person fields completed after a read.

use std::collections::HashMap;

use unicrm_core::{Contact, Context, Error, ListQuery, Owner, Page, Record, Resource, Result};

use serde::{Deserialize, Serialize};
use unicrm_core::raw::cursor::{self, CursorCodec};
use unicrm_core::raw::owners;

use crate::client;
use crate::config;
use crate::connector::{type_custom_fields, HubSpot, INFO};
use crate::mapping::record::{
    as_read, object_of, read_spec, record_from_wire_owned, record_id, to_value,
};
use crate::mapping::{contact, lead, HsObject, WireRead, WireWrite};
use crate::wire::{
    Filter, FilterGroup, ObjectInput, SearchRequest, SearchSort, SimplePublicObject,
};

/// The list cursor's state: Hubspot's `after` for object listing; for `updated_after` searches
/// the keyset restart point (modified time in ms, id) and the offset inside the 10,000-result
/// window. Opaque to users through [`CURSOR`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Cursor {
    #[serde(rename = "l")]
    List(String),
    #[serde(rename = "s")]
    Search {
        #[serde(rename = "f")]
        floor: i64,
        #[serde(rename = "k")]
        key: Option<(i64, String)>,
        #[serde(rename = "o")]
        offset: u32,
    },
}

/// The codec of HubSpot list cursors.
const CURSOR: CursorCodec = CursorCodec::new(config::ID, 1);

impl Cursor {
    fn parse(s: &str) -> Result<Cursor> {
        let cursor: Cursor = CURSOR.decode(s)?;
        match &cursor {
            Cursor::List(after) if after.is_empty() => Err(cursor::invalid(
                "this cursor names no position; pass next_cursor of the previous page",
            )),
            _ => Ok(cursor),
        }
    }

    fn render(&self) -> String {
        CURSOR.encode(self)
    }
}

impl HubSpot {
    /// Fills owner name and email from the owners API (the kit's cache policy: a failed lookup
    /// leaves the owner id alone, so a missing `crm.objects.owners.read` scope never breaks reads).
    async fn resolve_owner(&self, cx: &Context, record: &mut Record) {
        owners::resolve(cx, record.owner_mut(), |id| async move {
            let o = client::get_owner(cx, &id).await?;
            let name = [o.first_name.as_deref(), o.last_name.as_deref()]
                .into_iter()
                .flatten()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            Ok(Some(Owner {
                id: o.id,
                name: (!name.is_empty()).then_some(name),
                email: o.email,
            }))
        })
        .await;
    }

    /// The `properties=` list of a read: the mapped properties, the ones a write just sent
    /// (`extra`), and the account setting `read_properties.<object>` — a comma-separated list of
    /// more properties, or `all` for every property of the object (one properties API call).
    async fn read_properties(
        &self,
        cx: &Context,
        resource: Resource,
        extra: &[String],
    ) -> Result<(Vec<String>, Vec<crate::wire::Property>)> {
        let obj = object_of(resource);
        let mut definitions = Vec::new();
        let (mapped, _) = read_spec(resource);
        let mut out: Vec<String> = mapped.iter().map(|p| (*p).to_owned()).collect();
        let mut add = |p: &str| {
            if !p.is_empty() && !out.iter().any(|o| o == p) {
                out.push(p.to_owned());
            }
        };
        extra.iter().for_each(|p| add(p));
        match cx
            .setting(&format!("read_properties.{}", obj.name()))
            .map(str::trim)
        {
            Some("all") => {
                definitions = client::list_properties(cx, obj).await?.results;
                for p in &definitions {
                    add(&p.name);
                }
            }
            Some(list) => list.split(',').map(str::trim).for_each(&mut add),
            None => {}
        }
        Ok((out, definitions))
    }

    pub(crate) async fn read(&self, cx: &Context, resource: Resource, id: &str) -> Result<Record> {
        self.read_with(cx, resource, id, &[]).await
    }

    async fn read_with(
        &self,
        cx: &Context,
        resource: Resource,
        id: &str,
        extra: &[String],
    ) -> Result<Record> {
        let (_, assocs) = read_spec(resource);
        let (props, definitions) = self.read_properties(cx, resource, extra).await?;
        let props: Vec<&str> = props.iter().map(String::as_str).collect();
        let obj = client::get_object(cx, object_of(resource), id, &props, assocs).await?;
        let mut records = vec![record_from_wire_owned(resource, to_value(&obj)?)?];
        type_custom_fields(&mut records, &definitions);
        self.finish(cx, &mut records).await?;
        records
            .pop()
            .ok_or_else(|| Error::Internal("a read lost its record".into()))
    }

    /// Completes read records: owner names, and for leads the person fields of their contact.
    async fn finish(&self, cx: &Context, records: &mut [Record]) -> Result<()> {
        self.fill_lead_people(cx, records).await?;
        for record in records.iter_mut() {
            self.resolve_owner(cx, record).await;
        }
        Ok(())
    }

    /// A HubSpot lead holds no person fields of its own: they are its contact's. Reads them from
    /// the leads' contacts (one batch read) into the unified leads.
    async fn fill_lead_people(&self, cx: &Context, records: &mut [Record]) -> Result<()> {
        let ids: Vec<String> = records
            .iter()
            .filter_map(|r| match r {
                Record::Lead(l) => l.contact_id.clone(),
                _ => None,
            })
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let contacts =
            client::batch_read(cx, HsObject::Contacts, &ids, contact::READ_PROPERTIES).await?;
        let mut by_id = HashMap::new();
        for o in &contacts {
            let c =
                contact::contact_from_wire(&WireRead::parse(HsObject::Contacts, &to_value(o)?)?)?;
            by_id.insert(o.id.clone(), c);
        }
        for r in records.iter_mut() {
            let Record::Lead(l) = r else { continue };
            let Some(c) = l.contact_id.as_ref().and_then(|id| by_id.get(id)) else {
                continue;
            };
            l.first_name = c.first_name.clone();
            l.last_name = c.last_name.clone();
            l.emails = c.emails.clone();
            l.phone_numbers = c.phone_numbers.clone();
            l.company_name = c.company_name.clone().or_else(|| l.company_name.clone());
            l.job_title = c.job_title.clone();
            l.address = c.address.clone();
        }
        Ok(())
    }

    /// Finds the contact with `email` (primary or additional), if any.
    async fn find_contact_by_email(&self, cx: &Context, email: &str) -> Result<Option<String>> {
        let eq = |prop: &str| FilterGroup {
            filters: vec![Filter {
                property_name: prop.to_owned(),
                operator: "EQ".to_owned(),
                value: Some(email.to_owned()),
                high_value: None,
                values: None,
            }],
        };
        let body = SearchRequest {
            filter_groups: vec![eq("email"), eq("hs_additional_emails")],
            properties: vec!["email".into()],
            limit: Some(1),
            ..Default::default()
        };
        let page = client::search(cx, HsObject::Contacts, &body).await?;
        Ok(page.results.into_iter().next().map(|o| o.id))
    }

    /// The contact a new lead is about: found by its email, else created from the lead's person
    /// fields. A found contact gets the person fields the lead carried (except emails).
    async fn lead_contact(&self, cx: &Context, person: &Contact) -> Result<String> {
        let email = person.emails.as_ref().and_then(|e| e.first()).cloned();
        if let Some(email) = &email {
            if let Some(id) = self.find_contact_by_email(cx, email).await? {
                let mut rest = person.clone();
                rest.emails = None;
                rest.owner = None;
                let w = contact::contact_to_wire(&rest, false)?;
                if !w.properties.is_empty() {
                    client::update_object(
                        cx,
                        HsObject::Contacts,
                        &id,
                        &ObjectInput {
                            properties: w.properties,
                        },
                    )
                    .await?;
                }
                return Ok(id);
            }
        }
        let w = contact::contact_to_wire(person, true).map_err(|e| match e {
            Error::InvalidInput {
                field,
                reason,
                provider,
            } => Error::InvalidInput {
                field: if field.is_empty() {
                    field
                } else {
                    format!("lead.{field}")
                },
                reason,
                provider,
            },
            other => other,
        })?;
        let created = match client::create_object(cx, HsObject::Contacts, &w.create_body()).await {
            Ok(o) => o.id,
            // Created by someone else between the search and the create: use theirs.
            Err(Error::Conflict {
                existing_id: Some(id),
                ..
            }) => return Ok(id),
            Err(e) => return Err(e),
        };
        self.sync_emails(cx, &created, &w.additional_emails, &[])
            .await?;
        Ok(created)
    }

    /// Adds the additional emails a contact should have and removes the ones it should not.
    async fn sync_emails(
        &self,
        cx: &Context,
        id: &str,
        wanted: &[String],
        current: &[String],
    ) -> Result<()> {
        for e in wanted {
            if !current.iter().any(|c| c.eq_ignore_ascii_case(e)) {
                client::add_secondary_email(cx, id, e).await?;
            }
        }
        for c in current {
            if !wanted.iter().any(|e| e.eq_ignore_ascii_case(c)) {
                client::remove_secondary_email(cx, id, c).await?;
            }
        }
        Ok(())
    }

    /// Makes the record's associations of each given set exactly the given ids.
    async fn sync_associations(
        &self,
        cx: &Context,
        obj: HsObject,
        id: &str,
        w: &WireWrite,
    ) -> Result<()> {
        if w.associations.is_empty() {
            return Ok(());
        }
        let targets: Vec<HsObject> = w.associations.iter().map(|s| s.to).collect();
        let current = client::get_object(cx, obj, id, &[], &targets).await?;
        let current = to_value(&current)?;
        let current = WireRead::parse(obj, &current)?;
        for set in &w.associations {
            let have = current.associated.get(&set.to).cloned().unwrap_or_default();
            for want in &set.ids {
                if !have.contains(want) {
                    client::associate_default(cx, obj, id, set.to, want).await?;
                }
            }
            for old in &have {
                if !set.ids.contains(old) {
                    client::dissociate(cx, obj, id, set.to, old).await?;
                }
            }
        }
        Ok(())
    }

    async fn list_page(
        &self,
        cx: &Context,
        resource: Resource,
        q: &ListQuery,
    ) -> Result<(
        Vec<SimplePublicObject>,
        Option<String>,
        Vec<crate::wire::Property>,
    )> {
        let obj = object_of(resource);
        let (_, assocs) = read_spec(resource);
        let (props, definitions) = self.read_properties(cx, resource, &[]).await?;
        let props: Vec<&str> = props.iter().map(String::as_str).collect();
        let props = props.as_slice();
        let cursor = q.cursor.as_deref().map(Cursor::parse).transpose()?;
        let size = INFO.page_size(q.page_size);
        let search = match (&cursor, q.updated_after) {
            (Some(Cursor::Search { .. }), _) | (None, Some(_)) => true,
            (Some(Cursor::List(_)), Some(_)) => {
                return Err(Error::invalid(
                    "cursor",
                    "this cursor comes from a listing without updated_after",
                ))
            }
            _ => false,
        };
        if !search {
            let after = match &cursor {
                Some(Cursor::List(a)) => Some(a.as_str()),
                _ => None,
            };
            let limit = size.min(config::LIST_PAGE_MAX);
            let page = client::list_objects(cx, obj, limit, after, props, assocs).await?;
            let next = page
                .paging
                .and_then(|p| p.next)
                .map(|n| Cursor::List(n.after).render());
            return Ok((page.results, next, definitions));
        }
        let limit = size.min(config::SEARCH_PAGE_MAX);
        let (floor, key, offset) = match cursor {
            Some(Cursor::Search { floor, key, offset }) => (floor, key, offset),
            _ => (
                q.updated_after.map(|t| t.timestamp_millis()).unwrap_or(0),
                None,
                0,
            ),
        };
        let modified = obj.modified_property();
        let filter = |op: &str, value: String| Filter {
            property_name: modified.to_owned(),
            operator: op.to_owned(),
            value: Some(value),
            high_value: None,
            values: None,
        };
        let filter_groups = match &key {
            // Restart after the window filled: everything after (modified, id) of the last record.
            Some((ms, id)) => vec![
                FilterGroup {
                    filters: vec![filter("GT", ms.to_string())],
                },
                FilterGroup {
                    filters: vec![
                        filter("EQ", ms.to_string()),
                        Filter {
                            property_name: "hs_object_id".to_owned(),
                            operator: "GT".to_owned(),
                            value: Some(id.clone()),
                            high_value: None,
                            values: None,
                        },
                    ],
                },
            ],
            None => vec![FilterGroup {
                filters: vec![filter("GTE", floor.to_string())],
            }],
        };
        let mut properties: Vec<String> = props.iter().map(|p| (*p).to_owned()).collect();
        if !properties.iter().any(|p| p == modified) {
            properties.push(modified.to_owned());
        }
        let body = SearchRequest {
            filter_groups,
            sorts: vec![SearchSort {
                property_name: modified.to_owned(),
                direction: "ASCENDING".to_owned(),
            }],
            properties,
            limit: Some(limit),
            after: (offset > 0).then(|| offset.to_string()),
            query: None,
        };
        let page = client::search(cx, obj, &body).await?;
        let has_more = page.paging.as_ref().is_some_and(|p| p.next.is_some());
        let next = if !has_more {
            None
        } else if offset + 2 * limit <= config::SEARCH_WINDOW {
            Some(Cursor::Search {
                floor,
                key,
                offset: offset + limit,
            })
        } else {
            // The next page would cross the 10,000-result window: restart the query from the
            // last record of this page, keyed by (modified time, id).
            let last = page.results.last().ok_or_else(|| {
                Error::Internal("HubSpot announced a next page after an empty page".into())
            })?;
            let ms = last
                .properties
                .get(modified)
                .and_then(|v| v.as_deref())
                .map(|s| crate::mapping::timestamp(modified, s))
                .transpose()?
                .map(|t| t.timestamp_millis())
                .ok_or_else(|| {
                    Error::Internal(format!(
                        "HubSpot search result {} has no {modified}",
                        last.id
                    ))
                })?;
            Some(Cursor::Search {
                floor,
                key: Some((ms, last.id.clone())),
                offset: 0,
            })
        };
        Ok((page.results, next.map(|c| c.render()), definitions))
    }

    /// Creates a record: a lead gets its contact (found by e-mail or created), additional
    /// e-mails go through the secondary-email API, and the answer maps as a read would.
    pub(crate) async fn create_record(
        &self,
        cx: &Context,
        record: &Record,
        mut w: WireWrite,
    ) -> Result<Record> {
        let resource = record.resource();
        let obj = object_of(resource);
        if let Record::Lead(l) = record {
            let has_contact = w.associations.iter().any(|s| s.to == HsObject::Contacts)
                || w.raw_associations.iter().any(|a| {
                    a.types.iter().any(|t| {
                        crate::mapping::assoc::target(HsObject::Leads, t.association_type_id)
                            == Some(HsObject::Contacts)
                    })
                });
            if !has_contact {
                let person = lead::lead_person(l).ok_or_else(|| {
                    Error::invalid(
                        "contact_id",
                        "a HubSpot lead must be associated with a contact",
                    )
                })?;
                let contact_id = self.lead_contact(cx, &person).await?;
                w.associations.push(crate::mapping::AssociationSet {
                    to: HsObject::Contacts,
                    ids: vec![contact_id],
                    type_id: crate::mapping::assoc::LEAD_TO_PRIMARY_CONTACT,
                });
            }
        }
        let sent: Vec<String> = w.properties.keys().cloned().collect();
        let body = w.take_create_body();
        let created = client::create_object_value(cx, obj, &body).await?;
        // HubSpot's create answer holds every property the record has, and its associations are
        // the ones sent: map it as the read-back would be, without a second call. A lead (person
        // fields on its contact), additional emails (written after the create) and extra read
        // properties (`read_properties.<object>`) still read the record back.
        let extra_reads = !cx.settings.is_empty()
            && cx
                .setting(&format!("read_properties.{}", obj.name()))
                .is_some();
        if resource != Resource::Lead && w.additional_emails.is_empty() && !extra_reads {
            let mut records = vec![record_from_wire_owned(
                resource,
                as_read(resource, created, &body, &sent)?,
            )?];
            self.finish(cx, &mut records).await?;
            return records
                .pop()
                .ok_or_else(|| Error::Internal("a create lost its record".into()));
        }
        let id = record_id(&created);
        if !w.additional_emails.is_empty() {
            self.sync_emails(cx, &id, &w.additional_emails, &[]).await?;
        }
        self.read_with(cx, resource, &id, &sent).await
    }

    /// Updates a record (properties, associations, additional e-mails, a lead's person fields on
    /// its contact), then reads it back.
    pub(crate) async fn update_record(
        &self,
        cx: &Context,
        id: &str,
        patch: &Record,
        w: WireWrite,
    ) -> Result<Record> {
        let resource = patch.resource();
        let obj = object_of(resource);
        if let Record::Contact(Contact {
            source: Some(source),
            ..
        }) = patch
        {
            // Read-only: accepted only when written back unchanged.
            let now = client::get_object(cx, obj, id, &["hs_analytics_source"], &[]).await?;
            let stored = now
                .properties
                .get("hs_analytics_source")
                .and_then(|v| v.as_deref())
                .unwrap_or_default();
            if stored != source.as_str() {
                return Err(Error::invalid("source", contact::SOURCE_READ_ONLY));
            }
        }
        if w.properties.is_empty() {
            // Nothing to PATCH: still answer 404 for an unknown id.
            client::get_object(cx, obj, id, &["hs_object_id"], &[]).await?;
        } else {
            let body = ObjectInput {
                properties: w.properties.clone(),
            };
            client::update_object(cx, obj, id, &body).await?;
        }
        self.sync_associations(cx, obj, id, &w).await?;
        match patch {
            Record::Contact(c) if c.emails.is_some() => {
                let current =
                    client::get_object(cx, obj, id, &["hs_additional_emails"], &[]).await?;
                let have = current
                    .properties
                    .get("hs_additional_emails")
                    .and_then(|v| v.as_deref())
                    .map(crate::mapping::convert::split_multi)
                    .unwrap_or_default();
                self.sync_emails(cx, id, &w.additional_emails, &have)
                    .await?;
            }
            Record::Lead(l) => {
                if let Some(person) = lead::lead_person(l) {
                    // The person fields live on the lead's contact.
                    let lead_now =
                        client::get_object(cx, obj, id, &[], &[HsObject::Contacts]).await?;
                    let lead_now = to_value(&lead_now)?;
                    let lead_now = WireRead::parse(obj, &lead_now)?;
                    let contact_id = lead_now.first_id(HsObject::Contacts).ok_or_else(|| {
                        Error::invalid(
                            "contact_id",
                            "the lead has no contact to hold the person fields",
                        )
                    })?;
                    let mut person = person;
                    person.owner = None;
                    let cw = contact::contact_to_wire(&person, false)?;
                    if !cw.properties.is_empty() {
                        let body = ObjectInput {
                            properties: cw.properties.clone(),
                        };
                        client::update_object(cx, HsObject::Contacts, &contact_id, &body).await?;
                    }
                    if person.emails.is_some() {
                        let current = client::get_object(
                            cx,
                            HsObject::Contacts,
                            &contact_id,
                            &["hs_additional_emails"],
                            &[],
                        )
                        .await?;
                        let have = current
                            .properties
                            .get("hs_additional_emails")
                            .and_then(|v| v.as_deref())
                            .map(crate::mapping::convert::split_multi)
                            .unwrap_or_default();
                        self.sync_emails(cx, &contact_id, &cw.additional_emails, &have)
                            .await?;
                    }
                }
            }
            _ => {}
        }
        let sent: Vec<String> = w.properties.keys().cloned().collect();
        self.read_with(cx, resource, id, &sent).await
    }

    /// One page of records, with owner names and leads' person fields.
    pub(crate) async fn list_records(
        &self,
        cx: &Context,
        resource: Resource,
        q: &ListQuery,
    ) -> Result<Page<Record>> {
        let (objects, next_cursor, definitions) = self.list_page(cx, resource, q).await?;
        let mut items = objects
            .iter()
            .map(|o| record_from_wire_owned(resource, to_value(o)?))
            .collect::<Result<Vec<_>>>()?;
        type_custom_fields(&mut items, &definitions);
        self.finish(cx, &mut items).await?;
        Ok(Page { items, next_cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        for c in [
            Cursor::List("513881705058".into()),
            Cursor::Search {
                floor: 1_700_000_000_000,
                key: None,
                offset: 200,
            },
            Cursor::Search {
                floor: 0,
                key: Some((1_700_000_000_123, "42".into())),
                offset: 0,
            },
        ] {
            assert_eq!(Cursor::parse(&c.render()).unwrap(), c);
        }
        assert!(Cursor::parse("garbage").is_err());
        assert!(Cursor::parse("s.1.2").is_err());
        assert!(Cursor::parse(&CURSOR.encode(&Cursor::List(String::new()))).is_err());
        let other = CursorCodec::new("pipedrive", 1).encode(&Cursor::List("1".into()));
        assert!(matches!(
            Cursor::parse(&other),
            Err(Error::InvalidInput { field, .. }) if field == "cursor"
        ));
    }
}
