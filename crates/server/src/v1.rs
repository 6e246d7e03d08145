//! Dialect "v1": `/api/v1/{resource}` with `provider` + `endUserId`, Bearer keys, the
//! `{success, statusCode, message, data: {data}}` envelope.

use crate::error::ApiError;
use crate::idempotency::{self, Answer, Begin};
use crate::ops::{self, CreateGuard, Op, Outcome};
use crate::render;
use crate::request::{self, Query};
use crate::state::{Gateway, Target};
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use unicrm_core::dialect::{self, v1, Dialect};
use unicrm_core::{ListQuery, Recorder, Resource};

const D: Dialect = Dialect::V1;

/// The v1 resource of a path segment (singular names only).
pub fn resource(s: &str) -> Result<Resource, ApiError> {
    Resource::ALL
        .into_iter()
        .find(|r| r.as_str() == s)
        .ok_or_else(|| {
            ApiError::not_found(
                D,
                format!("unknown resource {s:?}; expected contact, lead, deal, meeting or account"),
            )
        })
}

/// `POST`/`GET /api/v1/{resource}`.
pub async fn collection(
    State(gw): State<Gateway>,
    method: Method,
    Path(res): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Body,
) -> Response {
    call(gw, method, res, None, headers, q, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// `GET`/`PATCH`/`DELETE /api/v1/{resource}/{id}`.
pub async fn item(
    State(gw): State<Gateway>,
    method: Method,
    Path((res, id)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Body,
) -> Response {
    call(gw, method, res, Some(id), headers, q, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn call(
    gw: Gateway,
    method: Method,
    res: String,
    id: Option<String>,
    headers: HeaderMap,
    raw_query: Option<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = request::caller(&gw, D, &headers).await?;
    let resource = resource(&res)?;
    let path = match &id {
        Some(id) => format!("/api/v1/{res}/{id}"),
        None => format!("/api/v1/{res}"),
    };
    let mut q = Query::parse(D, raw_query.as_deref())?;
    let provider = q.required("provider")?;
    let end_user = q.required("endUserId")?;
    request::identifier(D, "endUserId", &end_user)?;
    if let Some(id) = &id {
        request::record_id(D, "id", id)?;
    }
    let raw = q.bool("raw")?;
    // An unknown provider is refused before anything is linked.
    gw.connector(D, "provider", &provider)?;
    let mut bytes = bytes::Bytes::new();
    let op = match (&method, id) {
        (&Method::POST, None) => {
            q.finish()?;
            bytes = request::read_body(D, &headers, body, gw.config().body_limit).await?;
            Op::Create(
                dialect::v1::parse_request(resource, &bytes).map_err(|e| ApiError::new(D, e))?,
            )
        }
        (&Method::GET, None) => {
            let query = ListQuery {
                page_size: q.positive("limit", 1000)?,
                cursor: q.take("cursor"),
                updated_after: q.timestamp("updatedAfter")?,
            };
            q.finish()?;
            Op::List(query)
        }
        (&Method::GET, Some(id)) => {
            q.finish()?;
            Op::Get(id)
        }
        (&Method::PATCH, Some(id)) => {
            q.finish()?;
            bytes = request::read_body(D, &headers, body, gw.config().body_limit).await?;
            Op::Update(
                id,
                dialect::v1::parse_request(resource, &bytes).map_err(|e| ApiError::new(D, e))?,
            )
        }
        (&Method::DELETE, Some(id)) => {
            q.finish()?;
            Op::Delete(id)
        }
        _ => {
            return Err(ApiError::status(
                D,
                405,
                format!("{method} is not allowed here"),
            ))
        }
    };
    let entry = gw
        .account_for_user(D, &caller, &provider, &end_user)
        .await?;
    let target = gw.target(D, entry)?;
    let key = match op {
        Op::Create(_) | Op::Update(..) => idempotency::key_of(D, &headers)?,
        _ => None,
    };
    let fp = || idempotency::fingerprint(&method, &path, raw_query.as_deref(), &bytes);
    let begin = idempotency::begin(
        &gw,
        D,
        key,
        &caller.project.id,
        &target.entry.account.id,
        fp,
    )
    .await?;
    let (recorder, guard) = begin.recorder_and_guard(raw);
    let run = execute(
        gw.clone(),
        target,
        resource,
        op,
        recorder.clone(),
        raw,
        guard,
    );
    match begin {
        Begin::Replay(r) => Ok(r),
        Begin::Owned(o) => Ok(o.run(D, recorder, run).await),
        Begin::Unkeyed => run.await.map(Answer::into_response),
    }
}

async fn execute(
    gw: Gateway,
    target: Target,
    resource: Resource,
    op: Op,
    recorder: Option<Recorder>,
    raw: bool,
    guard: Option<CreateGuard>,
) -> Result<Answer, ApiError> {
    let create = matches!(op, Op::Create(_));
    let cx = gw
        .call_context(&target, recorder.clone())
        .await
        .map_err(|e| ApiError::new(D, e))?;
    let outcome = ops::run_guarded(&target, &cx, resource, op, guard.as_ref())
        .await
        .map_err(|e| ApiError::new(D, e))?;
    // The provider calls, when `raw=true` asked for them.
    let calls = recorder
        .filter(|_| raw)
        .map(|r| serde_json::to_value(r.calls()).unwrap_or(Value::Null));
    let raw = calls.as_ref();
    // Rendered straight to JSON text: no `Value` tree between the record and the bytes.
    let (status, text) = match outcome {
        Outcome::One(r) => {
            let status = if create { 201 } else { 200 };
            let data = render::v1::OneData {
                data: v1::view(&r),
                raw,
            };
            (
                status,
                render::v1::to_json(&render::v1::Envelope::new(status, data)),
            )
        }
        Outcome::Many(page) => {
            let data = render::v1::PageData {
                data: page.items.iter().map(v1::view).collect(),
                next: page.next_cursor.as_deref(),
                raw,
            };
            (
                200,
                render::v1::to_json(&render::v1::Envelope::new(200, data)),
            )
        }
        Outcome::Deleted(id) => {
            let data = render::v1::OneData {
                data: json!({"id": id, "deleted": true}),
                raw,
            };
            (
                200,
                render::v1::to_json(&render::v1::Envelope::new(200, data)),
            )
        }
    };
    let text = text.map_err(|e| ApiError::new(D, e))?;
    Ok(Answer::new(status, text))
}
