//! `impl Connector for Close`: thin dispatch between the client (HTTP) and the mapping.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use unicrm_core::raw::cursor::CursorCodec;
use unicrm_core::raw::oauth::{ClientAuth, OAuthEndpoints, TokenUrl};
use unicrm_core::raw::owners;
use unicrm_core::{
    AuthKind, Capability, Connector, ConnectorInfo, Contact, Context, CustomFieldDefinition,
    EnumValue, Error, Lead, ListQuery, Operation, Owner, Page, Record, Resource, Result,
};

use crate::client::Client;
use crate::config::{DEFAULT_BASE_URL, DEFAULT_PAGE_SIZE, ID, MAX_PAGE_SIZE};
use crate::mapping::{self, account, contact, deal, lead, meeting, Write};
use crate::wire::{Endpoint, Object};

/// The Close connector.
#[derive(Debug, Clone, Copy, Default)]
pub struct Close;

const ALL: &[Operation] = &Operation::ALL;

/// Close meetings are synced from calendars: list, get, update and delete, but no create.
const MEETING_OPERATIONS: &[Operation] = &[
    Operation::Get,
    Operation::List,
    Operation::Update,
    Operation::Delete,
];

const CAPABILITIES: &[Capability] = &[
    Capability {
        resource: Resource::Contact,
        operations: ALL,
        fields: &[
            "first_name",
            "last_name",
            "emails",
            "phone_numbers",
            "job_title",
            "address",
            "account_ids",
            "deal_ids",
            "custom_fields",
        ],
    },
    Capability {
        resource: Resource::Lead,
        operations: ALL,
        fields: &[
            "first_name",
            "last_name",
            "emails",
            "phone_numbers",
            "company_name",
            "job_title",
            "address",
            "status",
            "custom_fields",
        ],
    },
    Capability {
        resource: Resource::Deal,
        operations: ALL,
        fields: &[
            "name",
            "amount",
            "stage",
            "close_date",
            "probability",
            "account_id",
            "contact_ids",
            "owner",
            "custom_fields",
        ],
    },
    Capability {
        resource: Resource::Meeting,
        operations: MEETING_OPERATIONS,
        fields: &["title", "description", "start_time", "end_time", "location"],
    },
    Capability {
        resource: Resource::Account,
        operations: ALL,
        fields: &["name", "website", "description", "address", "custom_fields"],
    },
];

