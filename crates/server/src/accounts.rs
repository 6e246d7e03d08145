//! `/api/v1/accounts`: linked accounts over HTTP, authorized by the project's key. Credentials
//! are write-only: no answer ever contains them, only their names.

use crate::crypto::Environment;
use crate::error::ApiError;
use crate::render::v1;
use crate::request::{self, Query};
use crate::state::{sandbox_account, split_credentials, Caller, Gateway};
use crate::store::{AccountRow, CredentialPairs, LinkedAccount, NewAccount, UnreadableAccount};
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use unicrm_core::dialect::{self, Dialect};

const D: Dialect = Dialect::V1;

/// Body of `POST /api/v1/accounts`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct LinkBody {
    provider: String,
    end_user_id: String,
    /// `key → value` (`access_token`, `api_key`, `refresh_token`, `client_id`, `client_secret`,
    /// `instance_url`, `expires_at`, `base_url`, `setting.<name>`). Optional with a test key.
    #[serde(default)]
    credentials: Option<BTreeMap<String, String>>,
    #[serde(default)]
    field_mapping: Option<Map<String, Value>>,
}

/// Body of `PATCH /api/v1/accounts/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct UpdateBody {
    #[serde(default)]
    credentials: Option<BTreeMap<String, String>>,
    #[serde(default)]
    field_mapping: Option<Map<String, Value>>,
}

/// An account in dialect "v1" spelling (no credential values).
pub fn render(a: &LinkedAccount) -> Value {
    json!({
        "id": a.id,
        "projectId": a.project_id,
        "endUserId": a.end_user_id,
        "provider": a.provider,
        "environment": a.environment,
        "credentialKeys": a.credentials.0.keys().collect::<Vec<_>>(),
        "fieldMapping": a.field_mapping,
        "createdAt": a.created_at,
        "updatedAt": a.updated_at,
    })
}

/// An account whose credentials do not decrypt, as a list shows it: no credential names, and an
/// error saying what to do.
pub fn render_unreadable(a: &UnreadableAccount) -> Value {
    json!({
        "id": a.id,
        "projectId": a.project_id,
        "endUserId": a.end_user_id,
        "provider": a.provider,
        "environment": a.environment,
        "createdAt": a.created_at,
        "updatedAt": a.updated_at,
        "error": {
            "type": "credentials_undecryptable",
            "message": "the stored credentials of this account cannot be decrypted with this gateway's master key (wrong UNICRM_MASTER_KEY or a corrupted row); link it again with new credentials",
        },
    })
}

async fn caller(gw: &Gateway, headers: &HeaderMap) -> Result<Caller, ApiError> {
    request::caller(gw, D, headers).await
}

fn check_mapping(m: &Map<String, Value>) -> Result<(), ApiError> {
    for (k, v) in m {
        match v {
            Value::String(_) => {}
            Value::Object(inner) => {
                for (ik, iv) in inner {
                    if !iv.is_string() {
                        return Err(ApiError::invalid(
                            D,
                            format!("fieldMapping.{k}.{ik}"),
                            "expected a provider field name (string)",
                        ));
                    }
                }
            }
            _ => {
                return Err(ApiError::invalid(
                    D,
                    format!("fieldMapping.{k}"),
                    "expected a provider field name, or an object of them per resource",
                ))
            }
        }
    }
    Ok(())
}

fn check_credentials(
    gw: &Gateway,
    env: Environment,
    provider: &str,
    c: &BTreeMap<String, String>,
) -> Result<(), ApiError> {
    gw.config().limits.check_credentials(D, c)?;
    let pairs = CredentialPairs(c.clone());
    split_credentials(&pairs).map_err(|e| ApiError::new(D, e))?;
    let connector = gw.connector(D, "provider", provider)?;
    crate::hosts::check_account_urls(connector.info(), env, &pairs)
        .map_err(|e| ApiError::new(D, e))?;
    Ok(())
}

/// `POST /api/v1/accounts`: links an account in the key's environment.
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
        let b: LinkBody = dialect::parse_json(&bytes).map_err(|e| ApiError::new(D, e))?;
        gw.connector(D, "provider", &b.provider)?;
        request::identifier(D, "endUserId", &b.end_user_id)?;
        gw.config()
            .limits
            .check_id(D, "endUserId", &b.end_user_id)?;
        let mapping = b.field_mapping.unwrap_or_default();
        check_mapping(&mapping)?;
        gw.config().limits.check_field_mapping(D, &mapping)?;
        let new = match (caller.env, b.credentials) {
            (Environment::Test, None) => {
                let mut n = sandbox_account(&caller.project.id, &b.provider, &b.end_user_id);
                n.field_mapping = mapping;
                n
            }
            (_, Some(c)) if !c.is_empty() => {
                check_credentials(&gw, caller.env, &b.provider, &c)?;
                NewAccount {
                    project_id: caller.project.id.clone(),
                    end_user_id: b.end_user_id,
                    provider: b.provider,
                    environment: caller.env,
                    credentials: CredentialPairs(c),
                    field_mapping: mapping,
                }
            }
            _ => {
                return Err(ApiError::invalid(
                    D,
                    "credentials",
                    "a live account needs credentials (e.g. {\"access_token\": \"…\"})",
                ))
            }
        };
        let account = gw.link_account(D, new, false).await?;
        Ok((
            StatusCode::CREATED,
            Json(v1::envelope(201, render(&account))),
        )
            .into_response())
    }
    .await
    .unwrap_or_else(|e: ApiError| e.into_response())
}

