//! HTTP only: request builders, sending through core's shared path, list paging. Never builds
//! unified types.
//!
//! Every call goes to `{base}/api/v1/…/` (Close paths end with `/`) with the API key as the
//! HTTP Basic user name and an empty password, or `Authorization: Bearer` for an OAuth token.

use serde::de::DeserializeOwned;
use serde_json::Value;
use unicrm_core::http::{Auth, ProviderRequest, ProviderResponse};
use unicrm_core::{Context, Error, Result};

use crate::config::{api_root, ID};
use crate::error::parse_error;
use crate::wire::{CustomFieldDef, Endpoint, ListResponse, Object, Status, User};

/// A Close client for one connector call.
#[derive(Debug, Clone)]
pub struct Client<'a> {
    cx: &'a Context,
    root: String,
    auth: Auth,
}

impl<'a> Client<'a> {
    /// A client for `cx` (base URL checked here). An OAuth access token is sent as `Bearer`,
    /// an API key as the Basic user name ("The API key acts as the username and the password is
    /// always empty").
    pub fn new(cx: &'a Context) -> Result<Client<'a>> {
        let auth = if cx.credentials.access_token.is_some() {
            Auth::Bearer
        } else if cx.credentials.api_key.is_some() {
            Auth::BasicApiKey
        } else {
            return Err(Error::Unauthorized {
                message: "a Close account needs an api_key (or an OAuth access_token)".into(),
                provider: None,
            });
        };
        Ok(Client {
            cx,
            root: api_root(cx)?,
            auth,
        })
    }

    /// The call context.
    pub fn context(&self) -> &'a Context {
        self.cx
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.root)
    }

    async fn send(&self, req: ProviderRequest) -> Result<ProviderResponse> {
        self.cx.send_ok(req.auth(self.auth), parse_error).await
    }

    async fn json<T: DeserializeOwned>(&self, req: ProviderRequest) -> Result<T> {
        self.send(req).await?.json()
    }

    /// `GET {path}` with query parameters.
    pub async fn get_path<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T> {
        let mut req = ProviderRequest::get(ID, self.url(path));
        for (k, v) in query {
            req = req.query(*k, v.clone());
        }
        self.json(req).await
    }

    /// `GET /{endpoint}/{id}/`.
    pub async fn get(&self, endpoint: Endpoint, id: &str) -> Result<Object> {
        self.get_path(&format!("{}{id}/", endpoint.path()), &[])
            .await
    }

    /// `GET /{endpoint}/?_skip=…&_limit=…` plus filters.
    pub async fn list(
        &self,
        endpoint: Endpoint,
        skip: u64,
        limit: u32,
        filters: &[(&str, String)],
    ) -> Result<ListResponse<Object>> {
        let mut query = vec![("_skip", skip.to_string()), ("_limit", limit.to_string())];
        query.extend(filters.iter().cloned());
        self.get_path(endpoint.path(), &query).await
    }

    /// `POST /{endpoint}/` with a JSON body; answers the created record.
    pub async fn create(&self, endpoint: Endpoint, body: Object) -> Result<Object> {
        self.json(ProviderRequest::post(
            ID,
            self.url(endpoint.path()),
            Value::Object(body),
        ))
        .await
    }

    /// `PUT /{endpoint}/{id}/` (Close applies only the fields sent); answers the record.
    pub async fn update(&self, endpoint: Endpoint, id: &str, body: Object) -> Result<Object> {
        self.json(ProviderRequest::put(
            ID,
            self.url(&format!("{}{id}/", endpoint.path())),
            Value::Object(body),
        ))
        .await
    }

    /// `DELETE /{endpoint}/{id}/`.
    pub async fn delete(&self, endpoint: Endpoint, id: &str) -> Result<()> {
        self.send(ProviderRequest::delete(
            ID,
            self.url(&format!("{}{id}/", endpoint.path())),
        ))
        .await
        .map(|_| ())
    }

    /// `GET /user/{id}/`.
    pub async fn user(&self, id: &str) -> Result<User> {
        self.get_path(&format!("/user/{id}/"), &[]).await
    }

    /// Every custom field of a family (`GET /custom_field/{family}/`, all pages).
    pub async fn custom_fields(&self, family: &str) -> Result<Vec<CustomFieldDef>> {
        self.all_pages(&format!("/custom_field/{family}/")).await
    }

    /// Every status of `lead` or `opportunity` (`GET /status/{kind}/`, one answer: the
    /// endpoint takes no paging parameters).
    pub async fn statuses(&self, kind: &str) -> Result<Vec<Status>> {
        let list: ListResponse<Status> = self.get_path(&format!("/status/{kind}/"), &[]).await?;
        Ok(list.data)
    }

    async fn all_pages<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>> {
        let mut out = Vec::new();
        let mut skip = 0u64;
        loop {
            let page: ListResponse<T> = self
                .get_path(
                    path,
                    &[("_skip", skip.to_string()), ("_limit", "100".into())],
                )
                .await?;
            let n = page.data.len() as u64;
            out.extend(page.data);
            if !page.has_more || n == 0 {
                return Ok(out);
            }
            skip += n;
        }
    }

    /// Leads whose name matches `name` in Close's lead search (`query=name:"…"`), first page.
    pub async fn leads_named(&self, name: &str) -> Result<Vec<Object>> {
        let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
        let page = self
            .list(
                Endpoint::Lead,
                0,
                25,
                &[("query", format!("name:\"{quoted}\""))],
            )
            .await?;
        Ok(page.data)
    }
}
