//! `impl Connector for Attio`: thin dispatch between the client (HTTP) and the mapping (pure),
//! plus what needs a lookup: owners (workspace members), a contact's company by name, the
//! currency of the deal `value` attribute.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use unicrm_core::raw::oauth::{ClientAuth, OAuthEndpoints, TokenUrl};
use unicrm_core::raw::owners;
use unicrm_core::{
    model::Operation, AuthKind, Capability, Connector, ConnectorInfo, Context,
    CustomFieldDefinition, CustomFieldOption, Error, ListQuery, Owner, Page, Record, Resource,
    Result,
};

use crate::client::{self, Cursor};
use crate::config::{self, COMPANIES, DEALS, ID, PEOPLE};
use crate::mapping::{self, account, contact, deal, meeting};
use crate::wire;

const ALL: &[Operation] = &[
    Operation::Create,
    Operation::Get,
    Operation::List,
    Operation::Update,
    Operation::Delete,
];

static CAPABILITIES: [Capability; 4] = [
    Capability {
        resource: Resource::Contact,
        operations: ALL,
        fields: &[
            "first_name",
            "last_name",
            "emails",
            "phone_numbers",
            "company_name",
            "job_title",
            "account_ids",
            "deal_ids",
            "custom_fields",
        ],
    },
    Capability {
        resource: Resource::Deal,
        operations: ALL,
        fields: &[
            "name",
            "amount",
            "currency",
            "stage",
            "owner",
            "account_id",
            "contact_ids",
            "custom_fields",
        ],
    },
    Capability {
        resource: Resource::Meeting,
        operations: ALL,
        fields: &[
            "title",
            "description",
            "start_time",
            "end_time",
            "contact_ids",
            "account_id",
            "deal_id",
        ],
    },
    Capability {
        resource: Resource::Account,
        operations: ALL,
        fields: &["name", "website", "description", "custom_fields"],
    },
];

pub(crate) static INFO: ConnectorInfo = ConnectorInfo::new(
    ID,
    config::DISPLAY_NAME,
    &CAPABILITIES,
    &[AuthKind::BearerToken, AuthKind::OAuth2],
    config::DEFAULT_BASE_URL,
)
.with_api_domains(&["attio.com"])
.with_page_limits(config::DEFAULT_PAGE_SIZE, config::MAX_PAGE_SIZE)
.with_known_gaps(&[(
    "meeting: update changes the field and keeps the others",
    "Attio's meetings API changes only a meeting's linked records (PUT /v2/meetings/{id}); a \
     title update is refused with InvalidInput naming `title` (connector-attio README)",
)])
.with_unique_fields(&[(Resource::Contact, "emails")])
// Attio's OAuth 2.0 (authorization code, RFC 6749 §4.1): authorize `https://app.attio.com/authorize`,
// token `https://app.attio.com/oauth/token` with `client_id` and `client_secret` in the body
// (Attio's OAuth reference). Attio issues no refresh tokens, so an Attio account's credentials
// are never due for a refresh. No default scopes: an Attio app's scopes are set in its settings.
.with_oauth(OAuthEndpoints::new(
    "https://app.attio.com/authorize",
    TokenUrl::Absolute {
        url: "https://app.attio.com/oauth/token",
        setting: None,
    },
    ClientAuth::Body,
));

/// The Attio connector.
#[derive(Debug, Clone, Copy, Default)]
pub struct Attio;

/// The object slug of a record resource.
fn object_of(resource: Resource) -> Option<&'static str> {
    match resource {
        Resource::Contact => Some(PEOPLE),
        Resource::Account => Some(COMPANIES),
        Resource::Deal => Some(DEALS),
        Resource::Lead | Resource::Meeting => None,
    }
}

/// A record as unified; the record moves into `raw` (as JSON), uncopied.
fn record_from_wire_owned(resource: Resource, r: wire::Record) -> Result<Record> {
    let mut out = map_record(resource, (&r).into())?;
    *out.raw_mut() = Some(mapping::record_into_value(r));
    Ok(out)
}

