//! HTTP only: request builders, sending through core's shared path, OAuth refresh, paging.
//! Never builds unified types.
//!
//! Every call goes to `{api_domain}/crm/v8/…` with `Authorization: Zoho-oauthtoken <token>`.
//! Tokens are refreshed by the caller, never inside a call: core's one grant
//! (`unicrm_core::raw::oauth`) at the data centre's accounts server (`POST /oauth/v2/token`),
//! whose answer's `api_domain` the connector's hook checks and keeps.

use chrono::{DateTime, Utc};
use http::Method;
use serde_json::{json, Value};
use unicrm_core::http::{Auth, ProviderRequest, ProviderResponse};
use unicrm_core::{Context, Error, ProviderDetails, Result};

use crate::config::{Settings, ID};
use crate::error::{action_error, parse_error};
use crate::wire::{
    ActionResponse, FieldMeta, FieldsResponse, Info, Module, RecordsResponse, User, UsersResponse,
    ZohoRecord,
};

/// The authorization scheme Zoho wants ("Authorization: Zoho-oauthtoken <access_token>").
pub const AUTH: Auth = Auth::Scheme("Zoho-oauthtoken");

/// Largest page Zoho serves (`per_page` "Maximum is 200").
pub const MAX_PER_PAGE: u32 = 200;

/// Largest number of field API names in `fields=` (`LIMIT_EXCEEDED`, `limit: 50`).
pub const MAX_FIELDS: usize = 50;

/// One page of a list.
#[derive(Debug, Clone, Default)]
pub struct ListPage {
    /// The records (empty when Zoho answered 204).
    pub records: Vec<ZohoRecord>,
    /// Paging information.
    pub info: Info,
}

/// A Zoho CRM client for one call of the connector.
pub struct Client {
    cx: Context,
    settings: Settings,
}

impl Client {
    /// A client for `cx` (hosts and settings checked here).
    pub fn new(cx: &Context) -> Result<Client> {
        let settings = Settings::from_context(cx)?;
        Ok(Client {
            cx: cx.clone(),
            settings,
        })
    }

    /// The settings in effect.
    pub fn settings(&self) -> Result<Settings> {
        Ok(self.settings.clone())
    }

