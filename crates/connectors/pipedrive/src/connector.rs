//! `impl Connector for Pipedrive`: thin dispatch between the client (HTTP) and the mapping (pure),
//! plus the steps Pipedrive's shapes need around a write: a company name becomes an
//! organization, a lead's person fields become (or update) its person, a contact's `deal_ids`
//! become the deals' `person_id`.

use std::borrow::Cow;
use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value};
use unicrm_core::raw::oauth::{ClientAuth, OAuthEndpoints, TokenUrl};
use unicrm_core::{
    AuthKind, Capability, Connector, ConnectorInfo, Contact, Context, Credentials,
    CustomFieldDefinition, CustomFieldOption, Error, ListQuery, Operation, Owner, Page, Record,
    Resource, Result,
};

use crate::client::{self, PdObject};
use crate::config::{self, ID};
use crate::mapping::{
    account, contact, deal, is_numeric_id, is_uuid, lead, meeting, record_object, text,
};
use crate::wire::Field;

const ALL_OPS: &[Operation] = &[
    Operation::Create,
    Operation::Get,
    Operation::List,
    Operation::Update,
    Operation::Delete,
];

const CAPABILITIES: &[Capability] = &[
    Capability {
        resource: Resource::Contact,
        operations: ALL_OPS,
        fields: &[
            "first_name",
            "last_name",
            "emails",
            "phone_numbers",
            "job_title",
            "address",
            "owner",
            "account_ids",
            "deal_ids",
            "custom_fields",
        ],
    },
    Capability {
        resource: Resource::Lead,
        operations: ALL_OPS,
        fields: &[
            "first_name",
            "last_name",
            "emails",
            "phone_numbers",
            "job_title",
            "address",
            "status",
            "owner",
            "account_id",
            "custom_fields",
        ],
    },
    Capability {
        resource: Resource::Deal,
        operations: ALL_OPS,
        fields: &[
            "name",
            "amount",
            "currency",
            "stage",
            "close_date",
            "probability",
            "owner",
            "account_id",
            "contact_ids",
            "custom_fields",
        ],
    },
    Capability {
        resource: Resource::Meeting,
        operations: ALL_OPS,
        fields: &[
            "title",
            "description",
            "start_time",
            "end_time",
            "location",
            "outcome",
            "owner",
            "contact_ids",
            "account_id",
            "deal_id",
            "custom_fields",
        ],
    },
    Capability {
        resource: Resource::Account,
        operations: ALL_OPS,
        fields: &[
            "name",
            "website",
            "industry",
            "annual_revenue",
            "address",
            "owner",
            "custom_fields",
        ],
    },
];

pub(crate) static INFO: ConnectorInfo = ConnectorInfo::new(
    ID,
    config::DISPLAY_NAME,
    CAPABILITIES,
    &[AuthKind::ApiKey, AuthKind::OAuth2],
    config::DEFAULT_BASE_URL,
)
// `api.pipedrive.com`, company domains `{company}.pipedrive.com`, `oauth.pipedrive.com`.
.with_api_domains(&["pipedrive.com"])
// Pipedrive's `oauth2` security scheme: authorize `https://oauth.pipedrive.com/oauth/authorize`,
// token and refresh `https://oauth.pipedrive.com/oauth/token` with the client as
// `Authorization: Basic base64(client_id:client_secret)` (API v2 spec; provider notes §3.1). The
// `token_url` setting may name another token URL on a Pipedrive host. No default scopes: a
// Pipedrive app's scopes are chosen in its Marketplace registration, not in the authorization
// request.
.with_oauth(OAuthEndpoints::new(
    "https://oauth.pipedrive.com/oauth/authorize",
    TokenUrl::Absolute {
        url: config::OAUTH_TOKEN_URL,
        setting: Some("token_url"),
    },
    ClientAuth::Basic,
));

/// The Pipedrive connector: API v2 persons, organizations, deals and activities, API v1 leads.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct Pipedrive;

/// The API v2 collection of a resource (`None` for leads, which are API v1).
pub fn object_of(resource: Resource) -> Option<PdObject> {
    match resource {
        Resource::Contact => Some(PdObject::Persons),
        Resource::Deal => Some(PdObject::Deals),
        Resource::Meeting => Some(PdObject::Activities),
        Resource::Account => Some(PdObject::Organizations),
        Resource::Lead => None,
    }
}

