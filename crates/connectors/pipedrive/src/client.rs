//! HTTP only: Pipedrive request builders, sent through core's shared helper (`Context::send`),
//! answers parsed into [`crate::wire`] types or record JSON. Never builds unified types.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use unicrm_core::http::{Auth, ProviderRequest, ProviderResponse};
use unicrm_core::{Context, Error, Result};

use crate::config::{API_TOKEN_HEADER, ID, V1, V2};
use crate::error::{parse_error, success_false};
use crate::wire::{Envelope, Field, SearchResult, User};

/// An API v2 object collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdObject {
    /// `/api/v2/persons` (unified contacts).
    Persons,
    /// `/api/v2/organizations` (unified accounts).
    Organizations,
    /// `/api/v2/deals`.
    Deals,
    /// `/api/v2/activities` (unified meetings are activities of type `meeting`).
    Activities,
}

impl PdObject {
    /// Path segment.
    pub fn name(self) -> &'static str {
        match self {
            PdObject::Persons => "persons",
            PdObject::Organizations => "organizations",
            PdObject::Deals => "deals",
            PdObject::Activities => "activities",
        }
    }

    /// The v2 fields endpoint of the object (`personFields` …).
    pub fn fields_path(self) -> &'static str {
        match self {
            PdObject::Persons => "personFields",
            PdObject::Organizations => "organizationFields",
            PdObject::Deals => "dealFields",
            PdObject::Activities => "activityFields",
        }
    }
}

/// Percent-encodes one path segment (ids come from users).
pub fn segment(s: &str) -> String {
    let only_dots = !s.is_empty() && s.bytes().all(|b| b == b'.');
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~') || (b == b'.' && !only_dots)
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// How a call authenticates: an OAuth access token as `Authorization: Bearer`, else the API
/// token in the `x-api-token` header.
pub fn auth(cx: &Context) -> Auth {
    if cx.credentials.access_token.is_some() {
        Auth::Bearer
    } else {
        Auth::ApiKeyHeader(API_TOKEN_HEADER)
    }
}

/// Sends `req`; a non-2xx answer, or a 2xx whose body says `success: false`, is an error.
pub async fn send(cx: &Context, req: ProviderRequest) -> Result<ProviderResponse> {
    let resp = cx.send_ok(req.auth(auth(cx)), parse_error).await?;
    if let Some(e) = success_false(&resp.headers, &resp.body) {
        return Err(e);
    }
    Ok(resp)
}

async fn send_json<T: DeserializeOwned>(cx: &Context, req: ProviderRequest) -> Result<T> {
    send(cx, req).await?.json()
}

fn v2(cx: &Context, path: &str) -> String {
    cx.url(&format!("{V2}{path}"))
}

fn v1(cx: &Context, path: &str) -> String {
    cx.url(&format!("{V1}{path}"))
}

fn record(env: Envelope<Value>) -> Result<Map<String, Value>> {
    match env.data {
        Value::Object(m) => Ok(m),
        other => Err(Error::Transport {
            provider: ID.into(),
            message: format!("expected a record in `data`, got {other}"),
        }),
    }
}

/// One page of a v2 list.
#[derive(Debug, Clone, Default)]
pub struct V2Page {
    /// The records.
    pub items: Vec<Map<String, Value>>,
    /// `additional_data.next_cursor`.
    pub next_cursor: Option<String>,
}

/// `GET /api/v2/{object}?limit=…&cursor=…&updated_since=…&sort_by=…` (+ extra query pairs).
pub async fn list(
    cx: &Context,
    obj: PdObject,
    limit: u32,
    cursor: Option<&str>,
    updated_since: Option<&str>,
    extra: &[(&str, String)],
) -> Result<V2Page> {
    let mut req = ProviderRequest::get(ID, v2(cx, &format!("/{}", obj.name())))
        .query("limit", limit.to_string());
    if let Some(c) = cursor {
        req = req.query("cursor", c);
    }
    if let Some(t) = updated_since {
        req = req
            .query("updated_since", t)
            .query("sort_by", "update_time")
            .query("sort_direction", "asc");
    }
    for (k, v) in extra {
        req = req.query(*k, v.clone());
    }
    let env: Envelope<Option<Vec<Map<String, Value>>>> = send_json(cx, req).await?;
    Ok(V2Page {
        items: env.data.unwrap_or_default(),
        next_cursor: env
            .additional_data
            .and_then(|a| a.next_cursor)
            .filter(|c| !c.is_empty()),
    })
}

/// `GET /api/v2/{object}/{id}`.
pub async fn get(cx: &Context, obj: PdObject, id: &str) -> Result<Map<String, Value>> {
    let url = v2(cx, &format!("/{}/{}", obj.name(), segment(id)));
    record(send_json(cx, ProviderRequest::get(ID, url)).await?)
}

/// `POST /api/v2/{object}` (answers 200 with the record).
pub async fn create(
    cx: &Context,
    obj: PdObject,
    body: Map<String, Value>,
) -> Result<Map<String, Value>> {
    let url = v2(cx, &format!("/{}", obj.name()));
    record(send_json(cx, ProviderRequest::post(ID, url, Value::Object(body))).await?)
}

/// `PATCH /api/v2/{object}/{id}`.
pub async fn update(
    cx: &Context,
    obj: PdObject,
    id: &str,
    body: Map<String, Value>,
) -> Result<Map<String, Value>> {
    let url = v2(cx, &format!("/{}/{}", obj.name(), segment(id)));
    record(send_json(cx, ProviderRequest::patch(ID, url, Value::Object(body))).await?)
}

/// `DELETE /api/v2/{object}/{id}` (answers `{"success":true,"data":{"id":…}}`).
pub async fn delete(cx: &Context, obj: PdObject, id: &str) -> Result<()> {
    let url = v2(cx, &format!("/{}/{}", obj.name(), segment(id)));
    send(cx, ProviderRequest::delete(ID, url)).await.map(|_| ())
}

/// `GET /api/v2/{persons|organizations}/search?term=…&fields=…&exact_match=true&limit=…`.
pub async fn search(
    cx: &Context,
    obj: PdObject,
    term: &str,
    fields: &str,
    limit: u32,
) -> Result<SearchResult> {
    let req = ProviderRequest::get(ID, v2(cx, &format!("/{}/search", obj.name())))
        .query("term", term)
        .query("fields", fields)
        .query("exact_match", "true")
        .query("limit", limit.to_string());
    let env: Envelope<Option<SearchResult>> = send_json(cx, req).await?;
    Ok(env.data.unwrap_or_default())
}

/// `GET /api/v2/{personFields|…}?limit=500&cursor=…`: every field, all pages.
pub async fn fields(cx: &Context, obj: PdObject) -> Result<Vec<Field>> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut req = ProviderRequest::get(ID, v2(cx, &format!("/{}", obj.fields_path())))
            .query("limit", "500");
        if let Some(c) = &cursor {
            req = req.query("cursor", c.clone());
        }
        let env: Envelope<Option<Vec<Field>>> = send_json(cx, req).await?;
        out.extend(env.data.unwrap_or_default());
        cursor = env
            .additional_data
            .and_then(|a| a.next_cursor)
            .filter(|c| !c.is_empty());
        if cursor.is_none() {
            return Ok(out);
        }
    }
}