    /// Sends a call under `/crm/v8` with the context's token as it is: an expired token is the
    /// caller's to refresh first (`Connector::refresh_credentials`), so a rotated token is
    /// never lost inside a call.
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        headers: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<ProviderResponse> {
        let url = self.settings.crm_url(path);
        let mut req = ProviderRequest::new(ID, method, url).auth(AUTH);
        for (k, v) in query {
            req = req.query(*k, v.clone());
        }
        for (k, v) in headers {
            req = req.header(*k, v.clone());
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        // The retry policy asks `parse_error` whether a 429 is temporary (API credits are not).
        self.cx.send(req.errors_with(parse_error)).await
    }

    fn ok(response: ProviderResponse) -> Result<ProviderResponse> {
        if response.is_success() {
            Ok(response)
        } else {
            Err(parse_error(
                response.status,
                &response.headers,
                &response.body,
            ))
        }
    }

    /// The single result of a create/update/delete answer; a per-record error (inside a 2xx or
    /// 400 wrapper) becomes its error kind.
    fn single_result(response: &ProviderResponse) -> Result<crate::wire::ActionResult> {
        let parsed: Option<ActionResponse> = serde_json::from_slice(&response.body).ok();
        let Some(first) = parsed.and_then(|p| p.data.into_iter().next()) else {
            if response.is_success() {
                return Err(Error::Provider(Box::new(
                    ProviderDetails::new(
                        ID,
                        response.status,
                        "Zoho answered without a result for the record",
                    )
                    .body(Some(response.body_value())),
                )));
            }
            return Err(parse_error(
                response.status,
                &response.headers,
                &response.body,
            ));
        };
        if first.is_success() && response.is_success() {
            Ok(first)
        } else if !first.is_success() {
            Err(action_error(
                response.status,
                &response.headers,
                &first,
                response.body_value(),
            ))
        } else {
            Err(parse_error(
                response.status,
                &response.headers,
                &response.body,
            ))
        }
    }

    /// `GET /crm/v8/{module}/{id}` → the record, or `None` when Zoho answers 204 (no record).
    pub async fn get_record(&self, module: Module, id: &str) -> Result<Option<ZohoRecord>> {
        let response = self
            .call(
                Method::GET,
                &format!("/{}/{id}", module.api_name()),
                &[],
                &[],
                None,
            )
            .await?;
        if response.status == 204 || response.body.is_empty() && response.is_success() {
            return Ok(None);
        }
        let page: RecordsResponse = Self::ok(response)?.json()?;
        Ok(page.data.into_iter().next())
    }

    /// `GET /crm/v8/{module}?fields=…&per_page=…[&page_token=…]` with `If-Modified-Since` when
    /// `modified_since` is given. A 204 is an empty last page.
    pub async fn list(
        &self,
        module: Module,
        fields: &[String],
        per_page: u32,
        page_token: Option<&str>,
        modified_since: Option<DateTime<Utc>>,
    ) -> Result<ListPage> {
        let mut query = vec![
            ("fields", fields.join(",")),
            ("per_page", per_page.to_string()),
            ("sort_by", "id".to_owned()),
            ("sort_order", "asc".to_owned()),
        ];
        if let Some(token) = page_token {
            query.push(("page_token", token.to_owned()));
        }
        let mut headers = Vec::new();
        if let Some(since) = modified_since {
            // "If-Modified-Since: 2019-07-25T15:26:49+05:30" (ISO 8601).
            headers.push((
                "If-Modified-Since",
                since.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            ));
        }
        let response = self
            .call(
                Method::GET,
                &format!("/{}", module.api_name()),
                &query,
                &headers,
                None,
            )
            .await?;
        if response.status == 204 || response.status == 304 {
            return Ok(ListPage::default());
        }
        let page: RecordsResponse = Self::ok(response)?.json()?;
        Ok(ListPage {
            records: page.data,
            info: page.info.unwrap_or_default(),
        })
    }

    /// `GET /crm/v8/{module}/search?criteria=(Field:equals:value)` → the matching records.
    pub async fn search_equals(
        &self,
        module: Module,
        field: &str,
        value: &str,
    ) -> Result<Vec<ZohoRecord>> {
        let criteria = format!("({field}:equals:{})", escape_criteria(value));
        let response = self
            .call(
                Method::GET,
                &format!("/{}/search", module.api_name()),
                &[("criteria", criteria), ("per_page", "2".to_owned())],
                &[],
                None,
            )
            .await?;
        if response.status == 204 {
            return Ok(Vec::new());
        }
        let page: RecordsResponse = Self::ok(response)?.json()?;
        Ok(page.data)
    }

    /// `POST /crm/v8/{module}` with `{"data": [record]}` → the new record's id.
    pub async fn insert(&self, module: Module, record: ZohoRecord) -> Result<String> {
        let body = json!({ "data": [Value::Object(record)] });
        let response = self
            .call(
                Method::POST,
                &format!("/{}", module.api_name()),
                &[],
                &[],
                Some(body),
            )
            .await?;
        let result = Self::single_result(&response)?;
        result.id().ok_or_else(|| {
            Error::Provider(Box::new(
                ProviderDetails::new(
                    ID,
                    response.status,
                    "Zoho answered no id for the new record",
                )
                .body(Some(response.body_value())),
            ))
        })
    }

    /// `PUT /crm/v8/{module}/{id}` with `{"data": [record]}`.
    pub async fn update(&self, module: Module, id: &str, record: ZohoRecord) -> Result<()> {
        let body = json!({ "data": [Value::Object(record)] });
        let response = self
            .call(
                Method::PUT,
                &format!("/{}/{id}", module.api_name()),
                &[],
                &[],
                Some(body),
            )
            .await?;
        Self::single_result(&response).map(|_| ())
    }

    /// `DELETE /crm/v8/{module}/{id}`.
    pub async fn delete(&self, module: Module, id: &str) -> Result<()> {
        let response = self
            .call(
                Method::DELETE,
                &format!("/{}/{id}", module.api_name()),
                &[],
                &[],
                None,
            )
            .await?;
        Self::single_result(&response).map(|_| ())
    }

    /// `GET /crm/v8/users/{id}` → the user, or `None` when Zoho answers 204.
    pub async fn user(&self, id: &str) -> Result<Option<User>> {
        let response = self
            .call(Method::GET, &format!("/users/{id}"), &[], &[], None)
            .await?;
        if response.status == 204 {
            return Ok(None);
        }
        let users: UsersResponse = Self::ok(response)?.json()?;
        Ok(users.users.into_iter().next())
    }

    /// `GET /crm/v8/settings/fields?module={module}` → the module's fields.
    pub async fn fields(&self, module: Module) -> Result<Vec<FieldMeta>> {
        let response = self
            .call(
                Method::GET,
                "/settings/fields",
                &[("module", module.api_name().to_owned())],
                &[],
                None,
            )
            .await?;
        let fields: FieldsResponse = Self::ok(response)?.json()?;
        Ok(fields.fields)
    }
}

/// Escapes a value inside search criteria: Zoho wants `(`, `)` and `,` escaped with `\`.
pub fn escape_criteria(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '(' | ')' | ',' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
