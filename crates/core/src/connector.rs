//! The [`Connector`] trait every provider crate implements, and what a connector declares about
//! itself ([`ConnectorInfo`]).

use crate::context::Context;
use crate::error::{Error, Result};
use crate::model::{
    Account, Contact, CustomFieldDefinition, Deal, Lead, ListQuery, Meeting, Operation, Page,
    Record, Resource,
};
use serde::Serialize;
use serde_json::Value;

/// How a connector authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuthKind {
    /// A static bearer token (private-app token, personal access token).
    BearerToken,
    /// OAuth 2.0 access token, refreshed with a refresh token.
    OAuth2,
    /// An API key (header, query or Basic user name).
    ApiKey,
}

/// What a connector can do with one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capability {
    /// The resource.
    pub resource: Resource,
    /// Supported operations.
    pub operations: &'static [Operation],
    /// Unified fields (core model names, e.g. `first_name`, `emails`, `owner`) the connector maps
    /// both ways for this resource. The conformance suite checks that each survives a round trip.
    pub fields: &'static [&'static str],
}

/// What a connector declares about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ConnectorInfo {
    /// Stable id (`hubspot`), used in URLs, features and the registry.
    pub id: &'static str,
    /// Human name (`HubSpot`).
    pub display_name: &'static str,
    /// Resources × operations supported.
    pub capabilities: &'static [Capability],
    /// Accepted credential kinds.
    pub auth: &'static [AuthKind],
    /// Base URL of the real provider API.
    pub default_base_url: &'static str,
    /// The provider's published per-account quota: at most `.0` calls per `.1`. `None` when the
    /// provider publishes none (the gateway then does not throttle itself).
    pub rate_limit: Option<(u32, std::time::Duration)>,
    /// The domains a live account's calls may go to (`hubapi.com`, `zohoapis.eu` …): a host
    /// matches a domain it is or ends with `.` + it. Empty: only the exact host of
    /// `default_base_url`. Checked by [`crate::raw::hosts`] for the connector and the gateway.
    pub api_domains: &'static [&'static str],
    /// Checks of the conformance suite (`unicrm-testkit`) this connector is known to fail, as
    /// `(check name, why)`: tracked limitations of the provider's API or of the connector.
    /// Declared here once; the suite reports them as skipped and fails when one passes again
    /// or names no check (so the list cannot go stale). Empty by default.
    #[serde(skip)]
    pub known_gaps: &'static [(&'static str, &'static str)],
    /// Fields the provider keeps unique per resource, as `(resource, unified field)`: a second
    /// create with the same value is refused, and the connector answers [`Error::Conflict`]
    /// (checked by the conformance suite). Empty when the provider has no uniqueness rule.
    #[serde(skip)]
    pub unique_fields: &'static [(Resource, &'static str)],
    /// The page size of a list when the caller asks for none (100 unless declared).
    #[serde(skip)]
    pub default_page_size: u32,
    /// The largest page the provider answers (100 unless declared): a larger `page_size` is
    /// served as this many records (see [`ConnectorInfo::page_size`]).
    #[serde(skip)]
    pub max_page_size: u32,
    /// The provider's OAuth 2.0 endpoints and default scopes, when it offers OAuth: the
    /// refresh grant of [`Connector::refresh_credentials`] uses them, the connect flow the
    /// authorization URL and scopes. `None`: the credentials cannot be refreshed.
    pub oauth: Option<crate::raw::oauth::OAuthEndpoints>,
}

impl ConnectorInfo {
    /// Builds an info (for `const`/`static` use in connector crates).
    pub const fn new(
        id: &'static str,
        display_name: &'static str,
        capabilities: &'static [Capability],
        auth: &'static [AuthKind],
        default_base_url: &'static str,
    ) -> Self {
        ConnectorInfo {
            id,
            display_name,
            capabilities,
            auth,
            default_base_url,
            rate_limit: None,
            api_domains: &[],
            known_gaps: &[],
            unique_fields: &[],
            default_page_size: 100,
            max_page_size: 100,
            oauth: None,
        }
    }

