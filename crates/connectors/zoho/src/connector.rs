//! `impl Connector for Zoho`: thin dispatch between the client (HTTP) and the mapping.

use serde_json::{Map, Value};
use unicrm_core::raw::oauth::{ClientAuth, OAuthEndpoints, TokenUrl};
use unicrm_core::{
    AuthKind, Capability, Connector, ConnectorInfo, Context, Credentials, CustomFieldDefinition,
    Error, ListQuery, Operation, Owner, Page, Record, Resource, Result,
};

use unicrm_core::raw::cursor::{self, CursorCodec};
use unicrm_core::raw::owners;

use crate::client::{Client, MAX_FIELDS, MAX_PER_PAGE};
use crate::config::{check_api_domain, CompanyAccount, Settings, DEFAULT_API_DOMAIN, ID};
use crate::mapping::{self, module_of, Write};
use crate::wire::{Module, ZohoRecord};

/// The Zoho CRM connector.
#[derive(Debug, Clone, Copy, Default)]
pub struct Zoho;

const ALL_OPERATIONS: &[Operation] = &Operation::ALL;

/// Declared fields are those that survive any round trip. Mapped but not declared, because Zoho
/// keeps them only in part: a contact's `company_name` (read back as the linked Account's name),
/// a meeting's `account_id` (an event relates to one record: the deal when both are given is
/// refused), an account's `phone_numbers` (one `Phone`).
const CAPABILITIES: &[Capability] = &[
    Capability {
        resource: Resource::Contact,
        operations: ALL_OPERATIONS,
        fields: &[
            "first_name",
            "last_name",
            "emails",
            "phone_numbers",
            "job_title",
            "address",
            "tags",
            "owner",
            "source",
            "account_ids",
            "custom_fields",
        ],
    },
    Capability {
        resource: Resource::Lead,
        operations: ALL_OPERATIONS,
        fields: &[
            "first_name",
            "last_name",
            "emails",
            "phone_numbers",
            "company_name",
            "job_title",
            "address",
            "status",
            "source",
            "tags",
            "owner",
            "custom_fields",
        ],
    },
    Capability {
        resource: Resource::Deal,
        operations: ALL_OPERATIONS,
        fields: &[
            "name",
            "amount",
            "stage",
            "pipeline",
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
        operations: ALL_OPERATIONS,
        fields: &[
            "title",
            "description",
            "start_time",
            "end_time",
            "location",
            "contact_ids",
            "deal_id",
            "owner",
            "custom_fields",
        ],
    },
    Capability {
        resource: Resource::Account,
        operations: ALL_OPERATIONS,
        fields: &[
            "name",
            "website",
            "industry",
            "annual_revenue",
            "address",
            "description",
            "owner",
            "custom_fields",
        ],
    },
];

/// What the connector declares.
pub static INFO: ConnectorInfo = ConnectorInfo::new(
    ID,
    "Zoho CRM",
    CAPABILITIES,
    &[AuthKind::OAuth2, AuthKind::BearerToken],
    DEFAULT_API_DOMAIN,
)
// Every data centre's API domain and accounts server ("Multi DC support", Zoho OAuth docs;
// the same list as `config::DATA_CENTRES`, kept in step by a test).
.with_api_domains(&[
    "zohoapis.com",
    "zohoapis.eu",
    "zohoapis.in",
    "zohoapis.com.au",
    "zohoapis.jp",
    "zohoapis.com.cn",
    "zohoapis.ca",
    "zohoapis.sa",
    "zoho.com",
    "zoho.eu",
    "zoho.in",
    "zoho.com.au",
    "zoho.jp",
    "zoho.com.cn",
    "zohocloud.ca",
    "zoho.sa",
])
.with_unique_fields(&[(Resource::Contact, "emails"), (Resource::Lead, "emails")])
.with_page_limits(DEFAULT_PAGE_SIZE, MAX_PER_PAGE)
// Zoho's OAuth ("Get authorization code", "Refresh access token", "Multi DC support"):
// authorize `{accounts-server}/oauth/v2/auth` (the US server redirects a user of another data
// centre), `access_type=offline` for a refresh token at all, scopes comma-separated; token
// `POST {accounts-server}/oauth/v2/token` with `client_id` and `client_secret` as parameters.
// The accounts server is the account's data centre's (`Connector::oauth_token_host`).
.with_oauth(
    OAuthEndpoints::new(
        "https://accounts.zoho.com/oauth/v2/auth",
        TokenUrl::OnConnectorHost("/oauth/v2/token"),
        ClientAuth::Body,
    )
    .with_scopes(&[
        "ZohoCRM.modules.ALL",
        "ZohoCRM.settings.fields.READ",
        "ZohoCRM.users.READ",
    ])
    .with_scope_separator(",")
    .with_authorize_params(&[("access_type", "offline"), ("prompt", "consent")]),
)
.with_unique_fields(&[(Resource::Contact, "emails"), (Resource::Lead, "emails")]);

/// Page size when the caller names none.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// Pure: a unified record as the record of a create or update body.
pub fn record_to_wire(record: &Record, mode: Write) -> Result<ZohoRecord> {
    match record {
        Record::Contact(c) => mapping::contact::contact_to_wire(c, mode),
        Record::Lead(l) => mapping::lead::lead_to_wire(l, mode),
        Record::Deal(d) => mapping::deal::deal_to_wire(d, mode),
        Record::Meeting(m) => mapping::meeting::meeting_to_wire(m, mode),
        Record::Account(a) => mapping::account::account_to_wire(a, mode),
    }
}

/// Pure: a Zoho record as a unified record (keeping a copy of it as `raw`).
pub fn record_from_wire(resource: Resource, rec: &ZohoRecord) -> Result<Record> {
    let mut record = map_record(resource, rec)?;
    *record.raw_mut() = Some(Value::Object(rec.clone()));
    Ok(record)
}

/// Pure: [`record_from_wire`] of a record given by value: it moves into `raw`, uncopied.
pub fn record_from_wire_owned(resource: Resource, rec: ZohoRecord) -> Result<Record> {
    let mut record = map_record(resource, &rec)?;
    *record.raw_mut() = Some(Value::Object(rec));
    Ok(record)
}

fn map_record(resource: Resource, rec: &ZohoRecord) -> Result<Record> {
    Ok(match resource {
        Resource::Contact => Record::Contact(mapping::contact::contact_from_wire(rec)?),
        Resource::Lead => Record::Lead(mapping::lead::lead_from_wire(rec)?),
        Resource::Deal => Record::Deal(mapping::deal::deal_from_wire(rec)?),
        Resource::Meeting => Record::Meeting(mapping::meeting::meeting_from_wire(rec)?),
        Resource::Account => Record::Account(mapping::account::account_from_wire(rec)?),
    })
}

/// An id a user gave: Zoho ids are decimal numbers, anything else names no record (and is never
/// put into a URL).
fn checked_id(resource: Resource, id: &str) -> Result<String> {
    if mapping::check_id("id", id).is_ok() {
        Ok(id.to_owned())
    } else {
        Err(Error::not_found(format!(
            "no Zoho {} has the id {id:?}",
            module_of(resource).api_name()
        )))
    }
}

/// Names the unified field of a Zoho validation error (`Last_Name` → `last_name`), keeping the
/// Zoho name in the provider details.
fn in_unified_terms(e: Error, module: Module) -> Error {
    match e {
        Error::InvalidInput {
            field,
            reason,
            provider: Some(p),
        } => {
            let field = match mapping::unified_field(module, &field) {
                Some(unified) => unified.to_owned(),
                None if field.is_empty() => field,
                None => format!("custom_fields.{field}"),
            };
            Error::InvalidInput {
                field,
                reason,
                provider: Some(p),
            }
        }
        other => other,
    }
}

/// The codec of Zoho list cursors: the state is Zoho's `next_page_token`.
const CURSOR: CursorCodec = CursorCodec::new(ID, 1);

/// Decodes a list cursor and checks the Zoho `next_page_token` inside (it goes into a query).
fn page_token(cursor: &str) -> Result<String> {
    let token: String = CURSOR.decode(cursor)?;
    let ok = !token.is_empty()
        && token.len() <= 500
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'));
    if ok {
        Ok(token)
    } else {
        Err(cursor::invalid(
            "not a cursor of this connector (pass next_cursor of the previous page)",
        ))
    }
}

impl Zoho {
    async fn read(
        &self,
        cx: &Context,
        client: &Client,
        resource: Resource,
        id: &str,
    ) -> Result<Record> {
        let module = module_of(resource);
        let rec = client.get_record(module, id).await?.ok_or_else(|| {
            Error::not_found(format!("no Zoho {} has the id {id}", module.api_name()))
        })?;
        let mut record = record_from_wire_owned(resource, rec)?;
        self.resolve_owner(cx, client, &mut record).await?;
        Ok(record)
    }

    /// Fills the owner's name and e-mail (the kit's cache policy: an owner the record names fully
    /// is cached, else the cache, else `GET /users/{id}`; a failed lookup keeps the id).
    async fn resolve_owner(
        &self,
        cx: &Context,
        client: &Client,
        record: &mut Record,
    ) -> Result<()> {
        let owner = record.owner_mut();
        if owner
            .as_ref()
            .is_some_and(|o| mapping::check_id("owner.id", &o.id).is_err())
        {
            return Ok(());
        }
        owners::resolve(cx, owner, |id| async move {
            let user = client.user(&id).await?;
            Ok(user.map(|user| Owner {
                id: user.id.clone(),
                name: user.full_name.clone().or_else(|| {
                    let parts: Vec<&str> = [user.first_name.as_deref(), user.last_name.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect();
                    (!parts.is_empty()).then(|| parts.join(" "))
                }),
                email: user.email.clone(),
            }))
        })
        .await;
        Ok(())
    }

    /// Replaces a contact's `"Account_Name": {"name": …}` with the id of that Account.
    async fn link_company(&self, client: &Client, body: &mut ZohoRecord) -> Result<()> {
        let Some(name) = body
            .get("Account_Name")
            .filter(|v| v.get("id").is_none())
            .and_then(|v| v.get("name"))
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            return Ok(());
        };
        let found = client
            .search_equals(Module::Accounts, "Account_Name", &name)
            .await?;
        let id = match found
            .first()
            .and_then(|r| r.get("id"))
            .and_then(Value::as_str)
        {
            Some(id) => id.to_owned(),
            None => match client.settings()?.company_account {
                CompanyAccount::LinkOrCreate => {
                    let mut account = Map::new();
                    account.insert("Account_Name".into(), Value::String(name.clone()));
                    client
                        .insert(Module::Accounts, account)
                        .await
                        .map_err(|e| in_unified_terms(e, Module::Accounts))?
                }
                CompanyAccount::LinkOnly => {
                    return Err(Error::invalid(
                        "company_name",
                        format!(
                            "no Zoho Account is named {name:?} and this account is set to \
                             link_only; create the Account first or send account_ids"
                        ),
                    ))
                }
            },
        };
        body.insert("Account_Name".into(), serde_json::json!({ "id": id }));
        Ok(())
    }

    /// The `fields=` of a list: the mapped fields, then custom fields, within Zoho's 50.
    async fn list_fields(&self, client: &Client, module: Module) -> Result<Vec<String>> {
        let mut fields: Vec<String> = mapping::fields_of(module)
            .iter()
            .map(|f| (*f).to_owned())
            .collect();
        // Without the fields-metadata scope a list still reads the mapped fields.
        let custom = match client.fields(module).await {
            Ok(fields) => fields,
            Err(e @ Error::Forbidden { .. }) => {
                tracing::debug!(provider = ID, error = %e, "custom fields not listed");
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        for f in custom.iter().filter(|f| f.custom_field) {
            if fields.len() >= MAX_FIELDS {
                tracing::debug!(
                    provider = ID,
                    module = module.api_name(),
                    "more custom fields than Zoho lists at once; the rest are read by get"
                );
                break;
            }
            if !fields.contains(&f.api_name) {
                fields.push(f.api_name.clone());
            }
        }
        Ok(fields)
    }
}

#[async_trait::async_trait]
impl Connector for Zoho {
    fn info(&self) -> &'static ConnectorInfo {
        &INFO
    }

    async fn create(&self, cx: &Context, record: Record) -> Result<Record> {
        let resource = record.resource();
        INFO.check(resource, Operation::Create)?;
        let module = module_of(resource);
        let mut body = record_to_wire(&record, Write::Create)?;
        let client = Client::new(cx)?;
        self.link_company(&client, &mut body).await?;
        let id = client
            .insert(module, body)
            .await
            .map_err(|e| in_unified_terms(e, module))?;
        self.read(cx, &client, resource, &id).await
    }

    async fn get(&self, cx: &Context, resource: Resource, id: &str) -> Result<Record> {
        INFO.check(resource, Operation::Get)?;
        let id = checked_id(resource, id)?;
        let client = Client::new(cx)?;
        self.read(cx, &client, resource, &id).await
    }

    async fn list(&self, cx: &Context, resource: Resource, q: &ListQuery) -> Result<Page<Record>> {
        INFO.check(resource, Operation::List)?;
        let module = module_of(resource);
        let per_page = INFO.page_size(q.page_size);
        let token = q.cursor.as_deref().map(page_token).transpose()?;
        let client = Client::new(cx)?;
        let fields = self.list_fields(&client, module).await?;
        let page = client
            .list(module, &fields, per_page, token.as_deref(), q.updated_after)
            .await?;
        let mut items = Vec::with_capacity(page.records.len());
        for rec in page.records {
            let mut record = record_from_wire_owned(resource, rec)?;
            self.resolve_owner(cx, &client, &mut record).await?;
            items.push(record);
        }
        let next_cursor = if page.info.more_records {
            page.info
                .next_page_token
                .filter(|t| !t.is_empty())
                .map(|t| CURSOR.encode(&t))
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    async fn update(&self, cx: &Context, id: &str, patch: Record) -> Result<Record> {
        let resource = patch.resource();
        INFO.check(resource, Operation::Update)?;
        let module = module_of(resource);
        let id = checked_id(resource, id)?;
        let mut body = record_to_wire(&patch, Write::Update)?;
        let client = Client::new(cx)?;
        self.link_company(&client, &mut body).await?;
        if !body.is_empty() {
            client
                .update(module, &id, body)
                .await
                .map_err(|e| in_unified_terms(e, module))?;
        }
        self.read(cx, &client, resource, &id).await
    }

    async fn delete(&self, cx: &Context, resource: Resource, id: &str) -> Result<()> {
        INFO.check(resource, Operation::Delete)?;
        let id = checked_id(resource, id)?;
        Client::new(cx)?.delete(module_of(resource), &id).await
    }

    async fn custom_field_definitions(
        &self,
        cx: &Context,
        resource: Resource,
    ) -> Result<Vec<CustomFieldDefinition>> {
        let fields = Client::new(cx)?.fields(module_of(resource)).await?;
        Ok(crate::mapping::definitions::custom_field_definitions_from_fields(&fields))
    }

    /// The accounts server of the account's data centre (or its `accounts_url` setting).
    fn oauth_token_host(&self, cx: &Context) -> Result<String> {
        Ok(Settings::from_context(cx)?.accounts_url)
    }

    /// A token answer's `api_domain` becomes the account's `instance_url`, checked like any
    /// Zoho API host (a sandbox account's is the emulator's, and never chooses a host: the
    /// emulator is always reached at the base URL).
    fn oauth_token_extras(
        &self,
        cx: &Context,
        extras: &Map<String, Value>,
        fresh: &mut Credentials,
    ) -> Result<()> {
        if let Some(domain) = extras.get("api_domain").and_then(Value::as_str) {
            fresh.instance_url = Some(if cx.sandbox {
                domain.trim_end_matches('/').to_owned()
            } else {
                check_api_domain("api_domain", domain)?
            });
        }
        Ok(())
    }

    /// The exact create body: `{"data": [record]}`.
    fn to_provider(&self, record: &Record) -> Result<Value> {
        let rec = record_to_wire(record, Write::Create)?;
        Ok(serde_json::json!({ "data": [Value::Object(rec)] }))
    }

    fn from_provider(&self, resource: Resource, payload: &Value) -> Result<Record> {
        record_from_wire(resource, mapping::expect_record(payload)?)
    }

    fn from_provider_owned(&self, resource: Resource, payload: Value) -> Result<Record> {
        record_from_wire_owned(resource, mapping::into_record(payload)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `from_provider_owned` answers what `from_provider` answers: the same record (with the
    /// same `raw`) or the same error, for records, `{"data": [record]}` answers and malformed
    /// payloads.
    #[test]
    fn owned_payloads_map_as_borrowed_ones() {
        for (resource, text) in [
            (
                Resource::Contact,
                include_str!("../fixtures/contact/record_full.json"),
            ),
            (
                Resource::Contact,
                include_str!("../fixtures/contact/record_minimal.json"),
            ),
            (
                Resource::Account,
                include_str!("../fixtures/account/record_full.json"),
            ),
            (
                Resource::Deal,
                include_str!("../fixtures/deal/record_full.json"),
            ),
            (
                Resource::Lead,
                include_str!("../fixtures/lead/record_converted.json"),
            ),
        ] {
            let r: Value = serde_json::from_str(text).unwrap();
            let mut bad_time = r.clone();
            bad_time["Modified_Time"] = json!("yesterday");
            for payload in [
                r.clone(),
                json!({ "data": [r.clone()] }),
                json!({ "data": [r.clone(), r.clone()] }),
                json!({ "data": [] }),
                json!({ "data": [1] }),
                json!({ "data": "not a list", "id": "1" }),
                bad_time,
                json!({}),
                json!(null),
                json!("record"),
                json!([r.clone()]),
                json!(42),
            ] {
                let borrowed = Zoho
                    .from_provider(resource, &payload)
                    .map_err(|e| e.to_string());
                let owned = Zoho
                    .from_provider_owned(resource, payload.clone())
                    .map_err(|e| e.to_string());
                assert_eq!(owned, borrowed, "{resource:?}: {payload}");
            }
        }
    }
}