/// Pure: a provider payload of `resource` (a record, or a `{success, data}` answer) → unified.
pub fn record_from_wire(resource: Resource, payload: &Value) -> Result<Record> {
    let obj = record_object(payload)?;
    let mut record = map_record(resource, obj)?;
    *record.raw_mut() = Some(Value::Object(obj.clone()));
    Ok(record)
}

/// Pure: [`record_from_wire`] of a payload given by value: the record moves into `raw`, uncopied.
pub fn record_from_wire_owned(resource: Resource, payload: Value) -> Result<Record> {
    let obj = crate::mapping::into_record_object(payload)?;
    let mut record = map_record(resource, &obj)?;
    *record.raw_mut() = Some(Value::Object(obj));
    Ok(record)
}

fn map_record(resource: Resource, obj: &Map<String, Value>) -> Result<Record> {
    Ok(match resource {
        Resource::Contact => contact::contact_from_wire(obj)?.into(),
        Resource::Lead => lead::lead_from_wire(obj)?.into(),
        Resource::Deal => deal::deal_from_wire(obj)?.into(),
        Resource::Meeting => meeting::meeting_from_wire(obj)?.into(),
        Resource::Account => account::account_from_wire(obj)?.into(),
    })
}

/// Pure: a unified record → the body a create (`create`) or update sends.
pub fn record_to_wire(record: &Record, create: bool) -> Result<Map<String, Value>> {
    match record {
        Record::Contact(c) => contact::contact_to_wire(c, create, None),
        Record::Lead(l) => lead::lead_to_wire(l, create),
        Record::Deal(d) => deal::deal_to_wire(d, create),
        Record::Meeting(m) => meeting::meeting_to_wire(m, create, None),
        Record::Account(a) => account::account_to_wire(a, create),
    }
}

/// The list cursor: `{api}:{since}:{position}` — `v2` with Pipedrive's `next_cursor`, `v1` with
/// the leads' `start`; `since` is the `updated_after` of the first page (epoch seconds) or `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cursor {
    since: Option<i64>,
    position: String,
}

