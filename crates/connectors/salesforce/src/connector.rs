//! `impl Connector for Salesforce`: thin dispatch between the client (HTTP) and the mapping.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use unicrm_core::raw::oauth::{ClientAuth, OAuthEndpoints, TokenUrl};
use unicrm_core::{
    AuthKind, Capability, Connector, ConnectorInfo, Context, Credentials, CustomFieldDefinition,
    Error, ListQuery, Operation, Page, Record, Resource, Result,
};

use crate::client::Client;
use crate::config::{check_salesforce_url, CompanyAccount, ID};
use crate::mapping::{self, Write};
use crate::soql::{self, Condition, KeysetCursor, Literal, Select};
use crate::wire::{SObject, SObjectType};

/// The Salesforce connector.
#[derive(Debug, Clone, Copy, Default)]
pub struct Salesforce;

const ALL_OPERATIONS: &[Operation] = &Operation::ALL;

const CAPABILITIES: &[Capability] = &[
    Capability {
        resource: Resource::Contact,
        operations: ALL_OPERATIONS,
        fields: &[
            "first_name",
            "last_name",
            "emails",
            "phone_numbers",
            "company_name",
            "job_title",
            "address",
            "owner",
            "source",
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
            "account_id",
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
            "phone_numbers",
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
    "Salesforce",
    CAPABILITIES,
    &[AuthKind::OAuth2, AuthKind::BearerToken],
    crate::config::DEFAULT_LOGIN_URL,
)
// Instances `*.my.salesforce.com`, login hosts, Experience Cloud sites `*.force.com`.
.with_api_domains(&["salesforce.com", "force.com"])
.with_page_limits(DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
// 100,000 API requests per rolling 24 h (the org allocation `Sforce-Limit-Info: api-usage=…/100000`):
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm
.with_rate_limit(100_000, std::time::Duration::from_secs(24 * 60 * 60))
// Salesforce's OAuth 2.0 web server flow: authorize `{login}/services/oauth2/authorize`, refresh
// `POST {login}/services/oauth2/token` with `client_id` (and `client_secret` unless the connected
// app disables "Require Secret for Refresh Token Flow") in the form ("OAuth 2.0 Refresh Token
// Flow"; provider notes §2.1). The login host is the `login_url` setting (`test.salesforce.com`,
// a My Domain), else `login.salesforce.com`. Scopes space-separated: `api` for the REST API,
// `refresh_token` for a refresh token at all.
.with_oauth(
    OAuthEndpoints::new(
        "https://login.salesforce.com/services/oauth2/authorize",
        TokenUrl::OnSettingHost {
            setting: "login_url",
            default: crate::config::DEFAULT_LOGIN_URL,
            path: "/services/oauth2/token",
        },
        ClientAuth::Body,
    )
    .with_scopes(&["api", "refresh_token"]),
);

/// Default and largest page sizes. `FIELDS(CUSTOM)` needs `LIMIT ≤ 200`, and one row more than
/// the page is asked for to know whether another page follows.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// Largest page size.
pub const MAX_PAGE_SIZE: u32 = Select::FIELDS_CUSTOM_MAX_LIMIT - 1;

/// The Salesforce object of a unified resource.
pub fn object_of(resource: Resource) -> SObjectType {
    match resource {
        Resource::Contact => SObjectType::Contact,
        Resource::Lead => SObjectType::Lead,
        Resource::Deal => SObjectType::Opportunity,
        Resource::Meeting => SObjectType::Event,
        Resource::Account => SObjectType::Account,
    }
}

fn select_fields(resource: Resource) -> Vec<&'static str> {
    match resource {
        Resource::Contact => mapping::contact::select_fields(),
        Resource::Lead => mapping::lead::select_fields(),
        Resource::Deal => mapping::deal::select_fields(),
        Resource::Meeting => mapping::meeting::select_fields(),
        Resource::Account => mapping::account::select_fields(),
    }
}

/// Pure: a unified record as the body of a create or update.
pub fn record_to_wire(record: &Record, mode: Write) -> Result<SObject> {
    match record {
        Record::Contact(c) => mapping::contact::contact_to_wire(c, mode),
        Record::Lead(l) => mapping::lead::lead_to_wire(l, mode),
        Record::Deal(d) => mapping::deal::deal_to_wire(d, mode),
        Record::Meeting(m) => mapping::meeting::meeting_to_wire(m, mode),
        Record::Account(a) => mapping::account::account_to_wire(a, mode),
    }
}

/// Pure: a Salesforce record as a unified record (keeping a copy of it as `raw`).
pub fn record_from_wire(resource: Resource, obj: &SObject) -> Result<Record> {
    let mut record = map_record(resource, obj)?;
    *record.raw_mut() = Some(Value::Object(obj.clone()));
    Ok(record)
}

/// Pure: [`record_from_wire`] of a record given by value: it moves into `raw`, uncopied.
pub fn record_from_wire_owned(resource: Resource, obj: SObject) -> Result<Record> {
    let mut record = map_record(resource, &obj)?;
    *record.raw_mut() = Some(Value::Object(obj));
    Ok(record)
}

fn map_record(resource: Resource, obj: &SObject) -> Result<Record> {
    Ok(match resource {
        Resource::Contact => Record::Contact(mapping::contact::contact_from_wire(obj)?),
        Resource::Lead => Record::Lead(mapping::lead::lead_from_wire(obj)?),
        Resource::Deal => Record::Deal(mapping::deal::deal_from_wire(obj)?),
        Resource::Meeting => Record::Meeting(mapping::meeting::meeting_from_wire(obj)?),
        Resource::Account => Record::Account(mapping::account::account_from_wire(obj)?),
    })
}

/// An id a user gave for `resource`: must be a well-formed id of that object, else the record
/// cannot exist (Salesforce itself answers 404 for such paths). Never sent anywhere unchecked.
fn checked_id(resource: Resource, id: &str) -> Result<String> {
    let object = object_of(resource);
    soql::validate_id_of("id", id, object)
        .map(str::to_owned)
        .map_err(|_| {
            Error::not_found(format!(
                "no Salesforce {} has the id {id:?}",
                object.api_name()
            ))
        })
}

/// Names the unified fields in a provider validation error (the provider's own field names stay
/// in its details).
fn with_unified_fields(resource: Resource, error: Error) -> Error {
    match error {
        Error::InvalidInput {
            reason,
            provider: Some(details),
            ..
        } if !details.fields.is_empty() => {
            let object = object_of(resource);
            let fields: Vec<String> = details
                .fields
                .iter()
                .map(|f| {
                    mapping::unified_field(object, f)
                        .map(str::to_owned)
                        .unwrap_or_else(|| f.clone())
                })
                .collect();
            Error::InvalidInput {
                field: fields.join(","),
                reason,
                provider: Some(details),
            }
        }
        other => other,
    }
}

fn soql_error(e: soql::SoqlError) -> Error {
    Error::invalid(e.field, e.reason)
}

impl Salesforce {
    async fn read(&self, client: &Client, resource: Resource, id: &str) -> Result<Record> {
        let object = object_of(resource);
        let select = Select::new(object, select_fields(resource))
            .map_err(soql_error)?
            .with_custom_fields()
            .filter(Condition::Eq("Id".into(), Literal::Id(id.to_owned())))
            .limit(1);
        let result = client.query(&select.to_soql()).await?;
        let obj = result.records.into_iter().next().ok_or_else(|| {
            Error::not_found(format!(
                "no Salesforce {} has the id {id}",
                object.api_name()
            ))
        })?;
        record_from_wire_owned(resource, obj)
    }

    /// A lead's `contact_id` / `account_id` are set by conversion and read only: a patch that
    /// carries them back unchanged (a record read, edited, written) is accepted without them; a
    /// different value is refused by the mapping.
    async fn drop_unchanged_read_only(
        &self,
        client: &Client,
        id: &str,
        patch: Record,
    ) -> Result<Record> {
        let Record::Lead(mut lead) = patch else {
            return Ok(patch);
        };
        if lead.contact_id.is_none() && lead.account_id.is_none() {
            return Ok(Record::Lead(lead));
        }
        let Record::Lead(current) = self.read(client, Resource::Lead, id).await? else {
            return Err(Error::Internal(
                "a lead read answered another resource".into(),
            ));
        };
        if lead.contact_id == current.contact_id {
            lead.contact_id = None;
        }
        if lead.account_id == current.account_id {
            lead.account_id = None;
        }
        Ok(Record::Lead(lead))
    }

    /// Replaces a contact's `"Account": {"Name": …}` with the `AccountId` of that Account.
    async fn link_company(&self, client: &Client, body: &mut Map<String, Value>) -> Result<()> {
        let Some(account) = body.remove("Account") else {
            return Ok(());
        };
        let Some(name) = account.get("Name").and_then(Value::as_str) else {
            return Err(Error::invalid(
                "company_name",
                "must be the name of a Salesforce Account",
            ));
        };
        let select = Select::new(SObjectType::Account, ["Id", "Name"])
            .map_err(soql_error)?
            .filter(Condition::Eq("Name".into(), Literal::Text(name.to_owned())))
            .order_by(["CreatedDate", "Id"])
            .map_err(soql_error)?
            .limit(1);
        let found = client.query(&select.to_soql()).await?;
        let id = match found
            .records
            .first()
            .and_then(|r| r.get("Id"))
            .and_then(Value::as_str)
        {
            Some(id) => id.to_owned(),
            None => match client.settings()?.company_account {
                CompanyAccount::LinkOrCreate => {
                    let mut account = Map::new();
                    account.insert("Name".into(), Value::String(name.to_owned()));
                    client.create(SObjectType::Account, account).await?.id
                }
                CompanyAccount::LinkOnly => {
                    return Err(Error::invalid(
                        "company_name",
                        format!(
                            "no Salesforce Account is named {name:?} and this account is set \
                             to link_only; create the Account first or send account_ids"
                        ),
                    ))
                }
            },
        };
        body.insert("AccountId".into(), Value::String(id));
        Ok(())
    }
}

#[async_trait::async_trait]
impl Connector for Salesforce {
    fn info(&self) -> &'static ConnectorInfo {
        &INFO
    }

    async fn create(&self, cx: &Context, record: Record) -> Result<Record> {
        let resource = record.resource();
        INFO.check(resource, Operation::Create)?;
        let mut body = record_to_wire(&record, Write::Create)?;
        let client = Client::new(cx)?;
        self.link_company(&client, &mut body).await?;
        let saved = client
            .create(object_of(resource), body)
            .await
            .map_err(|e| with_unified_fields(resource, e))?;
        self.read(&client, resource, &saved.id).await
    }

    async fn get(&self, cx: &Context, resource: Resource, id: &str) -> Result<Record> {
        INFO.check(resource, Operation::Get)?;
        let id = checked_id(resource, id)?;
        let client = Client::new(cx)?;
        self.read(&client, resource, &id).await
    }

    async fn list(&self, cx: &Context, resource: Resource, q: &ListQuery) -> Result<Page<Record>> {
        INFO.check(resource, Operation::List)?;
        let object = object_of(resource);
        let page_size = INFO.page_size(q.page_size) as usize;
        let mut conditions = Vec::new();
        if let Some(after) = q.updated_after {
            conditions.push(Condition::Ge(
                "SystemModstamp".into(),
                Literal::DateTime(after),
            ));
        }
        if let Some(cursor) = &q.cursor {
            let cursor = KeysetCursor::decode(cursor, object).map_err(soql_error)?;
            conditions.push(cursor.condition());
        }
        let mut select = Select::new(object, select_fields(resource))
            .map_err(soql_error)?
            .with_custom_fields()
            .order_by(["SystemModstamp", "Id"])
            .map_err(soql_error)?
            .limit(page_size as u32 + 1);
        if !conditions.is_empty() {
            select = select.filter(if conditions.len() == 1 {
                conditions.remove(0)
            } else {
                Condition::And(conditions)
            });
        }
        let client = Client::new(cx)?;
        let mut result = client.query(&select.to_soql()).await?;
        let mut rows = std::mem::take(&mut result.records);
        // Salesforce may answer a smaller batch than asked; follow nextRecordsUrl to fill the page.
        while rows.len() <= page_size && !result.done {
            let Some(next) = result.next_records_url.take() else {
                break;
            };
            result = client.query_more(&next).await?;
            rows.append(&mut result.records);
        }
        let more = rows.len() > page_size;
        rows.truncate(page_size);
        let next_cursor = match (more, rows.last()) {
            (true, Some(last)) => Some(cursor_after(object, last)?.encode()),
            _ => None,
        };
        let items = rows
            .into_iter()
            .map(|obj| record_from_wire_owned(resource, obj))
            .collect::<Result<Vec<_>>>()?;
        Ok(Page { items, next_cursor })
    }

    async fn update(&self, cx: &Context, id: &str, patch: Record) -> Result<Record> {
        let resource = patch.resource();
        INFO.check(resource, Operation::Update)?;
        let id = checked_id(resource, id)?;
        let client = Client::new(cx)?;
        let patch = self.drop_unchanged_read_only(&client, &id, patch).await?;
        let mut body = record_to_wire(&patch, Write::Update)?;
        self.link_company(&client, &mut body).await?;
        if !body.is_empty() {
            client
                .update(object_of(resource), &id, body)
                .await
                .map_err(|e| with_unified_fields(resource, e))?;
        }
        self.read(&client, resource, &id).await
    }

    async fn delete(&self, cx: &Context, resource: Resource, id: &str) -> Result<()> {
        INFO.check(resource, Operation::Delete)?;
        let id = checked_id(resource, id)?;
        Client::new(cx)?.delete(object_of(resource), &id).await
    }

    async fn custom_field_definitions(
        &self,
        cx: &Context,
        resource: Resource,
    ) -> Result<Vec<CustomFieldDefinition>> {
        let describe = Client::new(cx)?.describe(object_of(resource)).await?;
        Ok(crate::mapping::definitions::custom_field_definitions_from_describe(&describe))
    }

    /// A token answer's `instance_url` becomes the account's instance, checked like any
    /// Salesforce instance URL (a sandbox account's is the emulator's). Salesforce does not say
    /// when the new session expires (its session timeout), so the expiry stays unknown.
    fn oauth_token_extras(
        &self,
        cx: &Context,
        extras: &Map<String, Value>,
        fresh: &mut Credentials,
    ) -> Result<()> {
        let Some(instance) = extras.get("instance_url").and_then(Value::as_str) else {
            return Err(Error::Provider(Box::new(
                unicrm_core::ProviderDetails::new(ID, 200, "the token answer has no instance_url"),
            )));
        };
        fresh.instance_url = Some(if cx.sandbox {
            instance.trim_end_matches('/').to_owned()
        } else {
            check_salesforce_url("instance_url", instance)?
        });
        Ok(())
    }

    fn to_provider(&self, record: &Record) -> Result<Value> {
        record_to_wire(record, Write::Create).map(Value::Object)
    }

    fn from_provider(&self, resource: Resource, payload: &Value) -> Result<Record> {
        record_from_wire(resource, mapping::expect_object(payload)?)
    }

    fn from_provider_owned(&self, resource: Resource, payload: Value) -> Result<Record> {
        match payload {
            Value::Object(obj) => record_from_wire_owned(resource, obj),
            other => self.from_provider(resource, &other),
        }
    }
}

/// The keyset cursor after the last row of a page.
fn cursor_after(object: SObjectType, row: &SObject) -> Result<KeysetCursor> {
    let text = |field: &str| row.get(field).and_then(Value::as_str);
    let (Some(id), Some(stamp)) = (text("Id"), text("SystemModstamp")) else {
        return Err(Error::Internal(
            "a listed Salesforce row lacks Id or SystemModstamp".into(),
        ));
    };
    let after_modstamp: DateTime<Utc> =
        unicrm_core::convert::parse_timestamp("SystemModstamp", stamp)?;
    Ok(KeysetCursor {
        object: object.api_name().to_owned(),
        after_modstamp,
        after_id: id.to_owned(),
    })
}
