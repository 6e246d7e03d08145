//! Pipedrive's multi-call workflows: a company name becomes an organization, a lead's person
//! fields become (or update) its person, a contact's `deal_ids` become the deals' `person_id`;
//! reads are completed with owner names, organization names and persons; list pages.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value};
use unicrm_core::{Contact, Context, Error, ListQuery, Owner, Page, Record, Resource, Result};

use serde::{Deserialize, Serialize};
use unicrm_core::raw::cursor::{self, CursorCodec};
use unicrm_core::raw::owners;

use crate::client::{self, PdObject};
use crate::config;
use crate::connector::{industry_options, Pipedrive, INFO};
use crate::mapping::record::{
    check_id, is_meeting, not_found, object_of, prefix_lead, record_from_wire_owned, record_to_wire,
};
use crate::mapping::{contact, is_numeric_id, lead, meeting, text};

/// The list cursor's state: the API it pages (`v2` with Pipedrive's `next_cursor`, `v1` with
/// the leads' `start`), the `updated_after` of the first page (epoch seconds) and the position.
/// Opaque to users through [`CURSOR`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cursor {
    since: Option<i64>,
    position: String,
}

#[derive(Serialize, Deserialize)]
struct CursorState {
    #[serde(rename = "a")]
    api: String,
    #[serde(rename = "s")]
    since: Option<i64>,
    #[serde(rename = "p")]
    position: String,
}

/// The codec of Pipedrive list cursors.
const CURSOR: CursorCodec = CursorCodec::new(config::ID, 1);

impl Cursor {
    fn parse(s: &str, api: &str) -> Result<Cursor> {
        let state: CursorState = CURSOR.decode(s)?;
        if state.api != api || state.position.is_empty() {
            return Err(cursor::invalid(
                "this cursor belongs to another listing; pass next_cursor of this listing's previous page",
            ));
        }
        Ok(Cursor {
            since: state.since,
            position: state.position,
        })
    }

    fn render(&self, api: &str) -> String {
        CURSOR.encode(&CursorState {
            api: api.to_owned(),
            since: self.since,
            position: self.position.clone(),
        })
    }
}

/// What one call has read already: organization names and persons (by id).
#[derive(Debug, Default)]
struct Memo {
    org_names: HashMap<String, Option<String>>,
    persons: HashMap<String, Map<String, Value>>,
    /// Options (id, label) of the organization field `industry`, once read.
    industries: Option<Vec<(String, String)>>,
}

/// Most ids one `ids=` list call takes ("up to 100 entity ids").
const IDS_PER_CALL: usize = 100;

impl Pipedrive {
    /// Fills owner name and e-mail from `GET /v1/users/{id}` (the kit's cache policy: a failed
    /// lookup leaves the owner id alone, so a missing `users:read` scope never breaks reads).
    async fn resolve_owner(&self, cx: &Context, owner: &mut Option<Owner>) {
        owners::resolve(cx, owner, |id| async move {
            let u = client::get_user(cx, &id).await?;
            Ok(Some(Owner {
                id: u.id.to_string(),
                name: u.name.filter(|n| !n.is_empty()),
                email: u.email.filter(|e| !e.is_empty()),
            }))
        })
        .await;
    }

    /// Reads the records with `ids` in batches (`GET /api/v2/{object}?ids=…`, "up to 100 entity
    /// ids"); ids it cannot read are simply absent (read one by one later).
    async fn prefetch(
        &self,
        cx: &Context,
        obj: PdObject,
        ids: Vec<String>,
    ) -> HashMap<String, Map<String, Value>> {
        let mut ids: Vec<String> = ids.into_iter().filter(|i| is_numeric_id(i)).collect();
        ids.sort();
        ids.dedup();
        let mut out = HashMap::new();
        for chunk in ids.chunks(IDS_PER_CALL) {
            let joined = chunk.join(",");
            match client::list(cx, obj, config::PAGE_MAX, None, None, &[("ids", joined)]).await {
                Ok(page) => out.extend(
                    page.items
                        .into_iter()
                        .filter_map(|r| crate::mapping::id_string(r.get("id")).map(|id| (id, r))),
                ),
                Err(e) => {
                    tracing::debug!(error = %e, "Pipedrive batch read failed; reading one by one")
                }
            }
        }
        out
    }