/// What the connector declares.
pub static INFO: ConnectorInfo = ConnectorInfo::new(
    ID,
    "Close",
    CAPABILITIES,
    &[AuthKind::ApiKey, AuthKind::OAuth2],
    DEFAULT_BASE_URL,
)
// `api.close.com`; Close's older `*.close.io` hosts still answer.
.with_api_domains(&["close.com", "close.io"])
.with_page_limits(DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
// Close's OAuth: authorize `https://app.close.com/oauth2/authorize/`, token
// `https://api.close.com/oauth2/token/` (form body with `client_id` and `client_secret`) — Close's
// "Authentication with OAuth" guide. No default scopes: every Close OAuth app is granted
// `all.full_access offline_access` ("Creating an OAuth App"), the authorization request names none.
.with_oauth(OAuthEndpoints::new(
    "https://app.close.com/oauth2/authorize/",
    TokenUrl::OnBaseHost("/oauth2/token/"),
    ClientAuth::Body,
));

/// The Close endpoint of a unified resource (account and lead are both Close leads).
pub fn endpoint_of(resource: Resource) -> Endpoint {
    match resource {
        Resource::Contact => Endpoint::Contact,
        Resource::Lead | Resource::Account => Endpoint::Lead,
        Resource::Deal => Endpoint::Opportunity,
        Resource::Meeting => Endpoint::Meeting,
    }
}

/// Pure: a unified record as the body `to_provider` shows (a create; meetings: an update).
pub fn record_to_wire(record: &Record) -> Result<Value> {
    Ok(match record {
        Record::Contact(c) => contact::contact_to_wire(c, Write::Create)?.to_json(),
        Record::Lead(l) => Value::Object(lead::lead_to_wire(l, Write::Create)?.create_body()),
        Record::Deal(d) => Value::Object(deal::deal_to_wire(d, Write::Create)?),
        Record::Meeting(m) => Value::Object(meeting::meeting_to_wire(m, Write::Update)?),
        Record::Account(a) => Value::Object(account::account_to_wire(a, Write::Create)?),
    })
}

/// Pure: a Close record as a unified record of `resource` (keeping a copy of it as `raw`).
pub fn record_from_wire(resource: Resource, obj: &Object) -> Result<Record> {
    let mut record = map_record(resource, obj)?;
    *record.raw_mut() = Some(Value::Object(obj.clone()));
    Ok(record)
}

/// Pure: [`record_from_wire`] of a record given by value: it moves into `raw`, uncopied.
pub fn record_from_wire_owned(resource: Resource, obj: Object) -> Result<Record> {
    let mut record = map_record(resource, &obj)?;
    *record.raw_mut() = Some(Value::Object(obj));
    Ok(record)
}

fn map_record(resource: Resource, obj: &Object) -> Result<Record> {
    Ok(match resource {
        Resource::Contact => Record::Contact(contact::contact_from_wire(obj)?),
        Resource::Lead => Record::Lead(lead::lead_from_wire(obj)?),
        Resource::Deal => Record::Deal(deal::deal_from_wire(obj)?),
        Resource::Meeting => Record::Meeting(meeting::meeting_from_wire(obj)?),
        Resource::Account => Record::Account(account::account_from_wire(obj)?),
    })
}

/// An id a user gave: Close ids are `{prefix}` + letters and digits; anything else cannot exist
/// (and is never put into a URL).
fn checked_id(resource: Resource, id: &str) -> Result<String> {
    let prefix = endpoint_of(resource).id_prefix();
    let id = id.trim();
    let ok = id.len() > prefix.len()
        && id.starts_with(prefix)
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(id.to_owned())
    } else {
        Err(Error::not_found(format!(
            "no Close {} has the id {id:?} (Close ids of this kind start with {prefix})",
            endpoint_of(resource).path().trim_matches('/')
        )))
    }
}

/// The codec of Close list cursors: the state is the `_skip` of the next page.
const CURSOR: CursorCodec = CursorCodec::new(ID, 1);

/// The opaque list cursor of the `_skip` of the next page.
fn encode_cursor(skip: u64) -> String {
    CURSOR.encode(&skip)
}

fn decode_cursor(cursor: &str) -> Result<u64> {
    CURSOR.decode(cursor)
}

/// Close timestamps as Close's filters take them.
fn filter_time(t: &DateTime<Utc>) -> String {
    mapping::close_timestamp(t)
}

impl Close {
    /// Reads one record, with owner and (contacts) lead details filled in.
    async fn read(&self, client: &Client<'_>, resource: Resource, id: &str) -> Result<Record> {
        let obj = client.get(endpoint_of(resource), id).await?;
        let mut out = self.finish(client, resource, vec![obj]).await?;
        out.pop()
            .ok_or_else(|| Error::Internal("finish dropped a record".into()))
    }

    /// Maps records and fills what lives elsewhere in Close: a contact's company and address (its
    /// lead) and owner names and e-mails (`GET /user/{id}/`, cached per account).
    async fn finish(
        &self,
        client: &Client<'_>,
        resource: Resource,
        objs: Vec<Object>,
    ) -> Result<Vec<Record>> {
        let mut leads: BTreeMap<String, Option<Object>> = BTreeMap::new();
        let mut out = Vec::with_capacity(objs.len());
        for obj in objs {
            let mut record = record_from_wire_owned(resource, obj)?;
            if let Record::Contact(c) = &mut record {
                if let Some(lead_id) = c.account_ids.as_ref().and_then(|a| a.first()).cloned() {
                    if !leads.contains_key(&lead_id) {
                        let lead = match client.get(Endpoint::Lead, &lead_id).await {
                            Ok(l) => Some(l),
                            Err(Error::NotFound { .. }) => None,
                            Err(e) => return Err(e),
                        };
                        leads.insert(lead_id.clone(), lead);
                    }
                    if let Some(Some(lead)) = leads.get(&lead_id) {
                        *c = contact::with_lead(std::mem::take(c), lead);
                    }
                }
            }
            self.resolve_owner(client, record.owner_mut()).await;
            out.push(record);
        }
        Ok(out)
    }