/// A record payload (an answer `{"data": record}` or a bare record) as unified, keeping a copy of
/// the record as `raw`. Read in place when it has the shape Attio sends; otherwise deserialized,
/// for the same record or the same error.
fn record_from_payload(resource: Resource, payload: &Value) -> Result<Record> {
    let Some(r) = wire::RecordRef::in_place(mapping::record_of(payload)) else {
        return record_from_wire_owned(resource, mapping::parse_record(payload)?);
    };
    let mut out = map_record(resource, r)?;
    *out.raw_mut() = Some(r.to_value());
    Ok(out)
}

/// [`record_from_payload`] of a payload given by value: the record moves into `raw`, uncopied.
fn record_from_payload_owned(resource: Resource, payload: Value) -> Result<Record> {
    let raw = match wire::RecordRef::into_value(mapping::record_of_owned(payload)) {
        Ok(raw) => raw,
        Err(record) => {
            return record_from_wire_owned(resource, mapping::deserialize_record(record)?)
        }
    };
    let mut out = match wire::RecordRef::in_place(&raw) {
        Some(r) => map_record(resource, r)?,
        // `into_value` answers only records read in place; serde reads them the same.
        None => return record_from_wire_owned(resource, mapping::deserialize_record(raw)?),
    };
    *out.raw_mut() = Some(raw);
    Ok(out)
}

fn map_record(resource: Resource, r: wire::RecordRef<'_>) -> Result<Record> {
    Ok(match resource {
        Resource::Contact => contact::contact_from_wire(r)?.into(),
        Resource::Account => account::account_from_wire(r)?.into(),
        Resource::Deal => deal::deal_from_wire(r)?.into(),
        other => return Err(Error::unsupported(ID, other, Operation::Get)),
    })
}

fn values_of(record: &Record) -> Result<serde_json::Map<String, Value>> {
    match record {
        Record::Contact(c) => contact::contact_to_wire(c),
        Record::Account(a) => account::account_to_wire(a),
        Record::Deal(d) => deal::deal_to_wire(d),
        other => Err(Error::unsupported(ID, other.resource(), Operation::Create)),
    }
}

impl Attio {
    fn check(&self, cx: &Context, resource: Resource, op: Operation) -> Result<()> {
        INFO.check(resource, op)?;
        config::check_base_url(&cx.base_url, cx.sandbox)
    }

    /// The id of the company record named `name`: the first (oldest) with exactly that name, else
    /// a new one.
    async fn company_id_by_name(&self, cx: &Context, name: &str) -> Result<String> {
        let found =
            client::query_records(cx, COMPANIES, 1, 0, Some(json!({ "name": name }))).await?;
        if let Some(r) = found.into_iter().next() {
            return Ok(r.id.record_id);
        }
        let body = mapping::record_body([("name".to_owned(), json!(name))].into_iter().collect());
        Ok(client::create_record(cx, COMPANIES, body)
            .await?
            .id
            .record_id)
    }

    /// Rejects a deal currency other than the one Attio stores the `value` attribute in.
    async fn check_currency(&self, cx: &Context, currency: &str) -> Result<()> {
        let attr = client::get_attribute(cx, DEALS, "value").await?;
        let stored = attr
            .config
            .pointer("/currency/default_currency_code")
            .and_then(Value::as_str);
        match stored {
            Some(code) if code.eq_ignore_ascii_case(currency) => Ok(()),
            Some(code) => Err(Error::invalid(
                "currency",
                format!("Attio stores deal values in the `value` attribute's currency {code}; got {currency}"),
            )),
            None => Ok(()),
        }
    }

    /// Fills what mapping leaves to lookups: the owner's name and e-mail, a contact's company
    /// name. `names` caches company names across the records of one call.
    async fn enrich(
        &self,
        cx: &Context,
        record: &mut Record,
        names: &mut HashMap<String, Option<String>>,
    ) -> Result<()> {
        resolve_owner(cx, record.owner_mut()).await;
        if let Record::Contact(c) = record {
            if let Some(id) = c.account_ids.as_ref().and_then(|ids| ids.first()).cloned() {
                if !names.contains_key(&id) {
                    let name = match client::get_record(cx, COMPANIES, &id).await {
                        Ok(r) => mapping::first_str(&r.values, "name", "value"),
                        Err(Error::NotFound { .. }) => None,
                        Err(e) => return Err(e),
                    };
                    names.insert(id.clone(), name);
                }
                c.company_name = names.get(&id).cloned().flatten();
            }
        }
        Ok(())
    }