    /// Reads the organizations (names) and persons a page of records refers to, in batches.
    async fn prefetch_page(&self, cx: &Context, records: &[Record], memo: &mut Memo) {
        let person_ids: Vec<String> = records
            .iter()
            .filter_map(|r| match r {
                Record::Lead(l) => l.contact_id.clone(),
                _ => None,
            })
            .filter(|id| !memo.persons.contains_key(id))
            .collect();
        if !person_ids.is_empty() {
            let persons = self.prefetch(cx, PdObject::Persons, person_ids).await;
            memo.persons.extend(persons);
        }
        let mut org_ids: Vec<String> = records
            .iter()
            .filter_map(|r| match r {
                Record::Contact(c) => c.account_ids.as_ref().and_then(|a| a.first()).cloned(),
                Record::Lead(l) => l.account_id.clone(),
                _ => None,
            })
            .collect();
        org_ids.extend(
            memo.persons
                .values()
                .filter_map(|p| crate::mapping::id_string(p.get("org_id"))),
        );
        org_ids.retain(|id| !memo.org_names.contains_key(id));
        if !org_ids.is_empty() {
            let orgs = self.prefetch(cx, PdObject::Organizations, org_ids).await;
            memo.org_names
                .extend(orgs.into_iter().map(|(id, o)| (id, text(&o, "name"))));
        }
    }

    /// The name of organization `id` (memoised); `None` when it cannot be read.
    async fn org_name(&self, cx: &Context, id: &str, memo: &mut Memo) -> Option<String> {
        if let Some(n) = memo.org_names.get(id) {
            return n.clone();
        }
        let name = match client::get(cx, PdObject::Organizations, id).await {
            Ok(o) => text(&o, "name"),
            Err(e) => {
                tracing::debug!(error = %e, "Pipedrive organization lookup failed");
                None
            }
        };
        memo.org_names.insert(id.to_owned(), name.clone());
        name
    }