impl Cursor {
    fn parse(s: &str, api: &str) -> Result<Cursor> {
        let bad = || {
            Error::invalid(
                "cursor",
                format!("{s:?} is not a cursor this connector issued"),
            )
        };
        let mut parts = s.splitn(3, ':');
        let (Some(a), Some(since), Some(position)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        if a != api || position.is_empty() {
            return Err(bad());
        }
        let since = match since {
            "-" => None,
            n => Some(n.parse::<i64>().map_err(|_| bad())?),
        };
        Ok(Cursor {
            since,
            position: position.to_owned(),
        })
    }

    fn render(&self, api: &str) -> String {
        let since = self.since.map_or_else(|| "-".to_owned(), |s| s.to_string());
        format!("{api}:{since}:{}", self.position)
    }
}

fn not_found(resource: Resource, id: &str) -> Error {
    Error::not_found(format!("no Pipedrive {resource} with id {id:?}"))
}

/// Checks that `id` can name a record of `resource` (numeric v2 ids, UUID lead ids).
fn check_id(resource: Resource, id: &str) -> Result<()> {
    let ok = match resource {
        Resource::Lead => is_uuid(id),
        _ => is_numeric_id(id),
    };
    if ok {
        Ok(())
    } else {
        Err(not_found(resource, id))
    }
}

fn is_meeting(obj: &Map<String, Value>) -> bool {
    text(obj, "type").as_deref() == Some(config::MEETING_TYPE)
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
    /// Checks the base URL and uses the account's company domain when known. An expired OAuth
    /// token is the caller's to refresh before the call (`Connector::refresh_credentials`): a
    /// refresh inside the call would lose the rotated refresh token.
    fn prepare<'a>(&self, cx: &'a Context) -> Result<Cow<'a, Context>> {
        let mut cx = Cow::Borrowed(cx);
        if !cx.sandbox {
            if let Some(domain) = cx.credentials.instance_url.clone() {
                let mut owned = cx.into_owned();
                owned.base_url = domain.trim_end_matches('/').to_owned();
                cx = Cow::Owned(owned);
            }
        }
        config::check_base_url(&cx.base_url, cx.sandbox)?;
        Ok(cx)
    }

    /// Fills owner name and e-mail from `GET /v1/users/{id}`, cached per account. A failed
    /// lookup leaves the owner id alone (a missing `users:read` scope must not break reads).
    async fn resolve_owner(&self, cx: &Context, owner: &mut Option<Owner>) {
        let Some(o) = owner.as_mut() else { return };
        if o.id.is_empty() {
            return;
        }
        if let Some(cached) = cx.owners.get(&o.id) {
            *o = cached;
            return;
        }
        match client::get_user(cx, &o.id).await {
            Ok(u) => {
                let resolved = Owner {
                    id: u.id.to_string(),
                    name: u.name.filter(|n| !n.is_empty()),
                    email: u.email.filter(|e| !e.is_empty()),
                };
                cx.owners.insert(resolved.clone());
                *o = resolved;
            }
            Err(e) => tracing::debug!(error = %e, "Pipedrive user lookup failed; keeping the id"),
        }
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

    async fn read(&self, cx: &Context, resource: Resource, id: &str) -> Result<Record> {
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
        let limit = q
            .page_size
            .unwrap_or(config::DEFAULT_PAGE_SIZE)
            .clamp(1, config::PAGE_MAX);
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
        let limit = q
            .page_size
            .unwrap_or(config::DEFAULT_PAGE_SIZE)
            .clamp(1, config::PAGE_MAX);
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
}

impl Pipedrive {
    async fn create_record(&self, cx: &Context, mut record: Record) -> Result<Record> {
        let resource = record.resource();
        INFO.check(resource, Operation::Create)?;
        // Validate the whole body before any call (an industry label needs the field's options).
        let industry_label = matches!(&record, Record::Account(a) if a.industry.as_deref().is_some_and(|i| !is_numeric_id(i)));
        if !industry_label {
            record_to_wire(&record, true)?;
        }
        let cx = self.prepare(cx)?;
        if let Record::Account(a) = &mut record {
            self.resolve_industry(&cx, a).await?;
        }
        let mut body = record_to_wire(&record, true)?;
        let obj = match (&record, object_of(resource)) {
            (Record::Lead(l), _) => return self.create_lead(&cx, l).await,
            (_, Some(obj)) => obj,
            (_, None) => return Err(Error::Internal("no Pipedrive object for a resource".into())),
        };
        if let Record::Contact(c) = &record {
            self.resolve_company(&cx, c, &mut body).await?;
        }
        let created = client::create(&cx, obj, body).await?;
        let id = crate::mapping::id_string(created.get("id"))
            .ok_or_else(|| Error::Internal("Pipedrive created a record without an id".into()))?;
        if let Record::Contact(Contact {
            deal_ids: Some(deals),
            ..
        }) = &record
        {
            self.sync_deals(&cx, &id, deals).await?;
        }
        self.read(&cx, resource, &id).await
    }

    async fn update_record(&self, cx: &Context, id: &str, mut patch: Record) -> Result<Record> {
        let resource = patch.resource();
        INFO.check(resource, Operation::Update)?;
        let industry_label = matches!(&patch, Record::Account(a) if a.industry.as_deref().is_some_and(|i| !is_numeric_id(i)));
        if !industry_label {
            record_to_wire(&patch, false)?;
        }
        let cx = self.prepare(cx)?;
        if let Record::Account(a) = &mut patch {
            self.resolve_industry(&cx, a).await?;
        }
        record_to_wire(&patch, false)?;
        check_id(resource, id)?;
        let obj = match (&patch, object_of(resource)) {
            (Record::Lead(l), _) => return self.update_lead(&cx, id, l).await,
            (_, Some(obj)) => obj,
            (_, None) => return Err(Error::Internal("no Pipedrive object for a resource".into())),
        };
        let body = match &patch {
            Record::Contact(c) => {
                let one_name = c.first_name.is_some() != c.last_name.is_some();
                let current = if one_name {
                    Some(contact::names_from_wire(&client::get(&cx, obj, id).await?))
                } else {
                    None
                };
                let mut body = contact::contact_to_wire(c, false, current)?;
                self.resolve_company(&cx, c, &mut body).await?;
                body
            }
            Record::Meeting(m) => {
                let current = client::get(&cx, obj, id).await?;
                if !is_meeting(&current) {
                    return Err(not_found(resource, id));
                }
                let start = meeting::meeting_from_wire(&current)?.start_time;
                meeting::meeting_to_wire(m, false, start)?
            }
            other => record_to_wire(other, false)?,
        };
        if body.is_empty() {
            client::get(&cx, obj, id).await?;
        } else {
            client::update(&cx, obj, id, body).await?;
        }
        if let Record::Contact(Contact {
            deal_ids: Some(deals),
            ..
        }) = &patch
        {
            self.sync_deals(&cx, id, deals).await?;
        }
        self.read(&cx, resource, id).await
    }
}

/// The unified field a Pipedrive request field is written from (for a provider 400's `field`).
pub fn unified_field(resource: Resource, provider_field: &str) -> Option<&'static str> {
    let person = |f: &str| match f {
        "name" => Some("last_name"),
        "emails" => Some("emails"),
        "phones" => Some("phone_numbers"),
        "job_title" => Some("job_title"),
        "postal_address" => Some("address"),
        "owner_id" => Some("owner"),
        _ => None,
    };
    match resource {
        Resource::Contact => match provider_field {
            "org_id" => Some("account_ids"),
            "label_ids" => Some("tags"),
            f => person(f),
        },
        Resource::Account => match provider_field {
            "name" => Some("name"),
            "address" => Some("address"),
            "website" => Some("website"),
            "industry" => Some("industry"),
            "annual_revenue" => Some("annual_revenue"),
            "owner_id" => Some("owner"),
            _ => None,
        },
        Resource::Deal => match provider_field {
            "title" => Some("name"),
            "value" => Some("amount"),
            "currency" => Some("currency"),
            "stage_id" | "status" => Some("stage"),
            "pipeline_id" => Some("pipeline"),
            "expected_close_date" => Some("close_date"),
            "probability" => Some("probability"),
            "org_id" => Some("account_id"),
            "person_id" => Some("contact_ids"),
            "owner_id" => Some("owner"),
            _ => None,
        },
        Resource::Meeting => match provider_field {
            "subject" => Some("title"),
            "note" => Some("description"),
            "due_date" | "due_time" => Some("start_time"),
            "duration" => Some("end_time"),
            "location" => Some("location"),
            "participants" | "participants.person_id" | "person_id" => Some("contact_ids"),
            "org_id" => Some("account_id"),
            "deal_id" => Some("deal_id"),
            "done" => Some("outcome"),
            "owner_id" => Some("owner"),
            _ => None,
        },
        Resource::Lead => match provider_field {
            "person_id" => Some("contact_id"),
            "organization_id" => Some("account_id"),
            "label_ids" => Some("tags"),
            "is_archived" | "was_seen" => Some("status"),
            f => person(f),
        },
    }
}

