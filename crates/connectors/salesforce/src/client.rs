//! HTTP only: request builders, sending through core's shared path, OAuth refresh, query paging.
//! Never builds unified types.
//!
//! Every REST call goes to `{instance_url}/services/data/{api_version}/…` with
//! `Authorization: Bearer`. Sessions are renewed by the caller, never inside a call: core's one
//! grant (`unicrm_core::raw::oauth`) at `POST {login}/services/oauth2/token`, whose answer's
//! `instance_url` the connector's hook checks and keeps.

use http::Method;
use serde_json::{Map, Value};
use unicrm_core::http::{ProviderRequest, ProviderResponse};
use unicrm_core::{Context, Error, ProviderDetails, Result};

use crate::config::{Settings, ID};
use crate::error::parse_error;
use crate::wire::{DescribeSObjectResult, LimitInfo, QueryResult, SObjectType, SaveResult};

/// Salesforce's short-lived throttling answer: `403 REQUEST_LIMIT_EXCEEDED` for a concurrency
/// limit ("ConcurrentPerOrgLongTxn Limit exceeded."), which frees up within seconds, so the core
/// retry policy retries idempotent calls like a 429. The daily quota ("TotalRequests Limit
/// exceeded.") only frees up as the 24-hour window moves: it is answered at once as
/// `RateLimited`, never retried.
pub fn is_request_limit(response: &ProviderResponse) -> bool {
    response.status == 403
        && serde_json::from_slice::<Vec<crate::wire::ApiError>>(&response.body).is_ok_and(
            |errors| {
                errors.iter().any(|e| {
                    e.error_code == "REQUEST_LIMIT_EXCEEDED" && e.message.starts_with("Concurrent")
                })
            },
        )
}

/// Where a call goes, relative to the current instance (the instance may change on refresh).
#[derive(Debug, Clone)]
enum Target {
    /// Under `/services/data/{version}`: e.g. `/sobjects/Contact/`.
    Data(String),
    /// An absolute path on the instance, e.g. a `nextRecordsUrl`.
    Instance(String),
}

/// A Salesforce REST client for one call of the connector.
pub struct Client {
    cx: Context,
    settings: Settings,
}

impl Client {
    /// A client for `cx` (settings and instance URL checked here).
    pub fn new(cx: &Context) -> Result<Client> {
        let settings = Settings::from_context(cx)?;
        Ok(Client {
            cx: cx.clone(),
            settings,
        })
    }

    /// The settings in effect (instance URL included).
    pub fn settings(&self) -> Result<Settings> {
        Ok(self.settings.clone())
    }

    fn url(&self, target: &Target) -> String {
        match target {
            Target::Data(path) => format!("{}{path}", self.settings.data_url),
            Target::Instance(path) => format!("{}{path}", self.settings.instance_url),
        }
    }