    /// Declares the provider's page limits: `default` records when the caller asks for no page
    /// size, at most `max` (a `max` below `default` is raised to it).
    pub const fn with_page_limits(mut self, default: u32, max: u32) -> Self {
        let default = if default == 0 { 1 } else { default };
        self.default_page_size = default;
        self.max_page_size = if max < default { default } else { max };
        self
    }

    /// The page size to ask the provider for: `requested`, else the default, within
    /// `1..=max_page_size`.
    pub fn page_size(&self, requested: Option<u32>) -> u32 {
        requested
            .unwrap_or(self.default_page_size)
            .clamp(1, self.max_page_size.max(1))
    }

    /// Declares the provider's OAuth 2.0 endpoints and scopes (see [`ConnectorInfo::oauth`]).
    pub const fn with_oauth(mut self, endpoints: crate::raw::oauth::OAuthEndpoints) -> Self {
        self.oauth = Some(endpoints);
        self
    }

    /// Declares the provider's API domains (see [`ConnectorInfo::api_domains`]).
    pub const fn with_api_domains(mut self, domains: &'static [&'static str]) -> Self {
        self.api_domains = domains;
        self
    }

    /// Declares the conformance checks this connector is known to fail, with why (see
    /// [`ConnectorInfo::known_gaps`]).
    pub const fn with_known_gaps(mut self, gaps: &'static [(&'static str, &'static str)]) -> Self {
        self.known_gaps = gaps;
        self
    }

    /// Declares the provider's uniqueness rules (see [`ConnectorInfo::unique_fields`]).
    pub const fn with_unique_fields(mut self, fields: &'static [(Resource, &'static str)]) -> Self {
        self.unique_fields = fields;
        self
    }

    /// Declares the provider's published per-account quota: `calls` per `per`.
    pub const fn with_rate_limit(mut self, calls: u32, per: std::time::Duration) -> Self {
        self.rate_limit = Some((calls, per));
        self
    }

    /// The capability entry of `resource`, if the connector handles it at all.
    pub fn capability(&self, resource: Resource) -> Option<&Capability> {
        self.capabilities.iter().find(|c| c.resource == resource)
    }

    /// Whether `operation` on `resource` is supported.
    pub fn supports(&self, resource: Resource, operation: Operation) -> bool {
        self.capability(resource)
            .is_some_and(|c| c.operations.contains(&operation))
    }

    /// `Ok(())` when supported, else the `Unsupported` error to return.
    pub fn check(&self, resource: Resource, operation: Operation) -> Result<()> {
        if self.supports(resource, operation) {
            Ok(())
        } else {
            Err(Error::unsupported(self.id, resource, operation))
        }
    }
}