/// One page of `GET /v1/leads`.
#[derive(Debug, Clone, Default)]
pub struct V1Page {
    /// The leads.
    pub items: Vec<Map<String, Value>>,
    /// `additional_data.pagination.next_start` when `more_items_in_collection`.
    pub next_start: Option<u64>,
}

/// `GET /v1/leads?start=…&limit=…&sort=…`.
pub async fn list_leads(
    cx: &Context,
    start: u64,
    limit: u32,
    sort: Option<&str>,
) -> Result<V1Page> {
    let mut req = ProviderRequest::get(ID, v1(cx, "/leads"))
        .query("start", start.to_string())
        .query("limit", limit.to_string());
    if let Some(s) = sort {
        req = req.query("sort", s);
    }
    let env: Envelope<Option<Vec<Map<String, Value>>>> = send_json(cx, req).await?;
    let items = env.data.unwrap_or_default();
    let next_start = env
        .additional_data
        .and_then(|a| a.pagination)
        .filter(|p| p.more_items_in_collection)
        .map(|p| p.next_start.unwrap_or(start + items.len() as u64));
    Ok(V1Page { items, next_start })
}

/// `GET /v1/leads/{id}`.
pub async fn get_lead(cx: &Context, id: &str) -> Result<Map<String, Value>> {
    let url = v1(cx, &format!("/leads/{}", segment(id)));
    record(send_json(cx, ProviderRequest::get(ID, url)).await?)
}

/// `POST /v1/leads` (answers 201 with the lead).
pub async fn create_lead(cx: &Context, body: Map<String, Value>) -> Result<Map<String, Value>> {
    let req = ProviderRequest::post(ID, v1(cx, "/leads"), Value::Object(body));
    record(send_json(cx, req).await?)
}

/// `PATCH /v1/leads/{id}`.
pub async fn update_lead(
    cx: &Context,
    id: &str,
    body: Map<String, Value>,
) -> Result<Map<String, Value>> {
    let url = v1(cx, &format!("/leads/{}", segment(id)));
    record(send_json(cx, ProviderRequest::patch(ID, url, Value::Object(body))).await?)
}

/// `DELETE /v1/leads/{id}`.
pub async fn delete_lead(cx: &Context, id: &str) -> Result<()> {
    let url = v1(cx, &format!("/leads/{}", segment(id)));
    send(cx, ProviderRequest::delete(ID, url)).await.map(|_| ())
}

/// `GET /v1/users/{id}`.
pub async fn get_user(cx: &Context, id: &str) -> Result<User> {
    let url = v1(cx, &format!("/users/{}", segment(id)));
    let env: Envelope<User> = send_json(cx, ProviderRequest::get(ID, url)).await?;
    Ok(env.data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(segment("123"), "123");
        assert_eq!(segment("../x?y"), "..%2Fx%3Fy");
        assert_eq!(segment(".."), "%2E%2E");
    }
}