    /// Sends a call with the context's session as it is. An expired session (`401
    /// INVALID_SESSION_ID`) is the caller's to refresh (`Connector::refresh_credentials`) and
    /// store before calling again: Salesforce's refresh token rotation invalidates the old
    /// refresh token, so a refresh inside the call would break the stored account.
    async fn call(
        &self,
        method: Method,
        target: Target,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<ProviderResponse> {
        self.send_once(&method, &target, query, body).await
    }

    async fn send_once(
        &self,
        method: &Method,
        target: &Target,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<ProviderResponse> {
        let mut req = ProviderRequest::new(ID, method.clone(), self.url(target))
            .throttled_when(is_request_limit);
        for (k, v) in query {
            req = req.query(*k, v.clone());
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let response = self.cx.send(req).await?;
        if let Some(info) = response
            .header(LimitInfo::HEADER)
            .and_then(LimitInfo::parse)
        {
            if info.remaining() * 20 < info.limit {
                tracing::warn!(
                    provider = ID,
                    used = info.used,
                    limit = info.limit,
                    "Salesforce org is close to its daily API request limit"
                );
            } else {
                tracing::debug!(
                    provider = ID,
                    used = info.used,
                    limit = info.limit,
                    "api usage"
                );
            }
        }
        Ok(response)
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

    /// `POST /sobjects/{Obj}/` → the `SaveResult`.
    pub async fn create(
        &self,
        object: SObjectType,
        body: Map<String, Value>,
    ) -> Result<SaveResult> {
        let response = self
            .call(
                Method::POST,
                Target::Data(format!("/sobjects/{}/", object.api_name())),
                &[],
                Some(Value::Object(body)),
            )
            .await?;
        let saved: SaveResult = Self::ok(response)?.json()?;
        if !saved.success {
            let body = serde_json::to_vec(&saved.errors).unwrap_or_default();
            return Err(parse_error(400, &http::HeaderMap::new(), &body));
        }
        Ok(saved)
    }

    /// `PATCH /sobjects/{Obj}/{id}` → 204.
    pub async fn update(
        &self,
        object: SObjectType,
        id: &str,
        body: Map<String, Value>,
    ) -> Result<()> {
        let response = self
            .call(
                Method::PATCH,
                Target::Data(format!("/sobjects/{}/{id}", object.api_name())),
                &[],
                Some(Value::Object(body)),
            )
            .await?;
        Self::ok(response).map(|_| ())
    }

    /// `DELETE /sobjects/{Obj}/{id}` → 204.
    pub async fn delete(&self, object: SObjectType, id: &str) -> Result<()> {
        let response = self
            .call(
                Method::DELETE,
                Target::Data(format!("/sobjects/{}/{id}", object.api_name())),
                &[],
                None,
            )
            .await?;
        Self::ok(response).map(|_| ())
    }

    /// `GET /query?q=…` → the first batch.
    pub async fn query(&self, soql: &str) -> Result<QueryResult> {
        let response = self
            .call(
                Method::GET,
                Target::Data("/query".into()),
                &[("q", soql.to_owned())],
                None,
            )
            .await?;
        Self::ok(response)?.json()
    }

    /// `GET {nextRecordsUrl}` → the next batch. The URL must be a query locator path of this
    /// API (`/services/data/vNN.N/query/<locator>`), nothing else.
    pub async fn query_more(&self, next_records_url: &str) -> Result<QueryResult> {
        let valid = next_records_url
            .strip_prefix("/services/data/v")
            .and_then(|rest| rest.split_once("/query/"))
            .is_some_and(|(version, locator)| {
                version.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                    && !locator.is_empty()
                    && locator
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !valid {
            return Err(Error::Provider(Box::new(ProviderDetails::new(
                ID,
                200,
                format!("unexpected nextRecordsUrl {next_records_url:?}"),
            ))));
        }
        let response = self
            .call(
                Method::GET,
                Target::Instance(next_records_url.to_owned()),
                &[],
                None,
            )
            .await?;
        Self::ok(response)?.json()
    }

    /// `GET /sobjects/{Obj}/describe`.
    pub async fn describe(&self, object: SObjectType) -> Result<DescribeSObjectResult> {
        let response = self
            .call(
                Method::GET,
                Target::Data(format!("/sobjects/{}/describe", object.api_name())),
                &[],
                None,
            )
            .await?;
        Self::ok(response)?.json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> ProviderResponse {
        ProviderResponse {
            provider: ID,
            status,
            headers: http::HeaderMap::new(),
            body: body.as_bytes().to_vec().into(),
        }
    }

    #[test]
    fn only_the_concurrency_limit_is_retried() {
        let concurrent = r#"[{"message":"ConcurrentPerOrgLongTxn Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#;
        let daily =
            r#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#;
        let forbidden =
            r#"[{"message":"entity is read-only","errorCode":"INSUFFICIENT_ACCESS_OR_READONLY"}]"#;
        assert!(is_request_limit(&response(403, concurrent)));
        assert!(!is_request_limit(&response(403, daily)));
        assert!(!is_request_limit(&response(403, forbidden)));
        assert!(!is_request_limit(&response(403, "not json")));
    }
}