/// A provider 400 names the Pipedrive field; the unified error names the unified field (the
/// provider's field list stays in the provider details).
fn unify_error(resource: Resource, e: Error) -> Error {
    match e {
        Error::InvalidInput {
            field,
            reason,
            provider: Some(p),
        } => Error::InvalidInput {
            field: unified_field(resource, &field)
                .map(str::to_owned)
                .unwrap_or(field),
            reason,
            provider: Some(p),
        },
        other => other,
    }
}

fn prefix_lead(e: Error) -> Error {
    match e {
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
    }
}

#[async_trait]
impl Connector for Pipedrive {
    fn info(&self) -> &'static ConnectorInfo {
        &INFO
    }

    async fn create(&self, cx: &Context, record: Record) -> Result<Record> {
        let resource = record.resource();
        self.create_record(cx, record)
            .await
            .map_err(|e| unify_error(resource, e))
    }

    async fn get(&self, cx: &Context, resource: Resource, id: &str) -> Result<Record> {
        INFO.check(resource, Operation::Get)?;
        let cx = self.prepare(cx)?;
        self.read(&cx, resource, id).await
    }

    async fn list(&self, cx: &Context, resource: Resource, q: &ListQuery) -> Result<Page<Record>> {
        INFO.check(resource, Operation::List)?;
        let cx = self.prepare(cx)?;
        match object_of(resource) {
            Some(obj) => self.list_v2(&cx, resource, obj, q).await,
            None => self.list_leads(&cx, q).await,
        }
    }

    async fn update(&self, cx: &Context, id: &str, patch: Record) -> Result<Record> {
        let resource = patch.resource();
        self.update_record(cx, id, patch)
            .await
            .map_err(|e| unify_error(resource, e))
    }

    async fn delete(&self, cx: &Context, resource: Resource, id: &str) -> Result<()> {
        INFO.check(resource, Operation::Delete)?;
        let cx = self.prepare(cx)?;
        check_id(resource, id)?;
        match object_of(resource) {
            Some(PdObject::Activities) => {
                let current = client::get(&cx, PdObject::Activities, id).await?;
                if !is_meeting(&current) {
                    return Err(not_found(resource, id));
                }
                client::delete(&cx, PdObject::Activities, id).await
            }
            Some(obj) => client::delete(&cx, obj, id).await,
            None => client::delete_lead(&cx, id).await,
        }
    }

    async fn custom_field_definitions(
        &self,
        cx: &Context,
        resource: Resource,
    ) -> Result<Vec<CustomFieldDefinition>> {
        let cx = self.prepare(cx)?;
        // "a lead can contain most of the fields a deal can": lead custom fields are deal fields.
        let obj = object_of(resource).unwrap_or(PdObject::Deals);
        let fields = client::fields(&cx, obj).await?;
        Ok(definitions_from_wire(&fields))
    }

    /// A token answer's `api_domain` (the company domain, `https://{company}.pipedrive.com`)
    /// becomes the account's `instance_url`, checked like any Pipedrive host.
    fn oauth_token_extras(
        &self,
        cx: &Context,
        extras: &serde_json::Map<String, Value>,
        fresh: &mut Credentials,
    ) -> Result<()> {
        if let Some(domain) = extras
            .get("api_domain")
            .and_then(Value::as_str)
            .filter(|d| !d.is_empty())
        {
            config::check_base_url(domain, cx.sandbox)?;
            fresh.instance_url = Some(domain.trim_end_matches('/').to_owned());
        }
        Ok(())
    }

    fn to_provider(&self, record: &Record) -> Result<Value> {
        record_to_wire(record, true).map(Value::Object)
    }

    fn from_provider(&self, resource: Resource, payload: &Value) -> Result<Record> {
        record_from_wire(resource, payload)
    }

    fn from_provider_owned(&self, resource: Resource, payload: Value) -> Result<Record> {
        record_from_wire_owned(resource, payload)
    }
}