    /// Lookups a write needs before mapping: the company of a `company_name`, the currency check,
    /// and (create only) the default deal owner.
    async fn prepare(&self, cx: &Context, record: &mut Record, creating: bool) -> Result<()> {
        match record {
            Record::Contact(c) if c.account_ids.is_none() => {
                if let Some(name) = c.company_name.clone().filter(|n| !n.trim().is_empty()) {
                    c.account_ids = Some(vec![self.company_id_by_name(cx, &name).await?]);
                }
            }
            Record::Deal(d) => {
                if let Some(cur) = d.currency.clone() {
                    self.check_currency(cx, &cur).await?;
                }
                // Attio requires a deal owner; like Attio's own "current user" default, a deal
                // created without one is owned by the member who authorized the token.
                if creating && d.owner.is_none() {
                    let me = client::get_self(cx).await?;
                    if let Some(id) = me
                        .get("authorized_by_workspace_member_id")
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                    {
                        d.owner = Some(Owner::id(id));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn list_records(
        &self,
        cx: &Context,
        resource: Resource,
        object: &str,
        q: &ListQuery,
    ) -> Result<Page<Record>> {
        let size = INFO.page_size(q.page_size);
        let mut offset = match q.cursor.as_deref() {
            None | Some("") => 0,
            Some(c) => match Cursor::decode(c)? {
                Cursor::Offset(n) => n,
                Cursor::Attio(_) => {
                    return Err(Error::invalid("cursor", "not a cursor of this list"))
                }
            },
        };
        let mut items = Vec::new();
        let mut names = HashMap::new();
        let mut next = None;
        for _ in 0..config::MAX_FILTER_PAGES {
            // One more than wanted tells whether another page follows.
            let page = client::query_records(cx, object, size + 1, offset, None).await?;
            let more = page.len() > size as usize;
            let page_len = page.len().min(size as usize);
            for (i, r) in page.into_iter().take(size as usize).enumerate() {
                offset += 1;
                let mut rec = record_from_wire_owned(resource, r)?;
                if !changed_since(rec.updated_at(), q.updated_after) {
                    continue;
                }
                self.enrich(cx, &mut rec, &mut names).await?;
                items.push(rec);
                if items.len() == size as usize {
                    if more || i + 1 < page_len {
                        next = Some(Cursor::Offset(offset).encode());
                    }
                    return Ok(Page {
                        items,
                        next_cursor: next,
                    });
                }
            }
            if !more {
                return Ok(Page {
                    items,
                    next_cursor: None,
                });
            }
            next = Some(Cursor::Offset(offset).encode());
            if q.updated_after.is_none() {
                break;
            }
        }
        Ok(Page {
            items,
            next_cursor: next,
        })
    }

    async fn list_meetings(&self, cx: &Context, q: &ListQuery) -> Result<Page<Record>> {
        let size = INFO
            .page_size(q.page_size)
            .min(config::MEETINGS_MAX_PAGE_SIZE);
        let cursor = match q.cursor.as_deref() {
            None | Some("") => None,
            Some(c) => match Cursor::decode(c)? {
                Cursor::Attio(c) => Some(c),
                Cursor::Offset(_) => {
                    return Err(Error::invalid("cursor", "not a cursor of this list"))
                }
            },
        };
        let page = client::list_meetings(cx, size, cursor.as_deref()).await?;
        let mut items = Vec::new();
        for m in &page.data {
            let rec: Record = meeting::meeting_from_wire(m)?.into();
            // Meetings carry no change time: `updated_after` filters on their creation.
            if changed_since(rec.created_at(), q.updated_after) {
                items.push(rec);
            }
        }
        Ok(Page {
            items,
            next_cursor: page
                .pagination
                .next_cursor
                .filter(|c| !c.is_empty())
                .map(|c| Cursor::Attio(c).encode()),
        })
    }
}

fn changed_since(at: Option<DateTime<Utc>>, after: Option<DateTime<Utc>>) -> bool {
    match (after, at) {
        (None, _) => true,
        (Some(after), Some(at)) => at >= after,
        (Some(_), None) => false,
    }
}

/// Fills the owner's name and e-mail from the workspace member (the kit's cache policy: a member
/// that no longer exists, or a failed lookup, keeps the id only).
async fn resolve_owner(cx: &Context, owner: &mut Option<Owner>) {
    owners::resolve(cx, owner, |id| async move {
        let m = client::get_workspace_member(cx, &id).await?;
        let name = [m.first_name.as_deref(), m.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Some(Owner {
            id,
            name: (!name.is_empty()).then_some(name),
            email: m.email_address.filter(|e| !e.is_empty()),
        }))
    })
    .await;
}

#[async_trait::async_trait]
impl Connector for Attio {
    fn info(&self) -> &'static ConnectorInfo {
        &INFO
    }

    async fn create(&self, cx: &Context, mut record: Record) -> Result<Record> {
        let resource = record.resource();
        self.check(cx, resource, Operation::Create)?;
        if let Record::Meeting(m) = &record {
            let created = client::create_meeting(cx, meeting::meeting_to_wire(m)?).await?;
            return Ok(meeting::meeting_from_wire(&created)?.into());
        }
        let object = object_of(resource)
            .ok_or_else(|| Error::unsupported(ID, resource, Operation::Create))?;
        self.prepare(cx, &mut record, true).await?;
        let body = mapping::record_body(values_of(&record)?);
        let created = client::create_record(cx, object, body).await?;
        let mut out = record_from_wire_owned(resource, created)?;
        self.enrich(cx, &mut out, &mut HashMap::new()).await?;
        Ok(out)
    }

    async fn get(&self, cx: &Context, resource: Resource, id: &str) -> Result<Record> {
        self.check(cx, resource, Operation::Get)?;
        if resource == Resource::Meeting {
            return Ok(meeting::meeting_from_wire(&client::get_meeting(cx, id).await?)?.into());
        }
        let object =
            object_of(resource).ok_or_else(|| Error::unsupported(ID, resource, Operation::Get))?;
        let mut out = record_from_wire_owned(resource, client::get_record(cx, object, id).await?)?;
        self.enrich(cx, &mut out, &mut HashMap::new()).await?;
        Ok(out)
    }

    async fn list(&self, cx: &Context, resource: Resource, q: &ListQuery) -> Result<Page<Record>> {
        self.check(cx, resource, Operation::List)?;
        match object_of(resource) {
            Some(object) => self.list_records(cx, resource, object, q).await,
            None if resource == Resource::Meeting => self.list_meetings(cx, q).await,
            None => Err(Error::unsupported(ID, resource, Operation::List)),
        }
    }

    async fn update(&self, cx: &Context, id: &str, mut patch: Record) -> Result<Record> {
        let resource = patch.resource();
        self.check(cx, resource, Operation::Update)?;
        if let Record::Meeting(m) = &patch {
            let current = meeting::meeting_from_wire(&client::get_meeting(cx, id).await?)?;
            let body = meeting::meeting_update_to_wire(m, &current)?;
            let updated = client::update_meeting(cx, id, body).await?;
            return Ok(meeting::meeting_from_wire(&updated)?.into());
        }
        let object = object_of(resource)
            .ok_or_else(|| Error::unsupported(ID, resource, Operation::Update))?;
        // A personal name is one value: changing only one part keeps the other as stored.
        if let Record::Contact(c) = &mut patch {
            if c.first_name.is_some() != c.last_name.is_some() {
                let current =
                    contact::contact_from_wire(&client::get_record(cx, object, id).await?)?;
                c.first_name = c.first_name.take().or(current.first_name);
                c.last_name = c.last_name.take().or(current.last_name);
            }
        }
        self.prepare(cx, &mut patch, false).await?;
        let body = mapping::record_body(values_of(&patch)?);
        let updated = client::update_record(cx, object, id, body).await?;
        let mut out = record_from_wire_owned(resource, updated)?;
        self.enrich(cx, &mut out, &mut HashMap::new()).await?;
        Ok(out)
    }

    async fn delete(&self, cx: &Context, resource: Resource, id: &str) -> Result<()> {
        self.check(cx, resource, Operation::Delete)?;
        match object_of(resource) {
            Some(object) => client::delete_record(cx, object, id).await,
            None => client::delete_meeting(cx, id).await,
        }
    }

    async fn custom_field_definitions(
        &self,
        cx: &Context,
        resource: Resource,
    ) -> Result<Vec<CustomFieldDefinition>> {
        self.check(cx, resource, Operation::List)?;
        let Some(object) = object_of(resource) else {
            // Meetings are not an object: they have no attributes of their own.
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for attr in client::list_attributes(cx, object).await? {
            if attr.is_system_attribute || attr.is_archived {
                continue;
            }
            let options = match attr.kind.as_str() {
                "select" | "status" => {
                    client::list_choices(cx, object, &attr.api_slug, attr.kind == "status")
                        .await?
                        .into_iter()
                        .filter(|c| !c.is_archived)
                        .map(|c| CustomFieldOption {
                            id: c.title.clone(),
                            value: c.title,
                        })
                        .collect()
                }
                _ => Vec::new(),
            };
            out.push(mapping::definitions::definition_from_wire(&attr, options));
        }
        Ok(out)
    }

    fn to_provider(&self, record: &Record) -> Result<Value> {
        match record {
            Record::Meeting(m) => meeting::meeting_to_wire(m),
            Record::Lead(_) => Err(Error::unsupported(ID, Resource::Lead, Operation::Create)),
            other => Ok(mapping::record_body(values_of(other)?)),
        }
    }

    fn from_provider(&self, resource: Resource, payload: &Value) -> Result<Record> {
        match resource {
            Resource::Meeting => {
                Ok(meeting::meeting_from_wire(&meeting::parse_meeting(payload)?)?.into())
            }
            Resource::Lead => Err(Error::unsupported(ID, Resource::Lead, Operation::Get)),
            other => record_from_payload(other, payload),
        }
    }

    fn from_provider_owned(&self, resource: Resource, payload: Value) -> Result<Record> {
        match resource {
            Resource::Meeting | Resource::Lead => self.from_provider(resource, &payload),
            other => record_from_payload_owned(other, payload),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `from_provider` answered before records were read in place: serde, then mapping.
    fn by_serde(resource: Resource, payload: &Value) -> Result<Record> {
        record_from_wire_owned(resource, mapping::parse_record(payload)?)
    }

    /// Both `from_provider` and `from_provider_owned` answer exactly what serde-then-mapping
    /// answers: the same record (with the same `raw`) or the same error.
    fn same_as_serde(resource: Resource, payload: &Value) {
        let expected = by_serde(resource, payload).map_err(|e| e.to_string());
        let borrowed = Attio
            .from_provider(resource, payload)
            .map_err(|e| e.to_string());
        let owned = Attio
            .from_provider_owned(resource, payload.clone())
            .map_err(|e| e.to_string());
        assert_eq!(borrowed, expected, "borrowed, {resource:?}: {payload}");
        assert_eq!(owned, expected, "owned, {resource:?}: {payload}");
    }

    /// Payloads of every shape around the one Attio sends: the fast path takes the documented
    /// ones and leaves the others to serde.
    fn variants(doc: &Value) -> Vec<Value> {
        let record = doc["data"].clone();
        let mut out = vec![doc.clone(), record.clone()];
        let mut with = |f: &dyn Fn(&mut Value)| {
            let mut r = record.clone();
            f(&mut r);
            out.push(json!({ "data": r.clone() }));
            out.push(r);
        };
        with(&|r| r["extra"] = json!({"a": [1, 2]}));
        with(&|r| r["id"]["extra"] = json!(1));
        with(&|r| r["id"] = json!(["w", "o", "r"]));
        with(&|r| r["id"] = json!("bf071e1f"));
        with(&|r| r["id"]["record_id"] = json!(7));
        with(&|r| r["id"]["object_id"] = Value::Null);
        with(&|r| {
            r["id"].as_object_mut().unwrap().remove("workspace_id");
        });
        with(&|r| {
            r.as_object_mut().unwrap().remove("id");
        });
        with(&|r| {
            r.as_object_mut().unwrap().remove("web_url");
        });
        with(&|r| r["web_url"] = Value::Null);
        with(&|r| r["web_url"] = json!(42));
        with(&|r| {
            r.as_object_mut().unwrap().remove("values");
        });
        with(&|r| r["values"] = Value::Null);
        with(&|r| r["values"] = json!([]));
        with(&|r| r["values"] = json!({}));
        with(&|r| r["values"]["name"] = json!("John"));
        with(&|r| r["values"]["name"] = json!([1, "x", null]));
        with(&|r| r["values"]["custom"] = json!([{"value": 1}, {"value": 2}]));
        with(&|r| r["values"]["custom"] = json!([{"active_until": "2024-01-01T00:00:00Z"}]));
        with(&|r| {
            r["values"]["custom"] = json!([{"active_from": "yesterday", "value": 1}]);
        });
        with(&|r| {
            r["values"]["custom"] = json!([{"active_from": "2030-01-01T00:00:00Z", "value": 1}]);
        });
        // The same length as the documented `active_from`s, read right after one of them.
        with(&|r| {
            r["values"]["custom"] =
                json!([{"active_from": "2031-01-01T15:00:00.000000000Z", "value": 1}]);
        });
        with(&|r| {
            r["values"]["custom"] =
                json!([{"active_from": "2023-01-01T15:00:00.000000000X", "value": 1}]);
        });
        with(&|r| {
            r.as_object_mut().unwrap().remove("created_at");
        });
        with(&|r| r["created_at"] = json!(""));
        with(&|r| r["created_at"] = json!("not a time"));
        with(&|r| r["created_at"] = json!(1669036969061u64));
        with(&|r| r["data"] = json!({"id": 1}));
        out.extend([
            json!({"data": null}),
            json!({"data": []}),
            json!(null),
            json!("record"),
            json!([record]),
            json!({}),
        ]);
        out
    }

    #[test]
    fn records_read_in_place_map_as_serde_reads_them() {
        for (resource, text) in [
            (
                Resource::Contact,
                include_str!("../fixtures/contact/get_person_docs.json"),
            ),
            (
                Resource::Account,
                include_str!("../fixtures/account/create_company_response_docs.json"),
            ),
            (
                Resource::Deal,
                include_str!("../fixtures/deal/create_deal_response_docs.json"),
            ),
        ] {
            let doc: Value = serde_json::from_str(text).unwrap();
            assert!(
                wire::RecordRef::in_place(&doc["data"]).is_some(),
                "the documented record is read in place"
            );
            for payload in variants(&doc) {
                same_as_serde(resource, &payload);
            }
        }
    }

    #[test]
    fn a_record_read_in_place_moves_into_raw_as_serde_renders_it() {
        let doc: Value =
            serde_json::from_str(include_str!("../fixtures/contact/get_person_docs.json")).unwrap();
        let mut record = doc["data"].clone();
        record["extra"] = json!(true);
        record["id"]["extra"] = json!(true);
        record.as_object_mut().unwrap().remove("web_url");
        let by_serde = serde_json::to_value(mapping::parse_record(&record).unwrap()).unwrap();
        let r = wire::RecordRef::in_place(&record).unwrap();
        assert_eq!(r.to_value(), by_serde);
        assert_eq!(wire::RecordRef::into_value(record).unwrap(), by_serde);
        let bad = json!({"id": ["w", "o", "r"], "created_at": "", "values": {}});
        assert_eq!(wire::RecordRef::into_value(bad.clone()), Err(bad));
    }
}