    /// Completes a record read from Pipedrive: owner, a contact's company name, a lead's person
    /// fields and company name.
    async fn enrich(&self, cx: &Context, record: &mut Record, memo: &mut Memo) -> Result<()> {
        match record {
            Record::Contact(c) => {
                if let Some(org) = c.account_ids.as_ref().and_then(|a| a.first()).cloned() {
                    c.company_name = self.org_name(cx, &org, memo).await;
                }
            }
            Record::Lead(l) => {
                let mut company = match l.account_id.clone() {
                    Some(org) => self.org_name(cx, &org, memo).await,
                    None => None,
                };
                if let Some(pid) = l.contact_id.clone() {
                    let known = memo.persons.get(&pid).cloned();
                    let read = match known {
                        Some(p) => Ok(p),
                        None => client::get(cx, PdObject::Persons, &pid).await,
                    };
                    match read {
                        Ok(p) => {
                            let person = contact::contact_from_wire(&p)?;
                            if company.is_none() {
                                if let Some(org) =
                                    person.account_ids.as_ref().and_then(|a| a.first())
                                {
                                    company = self.org_name(cx, org, memo).await;
                                }
                            }
                            lead::apply_person(l, &person, company.clone());
                        }
                        Err(Error::NotFound { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
                if l.company_name.is_none() {
                    l.company_name = company;
                }
            }
            Record::Account(a) => {
                if let Some(id) = a.industry.clone().filter(|i| is_numeric_id(i)) {
                    let options = self.industries(cx, memo).await;
                    if let Some((_, label)) = options.iter().find(|(oid, _)| *oid == id) {
                        a.industry = Some(label.clone());
                    }
                }
            }
            _ => {}
        }
        let mut owner = record.owner().cloned();
        self.resolve_owner(cx, &mut owner).await;
        *record.owner_mut() = owner;
        Ok(())
    }

    /// The options (id, label) of the organization field `industry` (memoised; empty when the
    /// fields cannot be read).
    async fn industries(&self, cx: &Context, memo: &mut Memo) -> Vec<(String, String)> {
        if let Some(o) = &memo.industries {
            return o.clone();
        }
        let options = match client::fields(cx, PdObject::Organizations).await {
            Ok(fields) => industry_options(&fields),
            Err(e) => {
                tracing::debug!(error = %e, "Pipedrive organization fields unreadable");
                Vec::new()
            }
        };
        memo.industries = Some(options.clone());
        options
    }

    /// An industry given by label becomes its option id (an id stays as it is).
    async fn resolve_industry(&self, cx: &Context, a: &mut unicrm_core::Account) -> Result<()> {
        let Some(given) = a.industry.clone().filter(|i| !is_numeric_id(i)) else {
            return Ok(());
        };
        let options = match client::fields(cx, PdObject::Organizations).await {
            Ok(fields) => industry_options(&fields),
            Err(e) => return Err(e),
        };
        match options
            .iter()
            .find(|(_, label)| label.trim().eq_ignore_ascii_case(given.trim()))
        {
            Some((id, _)) => {
                a.industry = Some(id.clone());
                Ok(())
            }
            None => Err(Error::invalid(
                "industry",
                format!(
                    "{given:?} is not one of this account's industries ({})",
                    options
                        .iter()
                        .map(|(_, l)| l.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// The deals whose person is `person_id` (ids).
    async fn deals_of_person(&self, cx: &Context, person_id: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = client::list(
                cx,
                PdObject::Deals,
                config::PAGE_MAX,
                cursor.as_deref(),
                None,
                &[("person_id", person_id.to_owned())],
            )
            .await?;
            out.extend(
                page.items
                    .iter()
                    .filter_map(|d| crate::mapping::id_string(d.get("id"))),
            );
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(out),
            }
        }
    }

    /// Makes the deals of person `person_id` exactly `wanted` (setting / clearing `person_id`).
    async fn sync_deals(&self, cx: &Context, person_id: &str, wanted: &[String]) -> Result<()> {
        for (i, d) in wanted.iter().enumerate() {
            crate::mapping::numeric_id(&format!("deal_ids[{i}]"), d)?;
        }
        let pid = crate::mapping::numeric_id("id", person_id)?;
        let have = self.deals_of_person(cx, person_id).await?;
        for d in wanted {
            if !have.contains(d) {
                let mut body = Map::new();
                body.insert("person_id".into(), Value::from(pid));
                client::update(cx, PdObject::Deals, d, body).await?;
            }
        }
        for d in &have {
            if !wanted.contains(d) {
                let mut body = Map::new();
                body.insert("person_id".into(), Value::Null);
                client::update(cx, PdObject::Deals, d, body).await?;
            }
        }
        Ok(())
    }

    /// The organization named `name`: found by exact name, else created.
    async fn org_for_name(&self, cx: &Context, name: &str) -> Result<i64> {
        let found = client::search(cx, PdObject::Organizations, name, "name", 10).await?;
        if let Some(hit) = found.items.iter().find(|h| {
            h.item
                .name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        }) {
            return Ok(hit.item.id);
        }
        let mut body = Map::new();
        body.insert("name".into(), Value::String(name.to_owned()));
        let created = client::create(cx, PdObject::Organizations, body).await?;
        created.get("id").and_then(Value::as_i64).ok_or_else(|| {
            Error::Internal("Pipedrive created an organization without an id".into())
        })
    }

    /// The person with e-mail `email` (exact match), if any.
    async fn person_by_email(&self, cx: &Context, email: &str) -> Result<Option<i64>> {
        let found = client::search(cx, PdObject::Persons, email, "email", 10).await?;
        Ok(found
            .items
            .iter()
            .find(|h| {
                h.item.emails.is_empty()
                    || h.item.emails.iter().any(|e| e.eq_ignore_ascii_case(email))
            })
            .map(|h| h.item.id))
    }

    /// Adds `org_id` for a contact's `company_name` when no `account_ids` were given.
    async fn resolve_company(
        &self,
        cx: &Context,
        c: &Contact,
        body: &mut Map<String, Value>,
    ) -> Result<()> {
        let Some(name) = c
            .company_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        else {
            return Ok(());
        };
        match body
            .get("org_id")
            .and_then(|v| crate::mapping::id_string(Some(v)))
        {
            Some(org) => self.check_company(cx, &org, name, "company_name").await,
            None if c.account_ids.is_some() => Ok(()),
            None => {
                let org = self.org_for_name(cx, name).await?;
                body.insert("org_id".into(), Value::from(org));
                Ok(())
            }
        }
    }

    /// Refuses a company name that contradicts the organization given with it: Pipedrive keeps
    /// one organization per person / lead, and its name is the company name.
    async fn check_company(&self, cx: &Context, org: &str, name: &str, field: &str) -> Result<()> {
        let current = text(
            &client::get(cx, PdObject::Organizations, org).await?,
            "name",
        );
        match current {
            Some(n) if n.trim().eq_ignore_ascii_case(name) => Ok(()),
            other => Err(Error::invalid(
                field,
                format!(
                    "{name:?} is not the name of organization {org} ({}); in Pipedrive the company is the linked organization",
                    other.map_or_else(|| "unnamed".to_owned(), |n| format!("{n:?}"))
                ),
            )),
        }
    }

    pub(crate) async fn read(&self, cx: &Context, resource: Resource, id: &str) -> Result<Record> {
        check_id(resource, id)?;
        let obj = match object_of(resource) {
            Some(o) => client::get(cx, o, id).await?,
            None => client::get_lead(cx, id).await?,
        };
        // "Marks a person as deleted. After 30 days, the person will be permanently deleted."
        if obj.get("is_deleted").and_then(Value::as_bool) == Some(true) {
            return Err(Error::not_found(format!(
                "Pipedrive {resource} {id} is deleted"
            )));
        }
        if resource == Resource::Meeting && !is_meeting(&obj) {
            return Err(Error::not_found(format!(
                "Pipedrive activity {id} is a {:?}, not a meeting",
                text(&obj, "type").unwrap_or_default()
            )));
        }
        let mut record = record_from_wire_owned(resource, Value::Object(obj))?;
        if let Record::Contact(c) = &mut record {
            c.deal_ids = Some(self.deals_of_person(cx, id).await?);
        }
        self.enrich(cx, &mut record, &mut Memo::default()).await?;
        Ok(record)
    }

    /// The lead's person: `contact_id` if given, else found by e-mail, else created from the
    /// person fields (linked to `org_id` when known).
    async fn lead_person_id(
        &self,
        cx: &Context,
        person: &Contact,
        org_id: Option<i64>,
    ) -> Result<i64> {
        let email = person.emails.as_ref().and_then(|e| e.first()).cloned();
        if let Some(email) = &email {
            if let Some(id) = self.person_by_email(cx, email).await? {
                let mut rest = person.clone();
                rest.emails = None;
                self.update_person(cx, &id.to_string(), &rest).await?;
                return Ok(id);
            }
        }
        let mut p = person.clone();
        if p.first_name.is_none() && p.last_name.is_none() {
            // A person needs a name: use the e-mail's local part as Pipedrive's UI does.
            p.last_name = email
                .as_deref()
                .map(|e| e.split('@').next().unwrap_or(e).to_owned());
        }
        let mut body = contact::contact_to_wire(&p, true, None).map_err(prefix_lead)?;
        if let Some(org) = org_id {
            body.entry("org_id").or_insert(Value::from(org));
        }
        let created = client::create(cx, PdObject::Persons, body).await?;
        created
            .get("id")
            .and_then(Value::as_i64)
            .ok_or_else(|| Error::Internal("Pipedrive created a person without an id".into()))
    }

    /// Writes a lead's person fields onto its person `pid` (keeping the other half of the name).
    async fn update_person(&self, cx: &Context, pid: &str, person: &Contact) -> Result<()> {
        let names = if person.first_name.is_some() != person.last_name.is_some() {
            Some(contact::names_from_wire(
                &client::get(cx, PdObject::Persons, pid).await?,
            ))
        } else {
            None
        };
        let body = contact::contact_to_wire(person, false, names).map_err(prefix_lead)?;
        if !body.is_empty() {
            client::update(cx, PdObject::Persons, pid, body).await?;
        }
        Ok(())
    }

    async fn create_lead(&self, cx: &Context, l: &unicrm_core::Lead) -> Result<Record> {
        let mut body = lead::lead_to_wire(l, true)?;
        if let (Some(org), Some(name)) = (&l.account_id, lead::lead_company(l)) {
            self.check_company(cx, org, &name, "company_name").await?;
        }
        if let (Some(pid), Some(person)) = (&l.contact_id, lead::lead_person(l)) {
            // The lead's person fields are its person's: they update the linked person.
            self.update_person(cx, pid, &person).await?;
        }
        if !body.contains_key("organization_id") {
            if let Some(name) = lead::lead_company(l) {
                let org = self.org_for_name(cx, &name).await?;
                body.insert("organization_id".into(), Value::from(org));
            }
        }
        if !body.contains_key("person_id") {
            if let Some(person) = lead::lead_person(l) {
                let org = body.get("organization_id").and_then(Value::as_i64);
                let pid = self.lead_person_id(cx, &person, org).await?;
                body.insert("person_id".into(), Value::from(pid));
            }
        }
        if !lead::has_link(&body) {
            return Err(Error::invalid(
                "contact_id",
                "a Pipedrive lead must be linked to a person or an organization: give contact_id, account_id, person fields or a company_name",
            ));
        }
        let created = client::create_lead(cx, body).await?;
        let id = text(&created, "id")
            .ok_or_else(|| Error::Internal("Pipedrive created a lead without an id".into()))?;
        self.read(cx, Resource::Lead, &id).await
    }

    async fn update_lead(&self, cx: &Context, id: &str, l: &unicrm_core::Lead) -> Result<Record> {
        check_id(Resource::Lead, id)?;
        let mut body = lead::lead_to_wire(l, false)?;
        let current = client::get_lead(cx, id).await?;
        if let Some(name) = lead::lead_company(l) {
            match &l.account_id {
                Some(org) => self.check_company(cx, org, &name, "company_name").await?,
                None => {
                    let org = self.org_for_name(cx, &name).await?;
                    body.insert("organization_id".into(), Value::from(org));
                }
            }
        }
        if let Some(person) = lead::lead_person(l) {
            let person_id = l
                .contact_id
                .clone()
                .or_else(|| crate::mapping::id_string(current.get("person_id")));
            match person_id {
                Some(pid) => self.update_person(cx, &pid, &person).await?,
                None => {
                    let org = body
                        .get("organization_id")
                        .and_then(Value::as_i64)
                        .or_else(|| current.get("organization_id").and_then(Value::as_i64));
                    let pid = self.lead_person_id(cx, &person, org).await?;
                    body.insert("person_id".into(), Value::from(pid));
                }
            }
        }
        if !body.is_empty() {
            client::update_lead(cx, id, body).await?;
        }
        self.read(cx, Resource::Lead, id).await
    }

    async fn list_v2(
        &self,
        cx: &Context,
        resource: Resource,
        obj: PdObject,
        q: &ListQuery,
    ) -> Result<Page<Record>> {
        let cursor = q
            .cursor
            .as_deref()
            .map(|c| Cursor::parse(c, "v2"))
            .transpose()?;
        let since = match &cursor {
            Some(c) => c.since,
            None => q.updated_after.map(|t| t.timestamp()),
        };
        let since_text = since
            .and_then(|s| Utc.timestamp_opt(s, 0).single())
            .map(|t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        let limit = INFO.page_size(q.page_size);
        let mut position = cursor.map(|c| c.position);
        let mut objects = Vec::new();
        for _ in 0..config::MEETING_SCAN_PAGES {
            let page = client::list(
                cx,
                obj,
                limit,
                position.as_deref(),
                since_text.as_deref(),
                &[],
            )
            .await?;
            position = page.next_cursor;
            if resource == Resource::Meeting {
                objects.extend(page.items.into_iter().filter(is_meeting));
                if !objects.is_empty() || position.is_none() {
                    break;
                }
            } else {
                objects = page.items;
                break;
            }
        }
        let mut items = objects
            .into_iter()
            .map(|o| record_from_wire_owned(resource, Value::Object(o)))
            .collect::<Result<Vec<_>>>()?;
        let mut memo = Memo::default();
        self.prefetch_page(cx, &items, &mut memo).await;
        for record in &mut items {
            self.enrich(cx, record, &mut memo).await?;
        }
        Ok(Page {
            items,
            next_cursor: position.map(|p| Cursor { since, position: p }.render("v2")),
        })
    }

    async fn list_leads(&self, cx: &Context, q: &ListQuery) -> Result<Page<Record>> {
        let cursor = q
            .cursor
            .as_deref()
            .map(|c| Cursor::parse(c, "v1"))
            .transpose()?;
        let since = match &cursor {
            Some(c) => c.since,
            None => q.updated_after.map(|t| t.timestamp_millis()),
        };
        let start = match &cursor {
            Some(c) => c
                .position
                .parse::<u64>()
                .map_err(|_| Error::invalid("cursor", "not a cursor this connector issued"))?,
            None => 0,
        };
        let limit = INFO.page_size(q.page_size);
        let page = client::list_leads(cx, start, limit, None).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for o in page.items {
            let record = record_from_wire_owned(Resource::Lead, Value::Object(o))?;
            // v1 leads have no `updated_since`: filter on `update_time` here.
            let older = since.is_some_and(|ms| {
                record
                    .updated_at()
                    .is_some_and(|u| u.timestamp_millis() < ms)
            });
            if !older {
                items.push(record);
            }
        }
        let mut memo = Memo::default();
        self.prefetch_page(cx, &items, &mut memo).await;
        for record in &mut items {
            self.enrich(cx, record, &mut memo).await?;
        }
        Ok(Page {
            items,
            next_cursor: page.next_start.map(|s| {
                Cursor {
                    since,
                    position: s.to_string(),
                }
                .render("v1")
            }),
        })
    }

    /// Creates a record (its industry label, company and deals resolved first), then reads it.
    pub(crate) async fn create_record(&self, cx: &Context, mut record: Record) -> Result<Record> {
        let resource = record.resource();
        if let Record::Account(a) = &mut record {
            self.resolve_industry(cx, a).await?;
        }
        let mut body = record_to_wire(&record, true)?;
        let obj = match (&record, object_of(resource)) {
            (Record::Lead(l), _) => return self.create_lead(cx, l).await,
            (_, Some(obj)) => obj,
            (_, None) => return Err(Error::Internal("no Pipedrive object for a resource".into())),
        };
        if let Record::Contact(c) = &record {
            self.resolve_company(cx, c, &mut body).await?;
        }
        let created = client::create(cx, obj, body).await?;
        let id = crate::mapping::id_string(created.get("id"))
            .ok_or_else(|| Error::Internal("Pipedrive created a record without an id".into()))?;
        if let Record::Contact(Contact {
            deal_ids: Some(deals),
            ..
        }) = &record
        {
            self.sync_deals(cx, &id, deals).await?;
        }
        self.read(cx, resource, &id).await
    }

    /// Updates a record (a contact's one name completed, a meeting's start kept), then reads it.
    pub(crate) async fn update_record(
        &self,
        cx: &Context,
        id: &str,
        mut patch: Record,
    ) -> Result<Record> {
        let resource = patch.resource();
        if let Record::Account(a) = &mut patch {
            self.resolve_industry(cx, a).await?;
        }
        record_to_wire(&patch, false)?;
        check_id(resource, id)?;
        let obj = match (&patch, object_of(resource)) {
            (Record::Lead(l), _) => return self.update_lead(cx, id, l).await,
            (_, Some(obj)) => obj,
            (_, None) => return Err(Error::Internal("no Pipedrive object for a resource".into())),
        };
        let body = match &patch {
            Record::Contact(c) => {
                let one_name = c.first_name.is_some() != c.last_name.is_some();
                let current = if one_name {
                    Some(contact::names_from_wire(&client::get(cx, obj, id).await?))
                } else {
                    None
                };
                let mut body = contact::contact_to_wire(c, false, current)?;
                self.resolve_company(cx, c, &mut body).await?;
                body
            }
            Record::Meeting(m) => {
                let current = client::get(cx, obj, id).await?;
                if !is_meeting(&current) {
                    return Err(not_found(resource, id));
                }
                let start = meeting::meeting_from_wire(&current)?.start_time;
                meeting::meeting_to_wire(m, false, start)?
            }
            other => record_to_wire(other, false)?,
        };
        if body.is_empty() {
            client::get(cx, obj, id).await?;
        } else {
            client::update(cx, obj, id, body).await?;
        }
        if let Record::Contact(Contact {
            deal_ids: Some(deals),
            ..
        }) = &patch
        {
            self.sync_deals(cx, id, deals).await?;
        }
        self.read(cx, resource, id).await
    }

    /// Deletes a record; an activity must be a meeting (Pipedrive activities of other types are
    /// not unified meetings).
    pub(crate) async fn delete_record(
        &self,
        cx: &Context,
        resource: Resource,
        id: &str,
    ) -> Result<()> {
        check_id(resource, id)?;
        match object_of(resource) {
            Some(PdObject::Activities) => {
                let current = client::get(cx, PdObject::Activities, id).await?;
                if !is_meeting(&current) {
                    return Err(not_found(resource, id));
                }
                client::delete(cx, PdObject::Activities, id).await
            }
            Some(obj) => client::delete(cx, obj, id).await,
            None => client::delete_lead(cx, id).await,
        }
    }

    /// One page of records: API v2 collections, or API v1 leads.
    pub(crate) async fn list_records(
        &self,
        cx: &Context,
        resource: Resource,
        q: &ListQuery,
    ) -> Result<Page<Record>> {
        match object_of(resource) {
            Some(obj) => self.list_v2(cx, resource, obj, q).await,
            None => self.list_leads(cx, q).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let c = Cursor {
            since: Some(1_700_000_000),
            position: "eyJmaWVsZCI6ImlkIn0".into(),
        };
        assert_eq!(Cursor::parse(&c.render("v2"), "v2").unwrap(), c);
        let c = Cursor {
            since: None,
            position: "100".into(),
        };
        assert_eq!(Cursor::parse(&c.render("v1"), "v1").unwrap(), c);
        assert!(Cursor::parse("v1:-:100", "v2").is_err());
        assert!(Cursor::parse("garbage", "v2").is_err());
        let v1 = Cursor {
            since: None,
            position: "100".into(),
        }
        .render("v1");
        assert!(Cursor::parse(&v1, "v2").is_err());
        let other = CursorCodec::new("hubspot", 1).encode(&"v2");
        assert!(matches!(
            Cursor::parse(&other, "v2"),
            Err(Error::InvalidInput { field, .. }) if field == "cursor"
        ));
    }
}