/// The options (id, label) of the organization field `industry`.
pub fn industry_options(fields: &[Field]) -> Vec<(String, String)> {
    fields
        .iter()
        .find(|f| f.field_code == "industry")
        .and_then(|f| f.options.as_ref())
        .map(|opts| {
            opts.iter()
                .map(|o| {
                    let id = match &o.id {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (id, o.label.clone())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Account-defined fields (`is_custom_field`) → definitions.
pub fn definitions_from_wire(fields: &[Field]) -> Vec<CustomFieldDefinition> {
    fields
        .iter()
        .filter(|f| f.is_custom_field)
        .map(|f| CustomFieldDefinition {
            id: f.field_code.clone(),
            remote_id: f.field_code.clone(),
            name: f.field_name.clone(),
            description: None,
            kind: match f.field_type.as_str() {
                "varchar" | "varchar_auto" | "text" | "phone" => "text",
                "double" | "monetary" | "int" => "number",
                "date" => "date",
                "boolean" => "boolean",
                "enum" | "status" => "single_select",
                "set" => "multi_select",
                _ => "other",
            }
            .to_owned(),
            options: f
                .options
                .iter()
                .flatten()
                .map(|o| CustomFieldOption {
                    id: match &o.id {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    },
                    value: o.label.clone(),
                })
                .collect(),
        })
        .collect()
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
    }
}
