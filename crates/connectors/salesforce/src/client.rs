//! HTTP only: request builders, sending through core's shared path, OAuth refresh, query paging.
//! Never builds unified types.
//!
//! Every REST call goes to `{instance_url}/services/data/{api_version}/…` with
//! `Authorization: Bearer`. [`Client::refresh`] renews the session through
//! `POST {login}/services/oauth2/token` (`grant_type=refresh_token`) and switches to the answer's
//! `instance_url` (checked like any instance URL); `Connector::refresh_credentials` uses it. With
//! the `refresh_in_call` setting, a call answered `401 INVALID_SESSION_ID` (or made with a token
//! known to be expired) refreshes once and is repeated.

use std::sync::Mutex;

use chrono::Utc;
use http::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use unicrm_core::http::{Auth, ProviderRequest, ProviderResponse};
use unicrm_core::{Context, Error, ProviderDetails, Result};

use crate::config::{check_salesforce_url, Settings, ID};
use crate::error::parse_error;
use crate::wire::{
    DescribeSObjectResult, LimitInfo, OAuthError, QueryResult, SObjectType, SaveResult,
    TokenResponse,
};

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
    cx: Mutex<Context>,
    settings: Mutex<Settings>,
    refreshed: Mutex<bool>,
}

impl Client {
    /// A client for `cx` (settings and instance URL checked here).
    pub fn new(cx: &Context) -> Result<Client> {
        let settings = Settings::from_context(cx)?;
        Ok(Client {
            cx: Mutex::new(cx.clone()),
            settings: Mutex::new(settings),
            refreshed: Mutex::new(false),
        })
    }

    fn context(&self) -> Result<Context> {
        self.cx
            .lock()
            .map(|c| c.clone())
            .map_err(|_| Error::Internal("salesforce client lock poisoned".into()))
    }

    /// The settings in effect (instance URL included).
    pub fn settings(&self) -> Result<Settings> {
        self.settings
            .lock()
            .map(|s| s.clone())
            .map_err(|_| Error::Internal("salesforce client lock poisoned".into()))
    }

    fn url(&self, target: &Target) -> Result<String> {
        let settings = self.settings()?;
        Ok(match target {
            Target::Data(path) => format!("{}{path}", settings.data_url),
            Target::Instance(path) => format!("{}{path}", settings.instance_url),
        })
    }

    fn can_refresh(&self, cx: &Context) -> bool {
        self.settings().is_ok_and(|s| s.refresh_in_call)
            && cx.credentials.refresh_token.is_some()
            && cx.credentials.client_id.is_some()
    }

    /// Sends a call; on an expired session refreshes once and repeats it.
    async fn call(
        &self,
        method: Method,
        target: Target,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<ProviderResponse> {
        let cx = self.context()?;
        let expired = cx
            .credentials
            .expires_at
            .is_some_and(|at| at <= Utc::now() + chrono::Duration::seconds(30));
        if expired && self.can_refresh(&cx) && !self.already_refreshed() {
            self.refresh().await?;
        }
        let response = self
            .send_once(&method, &target, query, body.clone())
            .await?;
        if response.status == 401 && !self.already_refreshed() && self.can_refresh(&self.context()?)
        {
            self.refresh().await?;
            return self.send_once(&method, &target, query, body).await;
        }
        Ok(response)
    }

    fn already_refreshed(&self) -> bool {
        self.refreshed.lock().map(|r| *r).unwrap_or(true)
    }

    async fn send_once(
        &self,
        method: &Method,
        target: &Target,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<ProviderResponse> {
        let cx = self.context()?;
        let mut req = ProviderRequest::new(ID, method.clone(), self.url(target)?)
            .throttled_when(is_request_limit);
        for (k, v) in query {
            req = req.query(*k, v.clone());
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let response = cx.send(req).await?;
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

    /// `POST {login}/services/oauth2/token` with `grant_type=refresh_token`; adopts the new
    /// access token and `instance_url`. Answers the token response.
    pub async fn refresh(&self) -> Result<TokenResponse> {
        if let Ok(mut r) = self.refreshed.lock() {
            *r = true;
        }
        let cx = self.context()?;
        let settings = self.settings()?;
        let creds = &cx.credentials;
        let (Some(refresh_token), Some(client_id)) = (&creds.refresh_token, &creds.client_id)
        else {
            return Err(Error::Unauthorized {
                message: "the access token expired and the account has no refresh token and \
                          client id to renew it"
                    .into(),
                provider: None,
            });
        };
        let mut form = vec![
            ("grant_type".to_owned(), "refresh_token".to_owned()),
            (
                "refresh_token".to_owned(),
                refresh_token.expose_secret().to_owned(),
            ),
            ("client_id".to_owned(), client_id.clone()),
        ];
        if let Some(secret) = &creds.client_secret {
            form.push((
                "client_secret".to_owned(),
                secret.expose_secret().to_owned(),
            ));
        }
        let req = ProviderRequest::new(
            ID,
            Method::POST,
            format!("{}/services/oauth2/token", settings.login_url),
        )
        .header("Accept", "application/json")
        .auth(Auth::None)
        .form(form);
        let response = cx.send(req).await?;
        if !response.is_success() {
            let oauth: Option<OAuthError> = serde_json::from_slice(&response.body).ok();
            let message = oauth
                .as_ref()
                .map(|e| match &e.error_description {
                    Some(d) => format!("{}: {d}", e.error),
                    None => e.error.clone(),
                })
                .unwrap_or_else(|| format!("token refresh answered HTTP {}", response.status));
            let mut details = ProviderDetails::new(ID, response.status, message.clone())
                .body(Some(response.body_value()));
            if let Some(e) = oauth {
                details = details.code(e.error);
            }
            return Err(Error::Unauthorized {
                message,
                provider: Some(Box::new(details)),
            });
        }
        let token: TokenResponse = response.json()?;
        let instance = if cx.sandbox {
            token.instance_url.trim_end_matches('/').to_owned()
        } else {
            check_salesforce_url("instance_url", &token.instance_url)?
        };
        if let (Ok(mut cx), Ok(mut settings)) = (self.cx.lock(), self.settings.lock()) {
            cx.credentials.access_token = Some(SecretString::from(token.access_token.clone()));
            if let Some(rotated) = &token.refresh_token {
                cx.credentials.refresh_token = Some(SecretString::from(rotated.clone()));
            }
            cx.credentials.expires_at = None;
            cx.credentials.instance_url = Some(instance.clone());
            settings.data_url = format!("{instance}/services/data/{}", settings.api_version);
            settings.instance_url = instance;
        }
        Ok(token)
    }

    /// The credentials in effect (after a refresh: the new access token, rotated refresh token
    /// and `instance_url`).
    pub fn credentials(&self) -> Result<unicrm_core::Credentials> {
        Ok(self.context()?.credentials)
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