/// `GET /api/v1/accounts`: the project's accounts in the key's environment.
pub async fn list(
    State(gw): State<Gateway>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    async {
        let caller = caller(&gw, &headers).await?;
        let mut q = Query::parse(D, q.as_deref())?;
        let end_user = q.take("endUserId");
        let provider = q.take("provider");
        q.finish()?;
        // One unreadable account is shown with an error, not a failed list.
        let rows = gw
            .store()
            .accounts_checked(Some(&caller.project.id))
            .await
            .map_err(|e| gw.store_error(D, e))?;
        let items: Vec<Value> = rows
            .iter()
            .filter_map(|row| {
                let (env, user, prov, value) = match row {
                    AccountRow::Ok(a) => (a.environment, &a.end_user_id, &a.provider, render(a)),
                    AccountRow::Unreadable(a) => (
                        a.environment,
                        &a.end_user_id,
                        &a.provider,
                        render_unreadable(a),
                    ),
                };
                (env == caller.env
                    && end_user.as_ref().is_none_or(|u| user == u)
                    && provider.as_ref().is_none_or(|p| prov == p))
                .then_some(value)
            })
            .collect();
        Ok(Json(v1::list_envelope(items)).into_response())
    }
    .await
    .unwrap_or_else(|e: ApiError| e.into_response())
}

/// `GET /api/v1/accounts/{id}`.
pub async fn get(
    State(gw): State<Gateway>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    async {
        let caller = caller(&gw, &headers).await?;
        request::identifier(D, "id", &id)?;
        let entry = gw.account_by_id(D, &caller, &id).await?;
        Ok(Json(v1::envelope(200, render(&entry.account))).into_response())
    }
    .await
    .unwrap_or_else(|e: ApiError| e.into_response())
}

/// `PATCH /api/v1/accounts/{id}`: replaces credentials and/or the field mapping.
pub async fn update(
    State(gw): State<Gateway>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    async {
        let caller = caller(&gw, &headers).await?;
        request::identifier(D, "id", &id)?;
        // Visibility first: another project's or environment's account is "not found".
        let existing = gw.account_by_id(D, &caller, &id).await?;
        let bytes = request::read_body(D, &headers, body, gw.config().body_limit).await?;
        let b: UpdateBody = dialect::parse_json(&bytes).map_err(|e| ApiError::new(D, e))?;
        if let Some(m) = &b.field_mapping {
            check_mapping(m)?;
            gw.config().limits.check_field_mapping(D, m)?;
        }
        if let Some(c) = &b.credentials {
            check_credentials(
                &gw,
                existing.account.environment,
                &existing.account.provider,
                c,
            )?;
        }
        let updated = gw
            .store()
            .update_account(
                &caller.project.id,
                &id,
                b.credentials.map(CredentialPairs),
                b.field_mapping,
            )
            .await
            .map_err(|e| gw.store_error(D, e))?;
        gw.invalidate_account(&id);
        match updated {
            Some(a) => Ok(Json(v1::envelope(200, render(&a))).into_response()),
            None => Err(ApiError::not_found(D, format!("no linked account {id:?}"))),
        }
    }
    .await
    .unwrap_or_else(|e: ApiError| e.into_response())
}

/// `DELETE /api/v1/accounts/{id}`.
pub async fn delete(
    State(gw): State<Gateway>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    async {
        let caller = caller(&gw, &headers).await?;
        request::identifier(D, "id", &id)?;
        // Scoped in the store, without decrypting: an account whose credentials no longer
        // decrypt can still be unlinked.
        let deleted = gw
            .store()
            .delete_account_in(&caller.project.id, caller.env, &id)
            .await
            .map_err(|e| gw.store_error(D, e))?;
        gw.invalidate_account(&id);
        if !deleted {
            return Err(ApiError::not_found(
                D,
                format!(
                    "no linked account {id:?} in this project's {} environment",
                    caller.env
                ),
            ));
        }
        Ok(Json(v1::envelope(200, json!({"id": id, "deleted": true}))).into_response())
    }
    .await
    .unwrap_or_else(|e: ApiError| e.into_response())
}