/// A CRM provider. Object safe: the registry hands out `Arc<dyn Connector>`.
///
/// Every operation has a default that answers [`Error::Unsupported`], so a connector implements
/// what its provider can do and declares the same in [`ConnectorInfo::capabilities`].
#[async_trait::async_trait]
pub trait Connector: Send + Sync + 'static {
    /// What this connector is and supports.
    fn info(&self) -> &'static ConnectorInfo;

    /// Creates a record; answers the record as the provider stored it.
    async fn create(&self, cx: &Context, record: Record) -> Result<Record> {
        let _ = cx;
        Err(Error::unsupported(
            self.info().id,
            record.resource(),
            Operation::Create,
        ))
    }

    /// Reads one record.
    async fn get(&self, cx: &Context, resource: Resource, id: &str) -> Result<Record> {
        let _ = (cx, id);
        Err(Error::unsupported(self.info().id, resource, Operation::Get))
    }

    /// Lists one page of records.
    async fn list(
        &self,
        cx: &Context,
        resource: Resource,
        query: &ListQuery,
    ) -> Result<Page<Record>> {
        let _ = (cx, query);
        Err(Error::unsupported(
            self.info().id,
            resource,
            Operation::List,
        ))
    }

    /// Changes the fields set in `patch` (fields left `None` are untouched); answers the record.
    async fn update(&self, cx: &Context, id: &str, patch: Record) -> Result<Record> {
        let _ = (cx, id);
        Err(Error::unsupported(
            self.info().id,
            patch.resource(),
            Operation::Update,
        ))
    }

    /// Deletes (archives) a record.
    async fn delete(&self, cx: &Context, resource: Resource, id: &str) -> Result<()> {
        let _ = (cx, id);
        Err(Error::unsupported(
            self.info().id,
            resource,
            Operation::Delete,
        ))
    }

    /// The provider's custom field definitions of a resource.
    async fn custom_field_definitions(
        &self,
        cx: &Context,
        resource: Resource,
    ) -> Result<Vec<CustomFieldDefinition>> {
        let _ = cx;
        Err(Error::unsupported(
            self.info().id,
            resource,
            Operation::List,
        ))
    }

    /// Looks for the record a create of `record` made, when the create was sent at or after
    /// `since` and its answer was lost (so it may or may not have landed). Called before such a
    /// create is ever sent again; must only read.
    ///
    /// The default, [`crate::lookup::find_by_natural_key`], lists the records changed since
    /// `since` and matches the record's natural key and creation time; a connector whose
    /// provider can look records up more directly (a search by e-mail, a marker the create
    /// sets) overrides it with the same rules.
    async fn find_created(
        &self,
        cx: &Context,
        record: &Record,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::lookup::Lookup> {
        crate::lookup::find_by_natural_key(self, cx, record, since).await
    }

    /// Exchanges the account's OAuth refresh token for fresh credentials at the provider's token
    /// endpoint. Answers the complete new credentials (keeping what the provider did not rotate);
    /// the caller stores them. A revoked or missing refresh token is `Unauthorized`.
    ///
    /// The default is the one refresh-token grant, [`crate::raw::oauth::refresh`], on the
    /// endpoints declared in [`ConnectorInfo::oauth`] (none declared: `Unauthorized`). A
    /// connector adapts it with [`Connector::oauth_token_host`] and
    /// [`Connector::oauth_token_extras`] instead of sending a grant of its own.
    async fn refresh_credentials(&self, cx: &Context) -> Result<crate::Credentials> {
        crate::raw::oauth::refresh(self, cx).await
    }

    /// The host (scheme and host) of the token endpoint when the connector declares
    /// [`TokenUrl::OnConnectorHost`](crate::raw::oauth::TokenUrl::OnConnectorHost): derived from
    /// the account (Zoho: the accounts server of its data centre). Checked against
    /// [`ConnectorInfo::api_domains`] by the caller. The default refuses.
    fn oauth_token_host(&self, cx: &Context) -> Result<String> {
        let _ = cx;
        Err(Error::Internal(format!(
            "{} declares a token endpoint on a host of its own but does not name it",
            self.info().id
        )))
    }

    /// Reads what the provider adds to a token answer into the refreshed credentials `fresh`
    /// (Salesforce `instance_url`, Zoho `api_domain`), checking any host it names the way the
    /// connector checks hosts. `extras` is the answer less `access_token`, `refresh_token` and
    /// `expires_in`. The default ignores them.
    fn oauth_token_extras(
        &self,
        cx: &Context,
        extras: &serde_json::Map<String, Value>,
        fresh: &mut crate::Credentials,
    ) -> Result<()> {
        let _ = (cx, extras, fresh);
        Ok(())
    }

    /// Pure mapping: the provider request body a create of `record` sends (no I/O).
    fn to_provider(&self, record: &Record) -> Result<Value>;

    /// Pure mapping: the unified record a provider payload of `resource` becomes (no I/O).
    #[allow(clippy::wrong_self_convention)] // a mapping direction, not a constructor
    fn from_provider(&self, resource: Resource, payload: &Value) -> Result<Record>;

    /// Pure mapping like [`Connector::from_provider`], taking the payload by value: a connector
    /// that keeps the payload as the record's `raw` can move it there instead of copying it (a
    /// list page, an export). The default borrows and drops; the result must be the same.
    #[allow(clippy::wrong_self_convention)] // a mapping direction, not a constructor
    fn from_provider_owned(&self, resource: Resource, payload: Value) -> Result<Record> {
        self.from_provider(resource, &payload)
    }
}