    /// Fills owner name and e-mail from `GET /user/{id}` (the kit's cache policy: a failed lookup
    /// leaves the owner id alone). An owner whose e-mail the record carried needs no lookup.
    async fn resolve_owner(&self, client: &Client<'_>, owner: &mut Option<Owner>) {
        if owner.as_ref().is_some_and(|o| o.email.is_some()) {
            return;
        }
        owners::resolve(client_cx(client), owner, |id| async move {
            let user = client.user(&id).await?;
            Ok(Some(Owner {
                id: user.id.clone(),
                name: user.full_name(),
                email: user.email.clone(),
            }))
        })
        .await;
    }

    /// Turns a unified status/stage value into a `stat_…` id through the organisation's statuses
    /// (labels are per organisation); a value no status matches is refused.
    async fn resolve_status(
        &self,
        client: &Client<'_>,
        kind: &str,
        field: &str,
        value: &mut Option<EnumValue>,
    ) -> Result<()> {
        let Some(v) = value.as_mut() else {
            return Ok(());
        };
        if v.source_value
            .as_deref()
            .is_some_and(|s| s.starts_with("stat_"))
        {
            return Ok(());
        }
        let wanted = v
            .source_value
            .clone()
            .or_else(|| v.value.clone())
            .unwrap_or_default();
        let statuses = client.statuses(kind).await?;
        let label_of_value = match kind {
            "lead" => lead::status_label(&wanted),
            _ => None,
        };
        let by_label = statuses.iter().find(|s| {
            s.label.eq_ignore_ascii_case(wanted.trim())
                || label_of_value.is_some_and(|l| s.label.eq_ignore_ascii_case(l))
        });
        let by_type = || {
            let t = deal::stage_type(&wanted)?;
            statuses
                .iter()
                .find(|s| s.status_type.as_deref() == Some(t))
        };
        match by_label.or_else(|| {
            if kind == "opportunity" {
                by_type()
            } else {
                None
            }
        }) {
            Some(s) => {
                v.source_value = Some(s.id.clone());
                Ok(())
            }
            None => Err(Error::invalid(
                field,
                format!(
                    "{wanted:?} is not a {kind} status of this Close organisation (known: {})",
                    statuses
                        .iter()
                        .map(|s| s.label.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// The lead with exactly this name (case-insensitive), or a new one.
    async fn lead_for_company(
        &self,
        client: &Client<'_>,
        company: &contact::CompanyPart,
    ) -> Result<(String, bool)> {
        let name = company.name.trim();
        let found = client
            .leads_named(name)
            .await?
            .into_iter()
            .find(|l| mapping::text(l, "name").is_some_and(|n| n.eq_ignore_ascii_case(name)));
        if let Some(lead) = found {
            let id = mapping::text(&lead, "id")
                .ok_or_else(|| Error::Internal("a Close lead without id".into()))?;
            if let Some(a) = &company.address {
                self.add_address(client, &id, a).await?;
            }
            return Ok((id, false));
        }
        let mut body = Object::new();
        body.insert("name".into(), json!(name));
        if let Some(a) = &company.address {
            body.insert("addresses".into(), json!([mapping::address_to(a)]));
        }
        let lead = client.create(Endpoint::Lead, body).await?;
        let id = mapping::text(&lead, "id")
            .ok_or_else(|| Error::Internal("Close answered a lead without id".into()))?;
        Ok((id, true))
    }

    /// Adds an address to a lead's `addresses` unless it already has it.
    async fn add_address(
        &self,
        client: &Client<'_>,
        lead_id: &str,
        address: &unicrm_core::Address,
    ) -> Result<()> {
        let lead = client.get(Endpoint::Lead, lead_id).await?;
        let new = mapping::address_to(address);
        let mut addresses: Vec<Value> = lead
            .get("addresses")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if addresses.iter().any(|a| mapping::same_address(a, &new)) {
            return Ok(());
        }
        addresses.push(new);
        let mut body = Object::new();
        body.insert("addresses".into(), Value::Array(addresses));
        client
            .update(Endpoint::Lead, lead_id, body)
            .await
            .map(|_| ())
    }

    /// Fills the missing half of a name from the record's current `name`, so that changing only
    /// `last_name` keeps the first name.
    async fn complete_name(
        &self,
        client: &Client<'_>,
        endpoint: Endpoint,
        id: &str,
        first: &mut Option<String>,
        last: &mut Option<String>,
    ) -> Result<()> {
        if first.is_some() == last.is_some() {
            return Ok(());
        }
        let current = client.get(endpoint, id).await?;
        let (cur_first, cur_last) = mapping::split_name(mapping::text(&current, "name").as_deref());
        if first.is_none() {
            *first = cur_first;
        }
        if last.is_none() {
            *last = cur_last;
        }
        Ok(())
    }

    /// A `company_name` sent with `account_ids` must name that lead: Close has no company field
    /// on contacts, so a different name could not be stored.
    async fn check_company(
        &self,
        client: &Client<'_>,
        write: &contact::ContactWrite,
    ) -> Result<()> {
        let (Some(expected), Some(lead_id)) = (
            &write.expected_company,
            write.contact.get("lead_id").and_then(Value::as_str),
        ) else {
            return Ok(());
        };
        let lead = client
            .get(Endpoint::Lead, lead_id)
            .await
            .map_err(|e| match e {
                Error::NotFound { .. } => Error::invalid(
                    "account_ids[0]",
                    format!("no Close lead has the id {lead_id:?}"),
                ),
                other => other,
            })?;
        let name = mapping::text(&lead, "name").unwrap_or_default();
        if name.trim().eq_ignore_ascii_case(expected) {
            Ok(())
        } else {
            Err(Error::invalid(
                "company_name",
                format!(
                    "a Close contact's company is its lead, here {name:?}; leave company_name out \
                     or rename the account"
                ),
            ))
        }
    }

    /// Makes exactly `deal_ids` the opportunities naming this contact: sets `contact_id` on each
    /// listed one, clears it on others of the lead that named the contact.
    async fn link_deals(
        &self,
        client: &Client<'_>,
        contact_id: &str,
        lead_id: Option<&str>,
        deal_ids: &[String],
    ) -> Result<()> {
        for deal in deal_ids {
            let deal = checked_id(Resource::Deal, deal).map_err(|_| {
                Error::invalid(
                    "deal_ids",
                    format!("{deal:?} is not a Close opportunity id"),
                )
            })?;
            let mut body = Object::new();
            body.insert("contact_id".into(), json!(contact_id));
            client
                .update(Endpoint::Opportunity, &deal, body)
                .await
                .map_err(|e| match e {
                    Error::NotFound { .. } => Error::invalid(
                        "deal_ids",
                        format!("no Close opportunity has the id {deal:?}"),
                    ),
                    other => other,
                })?;
        }
        let Some(lead_id) = lead_id else {
            return Ok(());
        };
        let lead = client.get(Endpoint::Lead, lead_id).await?;
        let stale: Vec<String> = lead
            .get("opportunities")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|o| o.get("contact_id").and_then(Value::as_str) == Some(contact_id))
            .filter_map(|o| o.get("id").and_then(Value::as_str).map(str::to_owned))
            .filter(|id| !deal_ids.contains(id))
            .collect();
        for deal in stale {
            let mut body = Object::new();
            body.insert("contact_id".into(), Value::Null);
            client.update(Endpoint::Opportunity, &deal, body).await?;
        }
        Ok(())
    }

    async fn create_contact(&self, client: &Client<'_>, c: Contact) -> Result<Record> {
        let write = contact::contact_to_wire(&c, Write::Create)?;
        self.check_company(client, &write).await?;
        let mut body = write.contact;
        let mut created_lead = None;
        if let Some(company) = &write.company {
            let (lead_id, created) = self.lead_for_company(client, company).await?;
            body.insert("lead_id".into(), json!(lead_id));
            if created {
                created_lead = Some(lead_id);
            }
        }
        if let (Some(a), Some(lead_id)) = (
            &write.address_for_lead,
            body.get("lead_id").and_then(Value::as_str),
        ) {
            self.add_address(client, lead_id, a).await?;
        }
        let saved = match client.create(Endpoint::Contact, body).await {
            Ok(saved) => saved,
            Err(e) => {
                if let Some(lead_id) = created_lead {
                    // Do not leave the company lead made for this contact behind.
                    let _ = client.delete(Endpoint::Lead, &lead_id).await;
                }
                return Err(e);
            }
        };
        if let Some(deals) = &write.deal_ids {
            let id = mapping::text(&saved, "id")
                .ok_or_else(|| Error::Internal("Close answered a contact without id".into()))?;
            self.link_deals(
                client,
                &id,
                mapping::text(&saved, "lead_id").as_deref(),
                deals,
            )
            .await?;
            return self.read(client, Resource::Contact, &id).await;
        }
        let mut out = self.finish(client, Resource::Contact, vec![saved]).await?;
        out.pop()
            .ok_or_else(|| Error::Internal("finish dropped a record".into()))
    }

    async fn update_contact(
        &self,
        client: &Client<'_>,
        id: &str,
        mut c: Contact,
    ) -> Result<Record> {
        self.complete_name(
            client,
            Endpoint::Contact,
            id,
            &mut c.first_name,
            &mut c.last_name,
        )
        .await?;
        let write = contact::contact_to_wire(&c, Write::Update)?;
        self.check_company(client, &write).await?;
        let mut body = write.contact;
        if let Some(company) = &write.company {
            let (lead_id, _) = self.lead_for_company(client, company).await?;
            body.insert("lead_id".into(), json!(lead_id));
        }
        if let Some(a) = &write.address_for_lead {
            if let Some(lead_id) = body.get("lead_id").and_then(Value::as_str) {
                self.add_address(client, lead_id, a).await?;
            }
        }
        let saved = if body.is_empty() {
            client.get(Endpoint::Contact, id).await?
        } else {
            client.update(Endpoint::Contact, id, body).await?
        };
        if let Some(deals) = &write.deal_ids {
            self.link_deals(
                client,
                id,
                mapping::text(&saved, "lead_id").as_deref(),
                deals,
            )
            .await?;
        }
        self.read(client, Resource::Contact, id).await
    }

    async fn update_lead(&self, client: &Client<'_>, id: &str, mut l: Lead) -> Result<Record> {
        self.resolve_status(client, "lead", "status", &mut l.status)
            .await?;
        let current = client.get(Endpoint::Lead, id).await?;
        let first_contact = current
            .get("contacts")
            .and_then(Value::as_array)
            .and_then(|c| c.first())
            .and_then(Value::as_object)
            .cloned();
        unchanged(
            "account_id",
            &mut l.account_id,
            &Some(id.to_owned()),
            "a Close lead is its own account",
        )?;
        unchanged(
            "contact_id",
            &mut l.contact_id,
            &first_contact.as_ref().and_then(|c| mapping::text(c, "id")),
            "the lead's person is its first Close contact",
        )?;
        if l.first_name.is_some() != l.last_name.is_some() {
            let (f, s) = mapping::split_name(
                first_contact
                    .as_ref()
                    .and_then(|c| mapping::text(c, "name"))
                    .as_deref(),
            );
            l.first_name = l.first_name.or(f);
            l.last_name = l.last_name.or(s);
        }
        let write = lead::lead_to_wire(&l, Write::Update)?;
        if !write.lead.is_empty() {
            client.update(Endpoint::Lead, id, write.lead).await?;
        }
        if let Some(person) = write.contact {
            match first_contact.as_ref().and_then(|c| mapping::text(c, "id")) {
                Some(contact_id) => {
                    client
                        .update(Endpoint::Contact, &contact_id, person)
                        .await?;
                }
                None => {
                    let mut person = person;
                    person.insert("lead_id".into(), json!(id));
                    client.create(Endpoint::Contact, person).await?;
                }
            }
        }
        self.read(client, Resource::Lead, id).await
    }

    async fn list_page(
        &self,
        client: &Client<'_>,
        resource: Resource,
        q: &ListQuery,
    ) -> Result<Page<Record>> {
        let limit = INFO.page_size(q.page_size);
        let skip = q
            .cursor
            .as_deref()
            .map(decode_cursor)
            .transpose()?
            .unwrap_or(0);
        let endpoint = endpoint_of(resource);
        let mut filters: Vec<(&str, String)> = Vec::new();
        // Opportunities filter on `date_updated__gte` server-side (List or filter
        // opportunities); the other list endpoints have no such filter, so their pages are
        // filtered here after reading.
        let server_side = endpoint == Endpoint::Opportunity;
        if let (true, Some(after)) = (server_side, q.updated_after) {
            filters.push(("date_updated__gte", filter_time(&after)));
        }
        let page = client.list(endpoint, skip, limit, &filters).await?;
        let read = page.data.len() as u64;
        let mut objs = page.data;
        if let (false, Some(after)) = (server_side, q.updated_after) {
            objs.retain(|o| {
                mapping::timestamp(o, "date_updated")
                    .ok()
                    .flatten()
                    .is_none_or(|t| t >= after)
            });
        }
        let items = self.finish(client, resource, objs).await?;
        let next_cursor = (page.has_more && read > 0).then(|| encode_cursor(skip + read));
        Ok(Page { items, next_cursor })
    }
}

fn client_cx<'a>(client: &'a Client<'_>) -> &'a Context {
    client.context()
}

#[async_trait::async_trait]
impl Connector for Close {
    fn info(&self) -> &'static ConnectorInfo {
        &INFO
    }

    async fn create(&self, cx: &Context, record: Record) -> Result<Record> {
        let resource = record.resource();
        INFO.check(resource, Operation::Create)?;
        let client = Client::new(cx)?;
        match record {
            Record::Contact(c) => self.create_contact(&client, c).await,
            Record::Lead(mut l) => {
                self.resolve_status(&client, "lead", "status", &mut l.status)
                    .await?;
                let body = lead::lead_to_wire(&l, Write::Create)?.create_body();
                let saved = client.create(Endpoint::Lead, body).await?;
                let mut out = self.finish(&client, resource, vec![saved]).await?;
                out.pop()
                    .ok_or_else(|| Error::Internal("finish dropped a record".into()))
            }
            Record::Deal(mut d) => {
                self.resolve_status(&client, "opportunity", "stage", &mut d.stage)
                    .await?;
                let wanted_currency = d.currency.clone();
                let body = deal::deal_to_wire(&d, Write::Create)?;
                let saved = client.create(Endpoint::Opportunity, body).await?;
                warn_currency(&wanted_currency, &saved);
                let mut out = self.finish(&client, resource, vec![saved]).await?;
                out.pop()
                    .ok_or_else(|| Error::Internal("finish dropped a record".into()))
            }
            Record::Account(a) => {
                let body = account::account_to_wire(&a, Write::Create)?;
                let saved = client.create(Endpoint::Lead, body).await?;
                let mut out = self.finish(&client, resource, vec![saved]).await?;
                out.pop()
                    .ok_or_else(|| Error::Internal("finish dropped a record".into()))
            }
            Record::Meeting(_) => Err(Error::unsupported(ID, resource, Operation::Create)),
        }
    }

    async fn get(&self, cx: &Context, resource: Resource, id: &str) -> Result<Record> {
        INFO.check(resource, Operation::Get)?;
        let id = checked_id(resource, id)?;
        let client = Client::new(cx)?;
        self.read(&client, resource, &id).await
    }

    async fn list(&self, cx: &Context, resource: Resource, q: &ListQuery) -> Result<Page<Record>> {
        INFO.check(resource, Operation::List)?;
        let client = Client::new(cx)?;
        self.list_page(&client, resource, q).await
    }

    async fn update(&self, cx: &Context, id: &str, patch: Record) -> Result<Record> {
        let resource = patch.resource();
        INFO.check(resource, Operation::Update)?;
        let id = checked_id(resource, id)?;
        let client = Client::new(cx)?;
        match patch {
            Record::Contact(c) => self.update_contact(&client, &id, c).await,
            Record::Lead(l) => self.update_lead(&client, &id, l).await,
            Record::Deal(mut d) => {
                self.resolve_status(&client, "opportunity", "stage", &mut d.stage)
                    .await?;
                if d.pipeline.is_some() {
                    let current =
                        deal::deal_from_wire(&client.get(Endpoint::Opportunity, &id).await?)?;
                    unchanged(
                        "pipeline",
                        &mut d.pipeline,
                        &current.pipeline,
                        "a Close opportunity's pipeline follows its status after creation; change stage instead",
                    )?;
                }
                let wanted_currency = d.currency.clone();
                let body = deal::deal_to_wire(&d, Write::Update)?;
                if !body.is_empty() {
                    let saved = client.update(Endpoint::Opportunity, &id, body).await?;
                    warn_currency(&wanted_currency, &saved);
                }
                self.read(&client, resource, &id).await
            }
            Record::Meeting(mut m) => {
                if m.contact_ids.is_some()
                    || m.account_id.is_some()
                    || m.outcome.is_some()
                    || m.owner.is_some()
                    || m.deal_id.is_some()
                {
                    let current =
                        meeting::meeting_from_wire(&client.get(Endpoint::Meeting, &id).await?)?;
                    keep_read_only_meeting_fields(&mut m, &current)?;
                }
                let body = meeting::meeting_to_wire(&m, Write::Update)?;
                if !body.is_empty() {
                    client.update(Endpoint::Meeting, &id, body).await?;
                }
                self.read(&client, resource, &id).await
            }
            Record::Account(a) => {
                let body = account::account_to_wire(&a, Write::Update)?;
                if !body.is_empty() {
                    client.update(Endpoint::Lead, &id, body).await?;
                }
                self.read(&client, resource, &id).await
            }
        }
    }

    async fn delete(&self, cx: &Context, resource: Resource, id: &str) -> Result<()> {
        INFO.check(resource, Operation::Delete)?;
        let id = checked_id(resource, id)?;
        Client::new(cx)?.delete(endpoint_of(resource), &id).await
    }

    async fn custom_field_definitions(
        &self,
        cx: &Context,
        resource: Resource,
    ) -> Result<Vec<CustomFieldDefinition>> {
        let Some(family) = endpoint_of(resource).custom_field_family() else {
            // Close meeting activities have no custom fields.
            return Ok(Vec::new());
        };
        let defs = Client::new(cx)?.custom_fields(family).await?;
        Ok(defs
            .iter()
            .map(mapping::definitions::definition_from_wire)
            .collect())
    }

    fn to_provider(&self, record: &Record) -> Result<Value> {
        record_to_wire(record)
    }

    fn from_provider(&self, resource: Resource, payload: &Value) -> Result<Record> {
        record_from_wire(resource, mapping::expect_object(payload)?)
    }

    fn from_provider_owned(&self, resource: Resource, payload: Value) -> Result<Record> {
        record_from_wire_owned(resource, mapping::into_object(payload)?)
    }
}

/// A read-only field sent with an update is accepted when it repeats what Close has (a record read
/// and written back) and dropped; a different value is refused.
fn unchanged<T: PartialEq + std::fmt::Debug>(
    field: &str,
    sent: &mut Option<T>,
    current: &Option<T>,
    why: &str,
) -> Result<()> {
    match sent.take() {
        None => Ok(()),
        Some(v) if Some(&v) == current.as_ref() => Ok(()),
        Some(v) => Err(Error::invalid(
            field,
            format!("read only ({why}); sent {v:?}, Close has {current:?}"),
        )),
    }
}

/// Drops a meeting's read-only fields when they repeat the stored meeting; refuses changes.
fn keep_read_only_meeting_fields(
    m: &mut unicrm_core::Meeting,
    current: &unicrm_core::Meeting,
) -> Result<()> {
    let sorted = |v: &Option<Vec<String>>| {
        v.clone().map(|mut v| {
            v.sort();
            v
        })
    };
    let mut contacts = sorted(&m.contact_ids);
    unchanged(
        "contact_ids",
        &mut contacts,
        &sorted(&current.contact_ids).or(Some(Vec::new())),
        "Close takes a meeting's attendees from the synced calendar event",
    )?;
    m.contact_ids = None;
    unchanged(
        "account_id",
        &mut m.account_id,
        &current.account_id,
        "Close puts a meeting on the lead of its attendees",
    )?;
    unchanged(
        "deal_id",
        &mut m.deal_id,
        &None,
        "Close meetings are not linked to opportunities",
    )?;
    let mut owner = m.owner.take().map(|o| o.id);
    unchanged(
        "owner",
        &mut owner,
        &current.owner.as_ref().map(|o| o.id.clone()),
        "a Close meeting belongs to the user whose calendar it was synced from",
    )?;
    if let Some(sent) = m.outcome.take() {
        let same = current.outcome.as_ref().is_some_and(|cur| {
            let s = sent.as_str();
            s.is_some() && (s == cur.value.as_deref() || s == cur.source_value.as_deref())
        });
        if !same {
            return Err(Error::invalid(
                "outcome",
                "read only: Close computes a meeting's status from the calendar; to record a \
                 Close outcome set custom_fields outcome_id (an outcome_… id)",
            ));
        }
    }
    Ok(())
}

/// Close opportunities carry the organisation's currency; a different requested currency cannot
/// be stored, which is logged (the record keeps Close's `value_currency`).
fn warn_currency(wanted: &Option<String>, saved: &Object) {
    if let (Some(w), Some(got)) = (wanted, mapping::text(saved, "value_currency")) {
        if !w.eq_ignore_ascii_case(&got) {
            tracing::warn!(
                provider = ID,
                wanted = %w,
                stored = %got,
                "Close stores opportunity values in the organisation's currency"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(200)).ok(), Some(200));
        assert!(decode_cursor("nope!").is_err());
        assert!(decode_cursor(&CURSOR.encode(&"x")).is_err());
        let other = CursorCodec::new("hubspot", 1).encode(&200u64);
        assert!(matches!(
            decode_cursor(&other),
            Err(Error::InvalidInput { field, .. }) if field == "cursor"
        ));
    }

    #[test]
    fn ids_are_checked_before_use() {
        assert!(checked_id(Resource::Contact, "cont_abc123").is_ok());
        assert!(checked_id(Resource::Contact, "lead_abc").is_err());
        assert!(checked_id(Resource::Account, "lead_../../me").is_err());
        assert!(checked_id(Resource::Lead, "lead_").is_err());
    }

    /// `from_provider_owned` answers what `from_provider` answers: the same record (with the
    /// same `raw`) or the same error.
    #[test]
    fn owned_payloads_map_as_borrowed_ones() {
        let fixtures = [
            (
                Resource::Contact,
                include_str!("../fixtures/contact/get_contact.json"),
            ),
            (
                Resource::Lead,
                include_str!("../fixtures/lead/create_lead_response.json"),
            ),
            (
                Resource::Account,
                include_str!("../fixtures/lead/list_item_custom_field.json"),
            ),
            (
                Resource::Deal,
                include_str!("../fixtures/opportunity/list_item.json"),
            ),
            (
                Resource::Meeting,
                include_str!("../fixtures/meeting/get_meeting.json"),
            ),
        ];
        for (resource, text) in fixtures {
            let r: Value = serde_json::from_str(text).unwrap();
            let mut bad_time = r.clone();
            bad_time["date_updated"] = json!("yesterday");
            for payload in [
                r.clone(),
                bad_time,
                json!({}),
                json!(null),
                json!("record"),
                json!([r.clone()]),
                json!(42),
            ] {
                let borrowed = Close
                    .from_provider(resource, &payload)
                    .map_err(|e| e.to_string());
                let owned = Close
                    .from_provider_owned(resource, payload.clone())
                    .map_err(|e| e.to_string());
                assert_eq!(owned, borrowed, "{resource:?}: {payload}");
            }
        }
    }
}
