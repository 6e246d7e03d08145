//! Dialect "unified": `/unified/crm/…` as StackOne's CRM API, Basic keys, `x-account-id`.

use crate::error::ApiError;
use crate::idempotency::{self, Answer, Begin};
use crate::ops::{self, CreateGuard, Op, Outcome};
use crate::request::{self, Query};
use crate::state::{Caller, Gateway, Target};
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use unicrm_core::dialect::{self, unified, Dialect};
use unicrm_core::{CustomFieldDefinition, ListQuery, Recorder, Resource};

const D: Dialect = Dialect::Unified;

/// The unified resource of a path segment (plural names only).
pub fn resource(s: &str) -> Result<Resource, ApiError> {
    Resource::ALL
        .into_iter()
        .find(|r| r.plural() == s)
        .ok_or_else(|| {
            ApiError::not_found(
                D,
                format!(
                    "unknown resource {s:?}; expected contacts, leads, deals, meetings or accounts"
                ),
            )
        })
}

async fn caller_and_account(
    gw: &Gateway,
    headers: &HeaderMap,
) -> Result<(Caller, Target), ApiError> {
    let caller = request::caller(gw, D, headers).await?;
    let account_id = headers
        .get("x-account-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            ApiError::invalid(
                D,
                "x-account-id",
                "required header is missing: the id of a linked account",
            )
        })?;
    request::identifier(D, "x-account-id", account_id)?;
    gw.config().limits.check_id(D, "x-account-id", account_id)?;
    let entry = gw.account_by_id(D, &caller, account_id).await?;
    let target = gw.target(D, entry)?;
    Ok((caller, target))
}

/// `POST`/`GET /unified/crm/{resources}`.
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

/// `GET`/`PATCH`/`DELETE /unified/crm/{resources}/{id}`.
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