macro_rules! typed {
    ($create:ident, $get:ident, $update:ident, $t:ident, $res:expr) => {
        #[doc = concat!("Creates a ", stringify!($t), " (typed [`Connector::create`]).")]
        pub async fn $create(&self, cx: &Context, record: $t) -> Result<$t> {
            self.create(cx, record.into()).await?.try_into()
        }
        #[doc = concat!("Reads a ", stringify!($t), " (typed [`Connector::get`]).")]
        pub async fn $get(&self, cx: &Context, id: &str) -> Result<$t> {
            self.get(cx, $res, id).await?.try_into()
        }
        #[doc = concat!("Updates a ", stringify!($t), " (typed [`Connector::update`]).")]
        pub async fn $update(&self, cx: &Context, id: &str, patch: $t) -> Result<$t> {
            self.update(cx, id, patch.into()).await?.try_into()
        }
    };
}

/// Typed conveniences for embedding services (`create_contact`, `get_deal` …).
impl dyn Connector {
    /// For an embedding service (the gateway has its own, with leases): when the account's
    /// access token is due ([`crate::raw::oauth::is_due`]: missing, or expiring within
    /// [`crate::raw::oauth::REFRESH_MARGIN`]), refreshes it through
    /// [`Connector::refresh_credentials`] and answers the new credentials, which the caller
    /// must store before using them (a rotated refresh token replaces the old one, which the
    /// provider may no longer accept) and put into its [`Context`]; `None` when nothing was due.
    /// One refresh at a time per account is the caller's to ensure.
    pub async fn refresh_if_due(&self, cx: &Context) -> Result<Option<crate::Credentials>> {
        if !crate::raw::oauth::is_due(&cx.credentials, chrono::Utc::now()) {
            return Ok(None);
        }
        self.refresh_credentials(cx).await.map(Some)
    }

    typed!(
        create_contact,
        get_contact,
        update_contact,
        Contact,
        Resource::Contact
    );
    typed!(create_lead, get_lead, update_lead, Lead, Resource::Lead);
    typed!(create_deal, get_deal, update_deal, Deal, Resource::Deal);
    typed!(
        create_meeting,
        get_meeting,
        update_meeting,
        Meeting,
        Resource::Meeting
    );
    typed!(
        create_account,
        get_account,
        update_account,
        Account,
        Resource::Account
    );
}

#[cfg(test)]
mod page_limit_tests {
    use super::*;

    #[test]
    fn page_sizes_default_and_clamp_to_the_declared_limits() {
        const INFO: ConnectorInfo =
            ConnectorInfo::new("p", "P", &[], &[], "https://p.example").with_page_limits(50, 200);
        assert_eq!(INFO.page_size(None), 50);
        assert_eq!(INFO.page_size(Some(0)), 1);
        assert_eq!(INFO.page_size(Some(150)), 150);
        assert_eq!(INFO.page_size(Some(5000)), 200);
        let undeclared = ConnectorInfo::new("p", "P", &[], &[], "https://p.example");
        assert_eq!(
            (undeclared.page_size(None), undeclared.page_size(Some(500))),
            (100, 100)
        );
        // A max below the default is raised to it.
        let odd =
            ConnectorInfo::new("p", "P", &[], &[], "https://p.example").with_page_limits(100, 10);
        assert_eq!(odd.max_page_size, 100);
    }
}
