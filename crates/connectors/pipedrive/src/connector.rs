//! `impl Connector for Pipedrive`: thin dispatch between the client (HTTP) and the mapping (pure),
//! plus the steps Pipedrive's shapes need around a write: a company name becomes an
//! organization, a lead's person fields become (or update) its person, a contact's `deal_ids`
//! become the deals' `person_id`.

use std::borrow::Cow;

use async_trait::async_trait;
use serde_json::Value;
use unicrm_core::raw::oauth::{ClientAuth, OAuthEndpoints, TokenUrl};
use unicrm_core::{
    AuthKind, Capability, Connector, ConnectorInfo, Context, Credentials, CustomFieldDefinition,
    ListQuery, Operation, Page, Record, Resource, Result,
};

use crate::client::{self, PdObject};
use crate::config::{self, ID};
use crate::mapping::record::{check_write, unify_error};
pub use crate::mapping::record::{
    object_of, record_from_wire, record_from_wire_owned, record_to_wire, unified_field,
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
.with_page_limits(config::DEFAULT_PAGE_SIZE, config::PAGE_MAX)
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
}

#[async_trait]
impl Connector for Pipedrive {
    fn info(&self) -> &'static ConnectorInfo {
        &INFO
    }

    async fn create(&self, cx: &Context, record: Record) -> Result<Record> {
        let resource = record.resource();
        async {
            INFO.check(resource, Operation::Create)?;
            check_write(&record, true)?;
            let cx = self.prepare(cx)?;
            self.create_record(&cx, record).await
        }
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
        self.list_records(&cx, resource, q).await
    }

    async fn update(&self, cx: &Context, id: &str, patch: Record) -> Result<Record> {
        let resource = patch.resource();
        async {
            INFO.check(resource, Operation::Update)?;
            check_write(&patch, false)?;
            let cx = self.prepare(cx)?;
            self.update_record(&cx, id, patch).await
        }
        .await
        .map_err(|e| unify_error(resource, e))
    }

    async fn delete(&self, cx: &Context, resource: Resource, id: &str) -> Result<()> {
        INFO.check(resource, Operation::Delete)?;
        let cx = self.prepare(cx)?;
        self.delete_record(&cx, resource, id).await
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
        Ok(crate::mapping::definitions::definitions_from_wire(&fields))
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
