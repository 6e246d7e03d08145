//! `/api/v1/keys`: a project's named API keys over HTTP, authorized by one of its keys and
//! scoped to that key's environment (a test key manages test keys only). A key's secret is in
//! the answer that creates it (create, rotate) and nowhere else.

use crate::error::ApiError;
use crate::render::v1;
use crate::request::{self, Query};
use crate::state::{Caller, Gateway};
use crate::store::{ApiKey, StoreError};
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;
use unicrm_core::dialect::{self, Dialect};
use unicrm_core::Error;

const D: Dialect = Dialect::V1;

/// Longest key name.
pub const MAX_NAME_LEN: usize = 100;
/// The overlap of a rotation when none is given: the old key works one more day.
pub const DEFAULT_OVERLAP: Duration = Duration::from_secs(24 * 60 * 60);
/// The longest overlap of a rotation (30 days).
pub const MAX_OVERLAP: Duration = Duration::from_secs(30 * 24 * 60 * 60);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CreateBody {
    name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RotateBody {
    #[serde(default)]
    overlap_seconds: Option<u64>,
}

/// Checks a key name: 1 to [`MAX_NAME_LEN`] characters, no control characters.
pub fn check_name(name: &str) -> Result<&str, String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
        return Err(format!("must be 1 to {MAX_NAME_LEN} characters"));
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(name)
}

async fn caller(gw: &Gateway, headers: &HeaderMap) -> Result<Caller, ApiError> {
    request::caller(gw, D, headers).await
}

fn render(k: &ApiKey) -> Value {
    serde_json::to_value(k).unwrap_or(Value::Null)
}

fn not_found(caller: &Caller, id: &str) -> ApiError {
    ApiError::not_found(
        D,
        format!(
            "no API key {id:?} in this project's {} environment",
            caller.env
        ),
    )
}

fn store_error(gw: &Gateway, e: StoreError) -> ApiError {
    match e {
        StoreError::InactiveKey(id) => ApiError::new(
            D,
            Error::Conflict {
                message: format!("API key {id} is revoked or expired: create a new key instead"),
                existing_id: None,
                provider: None,
            },
        ),
        other => gw.store_error(D, other),
    }
}

/// The key `id` when it is of the caller's project and environment.
async fn visible(gw: &Gateway, caller: &Caller, id: &str) -> Result<ApiKey, ApiError> {
    request::identifier(D, "id", id)?;
    match gw
        .store()
        .key(Some(&caller.project.id), id)
        .await
        .map_err(|e| store_error(gw, e))?
    {
        Some(k) if k.environment == caller.env => Ok(k),
        _ => Err(not_found(caller, id)),
    }
}

/// `POST /api/v1/keys` `{"name": …}`: a new key in the caller's environment, its secret shown
/// this once.
pub async fn create(
    State(gw): State<Gateway>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Body,
) -> Response {
    async {
        let caller = caller(&gw, &headers).await?;
        Query::parse(D, q.as_deref())?.finish()?;
        let bytes = request::read_body(D, &headers, body, gw.config().body_limit).await?;
        let b: CreateBody = dialect::parse_json(&bytes).map_err(|e| ApiError::new(D, e))?;
        let name = check_name(&b.name).map_err(|r| ApiError::invalid(D, "name", r))?;
        let created = gw
            .store()
            .create_key(&caller.project.id, caller.env, name)
            .await
            .map_err(|e| store_error(&gw, e))?;
        tracing::info!(project = %caller.project.id, key = %created.key.id, "created an API key");
        let data = serde_json::to_value(&created).unwrap_or(Value::Null);
        Ok((StatusCode::CREATED, Json(v1::envelope(201, data))).into_response())
    }
    .await
    .unwrap_or_else(|e: ApiError| e.into_response())
}

/// `GET /api/v1/keys`: the project's keys in the caller's environment (no secrets).
pub async fn list(
    State(gw): State<Gateway>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    async {
        let caller = caller(&gw, &headers).await?;
        Query::parse(D, q.as_deref())?.finish()?;
        let keys = gw
            .store()
            .keys(&caller.project.id, Some(caller.env))
            .await
            .map_err(|e| store_error(&gw, e))?;
        let items: Vec<Value> = keys.iter().map(render).collect();
        Ok(Json(v1::list_envelope(items)).into_response())
    }
    .await
    .unwrap_or_else(|e: ApiError| e.into_response())
}

/// `GET /api/v1/keys/{id}`.
pub async fn get(
    State(gw): State<Gateway>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    async {
        let caller = caller(&gw, &headers).await?;
        let key = visible(&gw, &caller, &id).await?;
        Ok(Json(v1::envelope(200, render(&key))).into_response())
    }
    .await
    .unwrap_or_else(|e: ApiError| e.into_response())
}

/// `DELETE /api/v1/keys/{id}`: revokes the key at once (this process forgets it now; every other
/// gateway process within its key revalidation interval, [`crate::Config::key_ttl`]).
pub async fn revoke(
    State(gw): State<Gateway>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    async {
        let caller = caller(&gw, &headers).await?;
        visible(&gw, &caller, &id).await?;
        let key = gw
            .store()
            .revoke_key(Some(&caller.project.id), &id)
            .await
            .map_err(|e| store_error(&gw, e))?
            .ok_or_else(|| not_found(&caller, &id))?;
        gw.invalidate_key(&id);
        tracing::info!(project = %caller.project.id, key = %id, "revoked an API key");
        Ok(Json(v1::envelope(200, render(&key))).into_response())
    }
    .await
    .unwrap_or_else(|e: ApiError| e.into_response())
}

/// `POST /api/v1/keys/{id}/rotate` `{"overlapSeconds": N}`: a new key of the same name (its
/// secret shown this once); the old one keeps working for N seconds (default a day), then stops.
pub async fn rotate(
    State(gw): State<Gateway>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    async {
        let caller = caller(&gw, &headers).await?;
        visible(&gw, &caller, &id).await?;
        let bytes = request::read_body(D, &headers, body, gw.config().body_limit).await?;
        let b: RotateBody = if bytes.iter().all(u8::is_ascii_whitespace) {
            RotateBody::default()
        } else {
            dialect::parse_json(&bytes).map_err(|e| ApiError::new(D, e))?
        };
        let overlap = match b.overlap_seconds {
            None => DEFAULT_OVERLAP,
            Some(s) if s <= MAX_OVERLAP.as_secs() => Duration::from_secs(s),
            Some(_) => {
                return Err(ApiError::invalid(
                    D,
                    "overlapSeconds",
                    format!("at most {} (30 days)", MAX_OVERLAP.as_secs()),
                ))
            }
        };
        let (created, old) = gw
            .store()
            .rotate_key(Some(&caller.project.id), &id, overlap)
            .await
            .map_err(|e| store_error(&gw, e))?
            .ok_or_else(|| not_found(&caller, &id))?;
        // The old key's cached entry must learn its expiry.
        gw.invalidate_key(&id);
        tracing::info!(project = %caller.project.id, old = %id, new = %created.key.id, "rotated an API key");
        let mut data = serde_json::to_value(&created).unwrap_or(Value::Null);
        data["previous"] = render(&old);
        Ok((StatusCode::CREATED, Json(v1::envelope(201, data))).into_response())
    }
    .await
    .unwrap_or_else(|e: ApiError| e.into_response())
}