/// `fields=a,b` (keep only those keys of each record).
fn take_fields(q: &mut Query) -> Option<Vec<String>> {
    q.take("fields")
        .map(|f| {
            f.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .filter(|v: &Vec<String>| !v.is_empty())
}

fn select(mut v: Value, fields: &Option<Vec<String>>) -> Value {
    if let (Some(fields), Value::Object(o)) = (fields, &mut v) {
        o.retain(|k, _| fields.iter().any(|f| f == k));
    }
    v
}

fn list_query(q: &mut Query) -> Result<ListQuery, ApiError> {
    if q.take("page").is_some() {
        return Err(ApiError::invalid(
            D,
            "page",
            "page numbers are not supported; follow the `next` cursor of the previous page",
        ));
    }
    let updated_after = match q.timestamp("filter[updated_after]")? {
        Some(t) => Some(t),
        None => q.timestamp("updated_after")?,
    };
    Ok(ListQuery {
        page_size: q.positive("page_size", 1000)?,
        cursor: q.take("next"),
        updated_after,
    })
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
    let (caller, target) = caller_and_account(&gw, &headers).await?;
    let resource = resource(&res)?;
    if let Some(id) = &id {
        request::record_id(D, "id", id)?;
    }
    let path = match &id {
        Some(id) => format!("/unified/crm/{res}/{id}"),
        None => format!("/unified/crm/{res}"),
    };
    let mut q = Query::parse(D, raw_query.as_deref())?;
    let raw = q.bool("raw")?;
    let fields = take_fields(&mut q);
    let _ = q.take("include"); // custom fields are always included
    let mut bytes = bytes::Bytes::new();
    let op = match (&method, id) {
        (&Method::POST, None) => {
            q.finish()?;
            bytes = request::read_body(D, &headers, body, gw.config().body_limit).await?;
            Op::Create(
                dialect::unified::parse_request(resource, &bytes)
                    .map_err(|e| ApiError::new(D, e))?,
            )
        }
        (&Method::GET, None) => {
            let lq = list_query(&mut q)?;
            q.finish()?;
            Op::List(lq)
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
                dialect::unified::parse_request(resource, &bytes)
                    .map_err(|e| ApiError::new(D, e))?,
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
        fields,
        guard,
    );
    match begin {
        Begin::Replay(r) => Ok(r),
        Begin::Owned(o) => Ok(o.run(D, recorder, run).await),
        Begin::Unkeyed => run.await.map(Answer::into_response),
    }
}

#[allow(clippy::too_many_arguments)] // one call's parts, each used once
async fn execute(
    gw: Gateway,
    target: Target,
    resource: Resource,
    op: Op,
    recorder: Option<Recorder>,
    raw: bool,
    fields: Option<Vec<String>>,
    guard: Option<CreateGuard>,
) -> Result<Answer, ApiError> {
    let cx = gw
        .call_context(&target, recorder.clone())
        .await
        .map_err(|e| ApiError::new(D, e))?;
    let outcome = ops::run_guarded(&target, &cx, resource, op, guard.as_ref())
        .await
        .map_err(|e| ApiError::new(D, e))?;
    let mapping = &target.entry.account.field_mapping;
    let render = |r: &unicrm_core::Record| {
        select(
            unified::render(r, ops::unified_custom_fields(mapping, r)),
            &fields,
        )
    };
    let mut body = match outcome {
        Outcome::One(r) => json!({"data": render(&r)}),
        Outcome::Many(page) => {
            let items: Vec<Value> = page.items.iter().map(render).collect();
            json!({"next": page.next_cursor, "data": items})
        }
        Outcome::Deleted(id) => json!({"data": {"id": id, "remote_id": id, "deleted": true}}),
    };
    if raw {
        add_raw(&mut body, recorder);
    }
    Ok(Answer::of_value(200, &body))
}

fn add_raw(body: &mut Value, recorder: Option<Recorder>) {
    if let (Some(r), Value::Object(o)) = (recorder, body) {
        o.insert(
            "raw".into(),
            serde_json::to_value(r.calls()).unwrap_or(Value::Null),
        );
    }
}

/// A custom field definition as StackOne's `CustomFieldDefinition`.
fn render_definition(d: &CustomFieldDefinition) -> Value {
    json!({
        "id": d.id,
        "remote_id": d.remote_id,
        "name": d.name,
        "description": d.description,
        "type": {"value": d.kind, "source_value": d.source_type},
        "options": d.options.iter().map(|o| json!({"id": o.id, "value": o.value})).collect::<Vec<_>>(),
    })
}

/// `GET /unified/crm/custom_field_definitions/{resources}`.
pub async fn definitions(
    State(gw): State<Gateway>,
    Path(res): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    definitions_call(gw, res, None, headers, q)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// `GET /unified/crm/custom_field_definitions/{resources}/{id}`.
pub async fn definition(
    State(gw): State<Gateway>,
    Path((res, id)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    definitions_call(gw, res, Some(id), headers, q)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn definitions_call(
    gw: Gateway,
    res: String,
    id: Option<String>,
    headers: HeaderMap,
    raw_query: Option<String>,
) -> Result<Response, ApiError> {
    let (_caller, target) = caller_and_account(&gw, &headers).await?;
    let resource = resource(&res)?;
    let mut q = Query::parse(D, raw_query.as_deref())?;
    let raw = q.bool("raw")?;
    let fields = take_fields(&mut q);
    let lq = list_query(&mut q)?;
    q.finish()?;
    let recorder = raw.then(Recorder::new);
    let cx = gw
        .call_context(&target, recorder.clone())
        .await
        .map_err(|e| ApiError::new(D, e))?;
    let defs = target
        .connector
        .custom_field_definitions(&cx, resource)
        .await
        .map_err(|e| ApiError::new(D, e))?;
    let mut body = match id {
        Some(id) => {
            let d = defs
                .iter()
                .find(|d| d.id == id || d.remote_id == id)
                .ok_or_else(|| {
                    ApiError::not_found(
                        D,
                        format!("no custom field definition {id:?} on {}", resource.plural()),
                    )
                })?;
            json!({"data": select(render_definition(d), &fields)})
        }
        None => {
            // The provider answers every definition at once; pages are cut here, with the
            // offset as the cursor.
            let start = match &lq.cursor {
                None => 0,
                Some(c) => c.parse::<usize>().map_err(|_| {
                    ApiError::invalid(D, "next", "not a cursor this endpoint returned")
                })?,
            };
            let size = lq.page_size.unwrap_or(25) as usize;
            let page: Vec<Value> = defs
                .iter()
                .skip(start)
                .take(size)
                .map(|d| select(render_definition(d), &fields))
                .collect();
            let next = (start + size < defs.len()).then(|| (start + size).to_string());
            json!({"next": next, "data": page})
        }
    };
    add_raw(&mut body, recorder);
    Ok(Json(body).into_response())
}

/// `GET /unified/crm/lists` and `/unified/crm/lists/{id}`: no connector has lists (the core
/// model has no list resource), so the answer is StackOne's 501 naming the provider.
pub async fn lists(State(gw): State<Gateway>, headers: HeaderMap) -> Response {
    let result = async {
        let (_caller, target) = caller_and_account(&gw, &headers).await?;
        Err::<Response, _>(ApiError::status(
            D,
            501,
            format!(
                "{} does not support list on lists",
                target.connector.info().id
            ),
        ))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}
