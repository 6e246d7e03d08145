//! Pipedrive emulator (feature `sandbox`): the endpoints this connector uses, with Pipedrive's
//! paths, bodies, ids, paging and errors, on the `unicrm-sandbox` machinery.
//!
//! Served (under the sandbox's `/pipedrive` prefix):
//!
//! * API v2 `GET|POST /api/v2/{persons,organizations,deals,activities}` and
//!   `GET|PATCH|DELETE /api/v2/{…}/{id}`: numeric ids, `{"success": true, "data": …}` answers
//!   (200 on create), cursor paging (`limit` ≤ 500, default 100; `additional_data.next_cursor`,
//!   `null` at the end), `updated_since`, `sort_by` (`id`, `update_time`, `add_time`) and
//!   `sort_direction`, the `ids` (≤ 100) and `person_id` / `org_id` / `owner_id` / `deal_id` filters;
//! * `GET /api/v2/{persons,organizations}/search` (`term`, `fields`, `exact_match`, `limit`);
//! * `GET /api/v2/{personFields,organizationFields,dealFields,activityFields}`;
//! * API v1 `GET|POST /v1/leads` (201 on create, UUID ids, `start`/`limit` paging with
//!   `additional_data.pagination`) and `GET|PATCH|DELETE /v1/leads/{id}`;
//! * `GET /v1/users/{id}` (three users per account; id 1 owns what the API creates);
//! * `POST /oauth/token` (`grant_type=refresh_token`: the new access token names the same
//!   sandbox account);
//! * the rules: a person / organization needs a `name`, a deal a `title`, a lead a `title` and a
//!   person or an organization; references must exist; emails/phones are `{value, primary,
//!   label}` arrays; custom fields are 40-character hash keys; a stage must exist; an activity
//!   type must be known; 400/401/404/429/5xx in Pipedrive's `{"success": false, "error": …}` form.

// Helpers short-circuit with the provider's error `Response`; boxing it would only add noise.
#![allow(clippy::result_large_err)]

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use unicrm_sandbox::auth::{AuthProblem, TenantToken};
use unicrm_sandbox::paging::{after_cursor, offset_limit};
use unicrm_sandbox::{ErrorFormat, Sandbox, StdRng, StoredRecord, TenantStore};

use crate::mapping::{is_custom_key, is_uuid};

/// Pipedrive's `error_info` on every error answer.
const ERROR_INFO: &str =
    "Please check developers.pipedrive.com for more information about Pipedrive API.";
/// Largest v2 page ("a maximum value of 500 is allowed").
const PAGE_MAX: usize = 500;
/// Default page size ("If not provided, 100 items will be returned").
const PAGE_DEFAULT: usize = 100;
/// The user the API acts as (owner of what it creates without `owner_id`).
const API_USER: i64 = 1;
/// Activity types of a new Pipedrive account ("call, meeting, lunch or a custom type").
const ACTIVITY_TYPES: &[&str] = &["call", "meeting", "task", "deadline", "email", "lunch"];
/// Options of the organization field `industry` (a new account's list, abridged).
const INDUSTRIES: &[(i64, &str)] = &[
    (1, "Technology"),
    (2, "Finance"),
    (3, "Healthcare"),
    (4, "Manufacturing"),
    (5, "Retail"),
];
/// The default pipeline's stages (id, name); a new account has one pipeline (id 1).
const STAGES: &[(i64, &str)] = &[
    (1, "Qualified"),
    (2, "Contact Made"),
    (3, "Demo Scheduled"),
    (4, "Proposal Made"),
    (5, "Negotiations Started"),
];

/// The four API v2 objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Obj {
    Persons,
    Organizations,
    Deals,
    Activities,
}

impl Obj {
    fn collection(self) -> &'static str {
        match self {
            Obj::Persons => "persons",
            Obj::Organizations => "organizations",
            Obj::Deals => "deals",
            Obj::Activities => "activities",
        }
    }

    /// "Person not found" …
    fn noun(self) -> &'static str {
        match self {
            Obj::Persons => "Person",
            Obj::Organizations => "Organization",
            Obj::Deals => "Deal",
            Obj::Activities => "Activity",
        }
    }

    /// Writable fields (v2 request bodies); other keys are ignored as Pipedrive ignores them.
    fn writable(self) -> &'static [&'static str] {
        match self {
            Obj::Persons => &[
                "name",
                "owner_id",
                "org_id",
                "emails",
                "phones",
                "visible_to",
                "label_ids",
                "marketing_status",
                "postal_address",
                "job_title",
                "notes",
                "im",
                "birthday",
                "custom_fields",
            ],
            Obj::Organizations => &[
                "name",
                "owner_id",
                "address",
                "visible_to",
                "label_ids",
                "website",
                "linkedin",
                "industry",
                "annual_revenue",
                "employee_count",
                "custom_fields",
            ],
            Obj::Deals => &[
                "title",
                "owner_id",
                "person_id",
                "org_id",
                "pipeline_id",
                "stage_id",
                "value",
                "currency",
                "status",
                "probability",
                "lost_reason",
                "visible_to",
                "close_time",
                "won_time",
                "lost_time",
                "expected_close_date",
                "label_ids",
                "is_archived",
                "custom_fields",
            ],
            Obj::Activities => &[
                "subject",
                "type",
                "owner_id",
                "deal_id",
                "lead_id",
                "person_id",
                "org_id",
                "project_id",
                "due_date",
                "due_time",
                "duration",
                "busy",
                "done",
                "location",
                "participants",
                "attendees",
                "public_description",
                "priority",
                "note",
                "custom_fields",
            ],
        }
    }
}

/// Writable lead fields (v1); custom field keys are accepted top-level too.
const LEAD_WRITABLE: &[&str] = &[
    "title",
    "owner_id",
    "label_ids",
    "person_id",
    "organization_id",
    "value",
    "expected_close_date",
    "visible_to",
    "was_seen",
    "origin_id",
    "channel",
    "channel_id",
    "is_archived",
];

/// Pipedrive's error rendering for the sandbox machinery (auth, faults).
#[derive(Debug, Clone, Copy, Default)]
pub struct PipedriveErrors;

fn error_body(message: &str, code: Option<u16>) -> Value {
    let mut body = json!({
        "success": false,
        "error": message,
        "error_info": ERROR_INFO,
        "data": null,
        "additional_data": null,
    });
    if let Some(c) = code {
        body["errorCode"] = json!(c);
    }
    body
}

impl ErrorFormat for PipedriveErrors {
    fn unauthorized(&self, _problem: AuthProblem) -> Response {
        (
            StatusCode::UNAUTHORIZED,
            Json(error_body("unauthorized access", Some(401))),
        )
            .into_response()
    }

    fn rate_limited(&self, retry_after: Duration) -> Response {
        let reset = retry_after.as_secs().to_string();
        (
            StatusCode::TOO_MANY_REQUESTS,
            [
                ("x-ratelimit-limit", "40".to_owned()),
                ("x-ratelimit-remaining", "0".to_owned()),
                ("x-ratelimit-reset", reset),
            ],
            Json(error_body("Too Many Requests", Some(429))),
        )
            .into_response()
    }

    fn server_error(&self, status: StatusCode) -> Response {
        let message = if status == StatusCode::SERVICE_UNAVAILABLE {
            "Requested service is not available"
        } else {
            "Internal server error"
        };
        (status, Json(error_body(message, None))).into_response()
    }

    fn not_found(&self) -> Option<Response> {
        Some(not_found("Item"))
    }

    fn validation_error(&self) -> Option<Response> {
        // Pipedrive has no duplicate check answering 409, so `conflict` keeps the default (none).
        Some(bad(
            "Validation failed: visible_to: Parameter 'visible_to' must be one of 1, 3, 5, 7",
        ))
    }
}

fn err(status: StatusCode, message: impl AsRef<str>) -> Response {
    (status, Json(error_body(message.as_ref(), None))).into_response()
}

fn bad(message: impl AsRef<str>) -> Response {
    err(StatusCode::BAD_REQUEST, message)
}

fn not_found(noun: &str) -> Response {
    err(StatusCode::NOT_FOUND, format!("{noun} not found"))
}

fn ok(status: StatusCode, data: Value) -> Response {
    (status, Json(json!({"success": true, "data": data}))).into_response()
}

/// v2 times: `2021-01-01T00:00:00Z`.
fn v2_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// v1 lead times: `2020-10-14T11:30:36.551Z`.
fn v1_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn query_pairs(q: &Option<String>) -> Vec<(String, String)> {
    q.as_deref()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn parse_object(body: &Bytes) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(bad(
            "Validation failed: body: the request body must be a JSON object",
        )),
        Err(e) => Err(bad(format!("Validation failed: body: invalid JSON: {e}"))),
    }
}

fn int_param(name: &str, v: &Value) -> Result<Option<i64>, Response> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) if n.as_i64().is_some_and(|n| n > 0) => Ok(n.as_i64()),
        _ => Err(bad(format!(
            "Validation failed: {name}: Parameter '{name}' must be a positive integer"
        ))),
    }
}

fn exists(store: &TenantStore, collection: &str, id: i64) -> bool {
    store.get(collection, &id.to_string()).is_some()
}

fn check_ref(
    store: &TenantStore,
    field: &str,
    v: &Value,
    collection: &str,
    noun: &str,
) -> Result<(), Response> {
    if let Some(id) = int_param(field, v)? {
        if !exists(store, collection, id) {
            return Err(bad(format!(
                "Validation failed: {field}: {noun} with id {id} does not exist"
            )));
        }
    }
    Ok(())
}

fn check_owner(v: &Value) -> Result<(), Response> {
    if let Some(id) = int_param("owner_id", v)? {
        if user(id).is_none() {
            return Err(bad(format!(
                "Validation failed: owner_id: User with id {id} does not exist"
            )));
        }
    }
    Ok(())
}

fn check_labeled(name: &str, v: &Value) -> Result<(), Response> {
    let ok = match v {
        Value::Null => true,
        Value::Array(items) => items.iter().all(|i| {
            i.get("value").and_then(Value::as_str).is_some()
                && i.get("primary").is_none_or(Value::is_boolean)
                && i.get("label").is_none_or(|l| l.is_string() || l.is_null())
        }),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(bad(format!(
            "Validation failed: {name}: Parameter '{name}' must be an array of objects with value, primary and label"
        )))
    }
}

fn check_date(name: &str, v: &Value) -> Result<(), Response> {
    match v {
        Value::Null => Ok(()),
        Value::String(s) if NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => Ok(()),
        _ => Err(bad(format!(
            "Validation failed: {name}: Parameter '{name}' must be a date in YYYY-MM-DD format"
        ))),
    }
}

fn check_hms(name: &str, v: &Value) -> Result<(), Response> {
    let valid = |s: &str| {
        NaiveTime::parse_from_str(s, "%H:%M:%S").is_ok()
            || NaiveTime::parse_from_str(s, "%H:%M").is_ok()
    };
    match v {
        Value::Null => Ok(()),
        Value::String(s) if valid(s) => Ok(()),
        _ => Err(bad(format!(
            "Validation failed: {name}: Parameter '{name}' must be a time in HH:MM:SS format"
        ))),
    }
}

fn check_duration(v: &Value) -> Result<(), Response> {
    match v {
        Value::Null => Ok(()),
        Value::String(s) if crate::mapping::meeting::parse_duration(s).is_ok() => Ok(()),
        _ => Err(bad(
            "Validation failed: duration: Parameter 'duration' must be a duration in HH:MM:SS format",
        )),
    }
}

/// Whether `key` is a custom field of `obj` in the sandbox account.
fn defined_custom_key(obj: Obj, key: &str) -> bool {
    fields_of(obj).iter().any(|f| {
        f.get("is_custom_field") == Some(&Value::Bool(true))
            && f.get("field_code").and_then(Value::as_str) == Some(key)
    })
}

fn check_custom_fields(obj: Obj, v: &Value) -> Result<(), Response> {
    match v {
        Value::Null => Ok(()),
        Value::Object(m) => match m.keys().find(|k| !defined_custom_key(obj, k)) {
            Some(k) => Err(bad(format!(
                "Validation failed: custom_fields: Unknown custom field key '{k}'"
            ))),
            None => Ok(()),
        },
        _ => Err(bad(
            "Validation failed: custom_fields: Parameter 'custom_fields' must be an object",
        )),
    }
}

fn check_name(field: &str, body: &Map<String, Value>, create: bool) -> Result<(), Response> {
    match body.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(()),
        None if !create => Ok(()),
        _ => Err(bad(format!(
            "Validation failed: {field}: Parameter '{field}' is required and must be a non-empty string"
        ))),
    }
}

/// Validates a v2 body (`create`: a POST) against the account's records.
fn validate(
    obj: Obj,
    store: &TenantStore,
    body: &Map<String, Value>,
    create: bool,
) -> Result<(), Response> {
    for (k, v) in body {
        match k.as_str() {
            "owner_id" => check_owner(v)?,
            "org_id" => check_ref(store, k, v, "organizations", "Organization")?,
            "person_id" => check_ref(store, k, v, "persons", "Person")?,
            "deal_id" => check_ref(store, k, v, "deals", "Deal")?,
            "emails" | "phones" => check_labeled(k, v)?,
            "custom_fields" => check_custom_fields(obj, v)?,
            "expected_close_date" | "due_date" | "birthday" => check_date(k, v)?,
            "due_time" => check_hms(k, v)?,
            "duration" => check_duration(v)?,
            _ => {}
        }
    }
    match obj {
        Obj::Persons => check_name("name", body, create)?,
        Obj::Organizations => {
            check_name("name", body, create)?;
            if let Some(v) = body.get("industry") {
                if let Some(id) = int_param("industry", v)? {
                    if !INDUSTRIES.iter().any(|(i, _)| *i == id) {
                        return Err(bad(format!(
                            "Validation failed: industry: Industry option with id {id} does not exist"
                        )));
                    }
                }
            }
            for k in ["annual_revenue", "employee_count"] {
                if let Some(v) = body.get(k) {
                    if !(v.is_null() || v.as_i64().is_some_and(|n| n >= 0)) {
                        return Err(bad(format!(
                            "Validation failed: {k}: Parameter '{k}' must be a non-negative integer"
                        )));
                    }
                }
            }
        }
        Obj::Deals => {
            check_name("title", body, create)?;
            if let Some(v) = body.get("value") {
                if !(v.is_number() || v.is_null()) {
                    return Err(bad(
                        "Validation failed: value: Parameter 'value' must be a number",
                    ));
                }
            }
            if let Some(c) = body.get("currency").and_then(Value::as_str) {
                if c.len() != 3 {
                    return Err(bad(format!(
                        "Validation failed: currency: Unknown currency '{c}'"
                    )));
                }
            }
            if let Some(s) = body.get("status") {
                if !matches!(s.as_str(), Some("open" | "won" | "lost" | "deleted")) {
                    return Err(bad(
                        "Validation failed: status: Parameter 'status' must be one of open, won, lost, deleted",
                    ));
                }
            }
            if let Some(v) = body.get("stage_id") {
                if let Some(id) = int_param("stage_id", v)? {
                    if !STAGES.iter().any(|(s, _)| *s == id) {
                        return Err(bad(format!(
                            "Validation failed: stage_id: Stage with id {id} does not exist"
                        )));
                    }
                }
            }
            if let Some(v) = body.get("pipeline_id") {
                if let Some(id) = int_param("pipeline_id", v)? {
                    if id != 1 {
                        return Err(bad(format!(
                            "Validation failed: pipeline_id: Pipeline with id {id} does not exist"
                        )));
                    }
                }
            }
            if let Some(p) = body.get("probability") {
                let fine = p.is_null() || p.as_f64().is_some_and(|p| (0.0..=100.0).contains(&p));
                if !fine {
                    return Err(bad(
                        "Validation failed: probability: Parameter 'probability' must be between 0 and 100",
                    ));
                }
            }
        }
        Obj::Activities => {
            if let Some(t) = body.get("type") {
                if !t.as_str().is_some_and(|t| ACTIVITY_TYPES.contains(&t)) {
                    return Err(bad(format!(
                        "Validation failed: type: Activity type '{}' does not exist",
                        t.as_str().unwrap_or_default()
                    )));
                }
            }
            if let Some(v) = body.get("participants") {
                let Some(list) = v.as_array() else {
                    return Err(bad(
                        "Validation failed: participants: Parameter 'participants' must be an array",
                    ));
                };
                for p in list {
                    let pid = p.get("person_id").cloned().unwrap_or(Value::Null);
                    if pid.is_null() {
                        return Err(bad(
                            "Validation failed: participants: every participant needs a person_id",
                        ));
                    }
                    check_ref(store, "participants.person_id", &pid, "persons", "Person")?;
                }
            }
            if let Some(v) = body.get("location") {
                if !(v.is_object() || v.is_null()) {
                    return Err(bad(
                        "Validation failed: location: Parameter 'location' must be an object",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The stored fields of a v2 body: writable keys only.
fn writable(obj: Obj, body: Map<String, Value>) -> Map<String, Value> {
    body.into_iter()
        .filter(|(k, _)| obj.writable().contains(&k.as_str()))
        .collect()
}

/// Fields Pipedrive derives: a person's first/last name, an activity's primary person, a deal's
/// pipeline of its stage.
fn derive(obj: Obj, data: &mut Map<String, Value>) {
    match obj {
        Obj::Persons => {
            if let Some(name) = data.get("name").and_then(Value::as_str).map(str::to_owned) {
                let (first, last) = match name.trim().split_once(' ') {
                    Some((f, l)) => (Value::from(f), Value::from(l.trim())),
                    None => (Value::from(name.trim()), Value::Null),
                };
                data.insert("first_name".into(), first);
                data.insert("last_name".into(), last);
            }
        }
        Obj::Activities => {
            let primary = data
                .get("participants")
                .and_then(Value::as_array)
                .and_then(|ps| {
                    ps.iter()
                        .find(|p| p.get("primary").and_then(Value::as_bool) == Some(true))
                        .or_else(|| ps.first())
                })
                .and_then(|p| p.get("person_id").cloned());
            if let Some(pid) = primary {
                data.insert("person_id".into(), pid);
            }
        }
        Obj::Deals => {
            if data.get("stage_id").is_some_and(|s| !s.is_null()) {
                data.insert("pipeline_id".into(), json!(1));
            }
        }
        Obj::Organizations => {}
    }
}

fn defaults(obj: Obj) -> Map<String, Value> {
    let v = match obj {
        Obj::Persons => json!({
            "owner_id": API_USER, "org_id": null, "emails": [], "phones": [], "label_ids": [],
            "visible_to": 3, "picture_id": null, "custom_fields": {}, "is_deleted": false,
        }),
        Obj::Organizations => json!({
            "owner_id": API_USER, "address": null, "label_ids": [], "visible_to": 3,
            "website": null, "linkedin": null, "industry": null, "annual_revenue": null,
            "employee_count": null, "custom_fields": {}, "is_deleted": false,
        }),
        Obj::Deals => json!({
            "creator_user_id": API_USER, "owner_id": API_USER, "value": 0, "currency": "USD",
            "person_id": null, "org_id": null, "stage_id": 1, "pipeline_id": 1,
            "status": "open", "probability": null, "expected_close_date": null,
            "label_ids": [], "visible_to": 3, "is_archived": false, "is_deleted": false,
            "custom_fields": {},
        }),
        Obj::Activities => json!({
            "subject": "", "type": "task", "owner_id": API_USER, "creator_user_id": API_USER,
            "deal_id": null, "lead_id": null, "person_id": null, "org_id": null,
            "project_id": null, "due_date": null, "due_time": null, "duration": null,
            "busy": true, "done": false, "location": null, "participants": [],
            "note": null, "is_deleted": false,
        }),
    };
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A stored record as Pipedrive answers it: numeric id and v2 times.
fn render_v2(rec: &StoredRecord) -> Value {
    let mut data = match &rec.data {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    data.insert(
        "id".into(),
        rec.id.parse::<i64>().map_or(Value::Null, Value::from),
    );
    data.insert("add_time".into(), Value::String(v2_time(rec.created_at)));
    data.insert("update_time".into(), Value::String(v2_time(rec.updated_at)));
    Value::Object(data)
}

fn render_lead(rec: &StoredRecord) -> Value {
    let mut data = match &rec.data {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    data.insert("id".into(), Value::String(rec.id.clone()));
    data.insert("add_time".into(), Value::String(v1_time(rec.created_at)));
    data.insert("update_time".into(), Value::String(v1_time(rec.updated_at)));
    Value::Object(data)
}

fn v2_id(id: &str) -> Option<String> {
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(|n| n.to_string())
}

async fn list_v2(sb: Sandbox, token: String, q: Option<String>, obj: Obj) -> Response {
    let store = sb.tenant(&token);
    let pairs = query_pairs(&q);
    let limit = match param(&pairs, "limit") {
        None => PAGE_DEFAULT,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=PAGE_MAX).contains(&n) => n,
            _ => return bad(
                "Validation failed: limit: Parameter 'limit' must be an integer between 1 and 500",
            ),
        },
    };
    let since = match param(&pairs, "updated_since") {
        None => None,
        Some(s) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                return bad(
                    "Validation failed: updated_since: Parameter 'updated_since' must be in RFC3339 format",
                )
            }
        },
    };
    let sort_by = param(&pairs, "sort_by").unwrap_or("id");
    if !matches!(sort_by, "id" | "update_time" | "add_time") {
        return bad("Validation failed: sort_by: Parameter 'sort_by' must be one of id, update_time, add_time");
    }
    let desc =
        match param(&pairs, "sort_direction").unwrap_or("asc") {
            "asc" => false,
            "desc" => true,
            _ => return bad(
                "Validation failed: sort_direction: Parameter 'sort_direction' must be asc or desc",
            ),
        };
    let filters: Vec<(&str, i64)> = ["person_id", "org_id", "owner_id", "deal_id"]
        .iter()
        .filter_map(|k| {
            param(&pairs, k)
                .and_then(|v| v.parse().ok())
                .map(|v| (*k, v))
        })
        .collect();
    let ids: Option<Vec<String>> = param(&pairs, "ids").map(|v| {
        v.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    });
    if ids.as_ref().is_some_and(|i| i.len() > 100) {
        return bad("Validation failed: ids: Parameter 'ids' must have at most 100 items");
    }
    let mut records = store.find(obj.collection(), |r| {
        ids.as_ref().is_none_or(|i| i.contains(&r.id))
            && since.is_none_or(|s| r.updated_at >= s)
            && filters
                .iter()
                .all(|(k, v)| r.data.get(*k).and_then(Value::as_i64) == Some(*v))
    });
    let key = |r: &StoredRecord| -> u64 {
        let raw = match sort_by {
            "update_time" => r.updated_at.timestamp_millis().max(0) as u64,
            "add_time" => r.created_at.timestamp_millis().max(0) as u64,
            _ => r.id.parse::<u64>().unwrap_or(0),
        };
        if desc {
            u64::MAX - raw
        } else {
            raw
        }
    };
    records.sort_by_key(|r| key(r));
    let page = match after_cursor(records, key, param(&pairs, "cursor"), limit) {
        Ok(p) => p,
        Err(_) => return bad("Validation failed: cursor: Invalid cursor"),
    };
    let data: Vec<Value> = page.items.iter().map(render_v2).collect();
    Json(json!({
        "success": true,
        "data": data,
        "additional_data": {"next_cursor": page.next},
    }))
    .into_response()
}

async fn get_v2(sb: Sandbox, token: String, id: String, obj: Obj) -> Response {
    let store = sb.tenant(&token);
    match v2_id(&id).and_then(|id| store.get(obj.collection(), &id)) {
        Some(rec) => ok(StatusCode::OK, render_v2(&rec)),
        None => not_found(obj.noun()),
    }
}

async fn create_v2(sb: Sandbox, token: String, body: Bytes, obj: Obj) -> Response {
    let store = sb.tenant(&token);
    let body = match parse_object(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = validate(obj, &store, &body, true) {
        return r;
    }
    let mut data = defaults(obj);
    data.extend(writable(obj, body));
    derive(obj, &mut data);
    match store.insert(obj.collection(), sb.numeric_id(), Value::Object(data)) {
        Ok(rec) => ok(StatusCode::OK, render_v2(&rec)),
        Err(e) => err(StatusCode::CONFLICT, e.to_string()),
    }
}

async fn update_v2(sb: Sandbox, token: String, id: String, body: Bytes, obj: Obj) -> Response {
    let store = sb.tenant(&token);
    let Some(id) = v2_id(&id).filter(|id| store.get(obj.collection(), id).is_some()) else {
        return not_found(obj.noun());
    };
    let body = match parse_object(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = validate(obj, &store, &body, false) {
        return r;
    }
    let changes = writable(obj, body);
    let result = store.update(obj.collection(), &id, |data| {
        if let Value::Object(m) = data {
            for (k, v) in changes {
                if k == "custom_fields" {
                    let cf = m
                        .entry("custom_fields")
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let (Value::Object(cf), Value::Object(new)) = (cf, v) {
                        cf.extend(new);
                    }
                } else {
                    m.insert(k, v);
                }
            }
            derive(obj, m);
        }
    });
    match result {
        Ok(rec) => ok(StatusCode::OK, render_v2(&rec)),
        Err(_) => not_found(obj.noun()),
    }
}

async fn delete_v2(sb: Sandbox, token: String, id: String, obj: Obj) -> Response {
    let store = sb.tenant(&token);
    match v2_id(&id).and_then(|id| store.delete(obj.collection(), &id).ok()) {
        Some(rec) => ok(
            StatusCode::OK,
            json!({"id": rec.id.parse::<i64>().unwrap_or_default()}),
        ),
        None => not_found(obj.noun()),
    }
}

async fn search(sb: Sandbox, token: String, q: Option<String>, obj: Obj) -> Response {
    let store = sb.tenant(&token);
    let pairs = query_pairs(&q);
    let term = param(&pairs, "term").unwrap_or_default().trim().to_owned();
    let exact = param(&pairs, "exact_match") == Some("true");
    if term.chars().count() < if exact { 1 } else { 2 } {
        return bad("Validation failed: term: Parameter 'term' must be at least 2 characters long");
    }
    let fields: Vec<String> = param(&pairs, "fields")
        .map(|f| f.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_else(|| vec!["name".into(), "email".into(), "phone".into()]);
    let limit = param(&pairs, "limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(PAGE_DEFAULT)
        .clamp(1, PAGE_MAX);
    let needle = term.to_lowercase();
    let matches = |s: &str| {
        let s = s.to_lowercase();
        if exact {
            s == needle
        } else {
            s.contains(&needle)
        }
    };
    let values = |r: &StoredRecord, key: &str| -> Vec<String> {
        r.data
            .get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|i| i.get("value").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let hits = store.find(obj.collection(), |r| {
        fields.iter().any(|f| match f.as_str() {
            "name" => r
                .data
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(matches),
            "email" => values(r, "emails").iter().any(|e| matches(e)),
            "phone" => values(r, "phones").iter().any(|p| matches(p)),
            _ => false,
        })
    });
    let items: Vec<Value> = hits
        .iter()
        .take(limit)
        .map(|r| {
            let mut item = json!({
                "id": r.id.parse::<i64>().unwrap_or_default(),
                "type": if obj == Obj::Persons { "person" } else { "organization" },
                "name": r.data.get("name").cloned().unwrap_or(Value::Null),
                "visible_to": r.data.get("visible_to").cloned().unwrap_or(Value::Null),
                "owner": {"id": r.data.get("owner_id").cloned().unwrap_or(Value::Null)},
                "custom_fields": [],
            });
            if obj == Obj::Persons {
                item["emails"] = json!(values(r, "emails"));
                item["phones"] = json!(values(r, "phones"));
            }
            json!({"result_score": 1.0, "item": item})
        })
        .collect();
    Json(json!({
        "success": true,
        "data": {"items": items},
        "additional_data": {"next_cursor": null},
    }))
    .into_response()
}

fn field(name: &str, code: &str, kind: &str, custom: bool, options: Value) -> Value {
    json!({
        "field_name": name,
        "field_code": code,
        "field_type": kind,
        "options": options,
        "subfields": null,
        "is_custom_field": custom,
        "is_optional_response_field": false,
    })
}

/// The fields of an object: a few standard ones and the sandbox account's custom fields.
fn fields_of(obj: Obj) -> Vec<Value> {
    let enum_opts =
        json!([{"id": 190, "label": "Private person"}, {"id": 191, "label": "Company"}]);
    match obj {
        Obj::Persons => vec![
            field("Name", "name", "varchar", false, Value::Null),
            field("Email", "emails", "varchar", false, Value::Null),
            field("Phone", "phones", "phone", false, Value::Null),
            field("Organization", "org_id", "org", false, Value::Null),
            field(
                "Customer Type",
                "9dc80c50d78a15643bfc4ca79d76156a73a1ca0e",
                "enum",
                true,
                enum_opts,
            ),
            field(
                "LinkedIn",
                "5f3a0c1be4a2a9b4c0e1d2f3a4b5c6d7e8f90123",
                "varchar",
                true,
                Value::Null,
            ),
        ],
        Obj::Organizations => vec![
            field("Organization Name", "name", "varchar", false, Value::Null),
            field("Address", "address", "address", false, Value::Null),
            field("Website", "website", "varchar", false, Value::Null),
            field(
                "Industry",
                "industry",
                "enum",
                false,
                Value::Array(
                    INDUSTRIES
                        .iter()
                        .map(|(id, label)| json!({"id": id, "label": label}))
                        .collect(),
                ),
            ),
            field(
                "Annual revenue",
                "annual_revenue",
                "int",
                false,
                Value::Null,
            ),
            field(
                "Segment",
                "40c7e2f1a3b5d7e9f0a1b2c3d4e5f6a7b8c9d0e1",
                "enum",
                true,
                json!([{"id": 21, "label": "SMB"}, {"id": 22, "label": "Enterprise"}]),
            ),
            field(
                "Account number",
                "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
                "varchar",
                true,
                Value::Null,
            ),
        ],
        Obj::Deals => vec![
            field("Title", "title", "varchar", false, Value::Null),
            field("Value", "value", "monetary", false, Value::Null),
            field(
                "Contract length",
                "b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1",
                "double",
                true,
                Value::Null,
            ),
            field(
                "Regions",
                "c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2",
                "set",
                true,
                json!([{"id": 11, "label": "EMEA"}, {"id": 12, "label": "APAC"}]),
            ),
            field(
                "Purchase order",
                "e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4",
                "varchar",
                true,
                Value::Null,
            ),
        ],
        Obj::Activities => vec![
            field("Subject", "subject", "varchar", false, Value::Null),
            field("Type", "type", "enum", false, Value::Null),
            field(
                "Meeting room",
                "d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3",
                "varchar",
                true,
                Value::Null,
            ),
        ],
    }
}

async fn list_fields(obj: Obj) -> Response {
    Json(json!({
        "success": true,
        "data": fields_of(obj),
        "additional_data": {"next_cursor": null},
    }))
    .into_response()
}

/// The sandbox account's users.
fn user(id: i64) -> Option<Value> {
    let (name, email) = match id {
        1 => ("Sandbox Admin", "admin@sandbox.pipedrive.example"),
        2 => ("Jane Doe", "jane@sandbox.pipedrive.example"),
        3 => ("Will Smith", "will@sandbox.pipedrive.example"),
        _ => return None,
    };
    Some(json!({
        "id": id,
        "name": name,
        "email": email,
        "default_currency": "USD",
        "locale": "en_US",
        "lang": 1,
        "active_flag": true,
        "is_admin": u8::from(id == 1),
        "timezone_name": "Europe/Tallinn",
    }))
}

async fn get_user(_token: TenantToken, Path(id): Path<String>) -> Response {
    match id.parse::<i64>().ok().and_then(user) {
        Some(u) => ok(StatusCode::OK, u),
        None => not_found("User"),
    }
}

fn validate_lead(
    store: &TenantStore,
    body: &Map<String, Value>,
    current: Option<&Value>,
) -> Result<(), Response> {
    let create = current.is_none();
    for (k, v) in body {
        match k.as_str() {
            "owner_id" => check_owner(v)?,
            "person_id" => check_ref(store, k, v, "persons", "Person")?,
            "organization_id" => check_ref(store, k, v, "organizations", "Organization")?,
            "expected_close_date" => check_date(k, v)?,
            "label_ids" => {
                let fine = v
                    .as_array()
                    .is_some_and(|a| a.iter().all(|l| l.as_str().is_some_and(is_uuid)));
                if !fine {
                    return Err(bad("Validation failed: label_ids: Parameter 'label_ids' must be an array of UUIDs"));
                }
            }
            "value" => {
                let fine = v.is_null()
                    || (v.get("amount").is_some_and(Value::is_number)
                        && v.get("currency").and_then(Value::as_str).is_some());
                if !fine {
                    return Err(bad(
                        "Validation failed: value: both 'amount' and 'currency' are required",
                    ));
                }
            }
            k if is_custom_key(k) && !defined_custom_key(Obj::Deals, k) => {
                return Err(bad(format!(
                    "Validation failed: {k}: Unknown custom field key '{k}'"
                )))
            }
            "is_archived" | "was_seen" if !v.is_boolean() => {
                return Err(bad(format!(
                    "Validation failed: {k}: Parameter '{k}' must be a boolean"
                )))
            }
            _ => {}
        }
    }
    check_name("title", body, create)?;
    let linked = |k: &str| {
        body.get(k)
            .or_else(|| current.and_then(|c| c.get(k)))
            .is_some_and(|v| !v.is_null())
    };
    if !linked("person_id") && !linked("organization_id") {
        return Err(bad("A lead must be linked to a person or an organization"));
    }
    Ok(())
}

/// Lead custom fields are the account's deal custom fields, sent top-level.
fn lead_writable(body: Map<String, Value>) -> Map<String, Value> {
    body.into_iter()
        .filter(|(k, _)| LEAD_WRITABLE.contains(&k.as_str()) || defined_custom_key(Obj::Deals, k))
        .collect()
}

async fn list_leads(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    RawQuery(q): RawQuery,
) -> Response {
    let store = sb.tenant(&token);
    let pairs = query_pairs(&q);
    let start = param(&pairs, "start")
        .map(|s| s.parse::<usize>())
        .transpose();
    let limit = param(&pairs, "limit")
        .map(|s| s.parse::<usize>())
        .transpose();
    let (Ok(start), Ok(limit)) = (start, limit) else {
        return bad("Validation failed: start/limit must be non-negative integers");
    };
    let limit = limit.unwrap_or(PAGE_DEFAULT);
    if !(1..=PAGE_MAX).contains(&limit) {
        return bad(
            "Validation failed: limit: Parameter 'limit' must be an integer between 1 and 500",
        );
    }
    let start = start.unwrap_or(0);
    let records = store.list("leads");
    let page = match offset_limit(records, start, limit) {
        Ok(p) => p,
        Err(_) => return bad("Validation failed: limit"),
    };
    let data: Vec<Value> = page.items.iter().map(render_lead).collect();
    let mut pagination = json!({
        "start": start,
        "limit": limit,
        "more_items_in_collection": page.has_more(),
    });
    if let Some(next) = page.next_offset {
        pagination["next_start"] = json!(next);
    }
    Json(json!({
        "success": true,
        "data": data,
        "additional_data": {"pagination": pagination},
    }))
    .into_response()
}

async fn get_lead(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
) -> Response {
    match sb.tenant(&token).get("leads", &id) {
        Some(rec) => ok(StatusCode::OK, render_lead(&rec)),
        None => not_found("Lead"),
    }
}

async fn create_lead(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    body: Bytes,
) -> Response {
    let store = sb.tenant(&token);
    let body = match parse_object(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = validate_lead(&store, &body, None) {
        return r;
    }
    let mut data = match json!({
        "owner_id": API_USER, "creator_id": API_USER, "label_ids": [], "person_id": null,
        "organization_id": null, "source_name": "API", "origin": "API", "origin_id": null,
        "channel": null, "channel_id": null, "is_archived": false, "was_seen": false,
        "value": null, "expected_close_date": null, "next_activity_id": null,
        "visible_to": "3",
    }) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    data.extend(lead_writable(body));
    let id = sb.uuid();
    data.insert(
        "cc_email".into(),
        json!(format!("sandbox+lead{}@pipedrivemail.example", &id[..8])),
    );
    match store.insert("leads", id, Value::Object(data)) {
        Ok(rec) => ok(StatusCode::CREATED, render_lead(&rec)),
        Err(e) => err(StatusCode::CONFLICT, e.to_string()),
    }
}

async fn update_lead(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let store = sb.tenant(&token);
    let Some(current) = store.get("leads", &id) else {
        return not_found("Lead");
    };
    let body = match parse_object(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = validate_lead(&store, &body, Some(&current.data)) {
        return r;
    }
    let changes = lead_writable(body);
    match store.update("leads", &id, |data| {
        if let Value::Object(m) = data {
            m.extend(changes);
        }
    }) {
        Ok(rec) => ok(StatusCode::OK, render_lead(&rec)),
        Err(_) => not_found("Lead"),
    }
}

async fn delete_lead(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
) -> Response {
    match sb.tenant(&token).delete("leads", &id) {
        Ok(rec) => ok(StatusCode::OK, json!({"id": rec.id})),
        Err(_) => not_found("Lead"),
    }
}

/// `POST /oauth/token`: `grant_type=refresh_token` with Basic client credentials.
async fn oauth_token(headers: HeaderMap, body: Bytes) -> Response {
    let oauth_err = |status: StatusCode, message: &str| {
        (
            status,
            Json(json!({"success": false, "error": message, "message": message})),
        )
            .into_response()
    };
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("basic "));
    if !basic {
        return oauth_err(
            StatusCode::UNAUTHORIZED,
            "Invalid client: cannot retrieve client credentials",
        );
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    match param(&pairs, "grant_type") {
        None => return oauth_err(StatusCode::BAD_REQUEST, "Missing parameter: grant_type"),
        Some("refresh_token") => {}
        Some(_) => {
            return oauth_err(
                StatusCode::BAD_REQUEST,
                "Unsupported grant type: grant_type is invalid",
            )
        }
    }
    let refresh = param(&pairs, "refresh_token").unwrap_or_default();
    if unicrm_sandbox::auth::is_reserved_rejected(refresh) {
        return oauth_err(
            StatusCode::BAD_REQUEST,
            "Invalid grant: refresh_token is invalid",
        );
    }
    Json(json!({
        "access_token": refresh,
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": refresh,
        "scope": "base,deals:full,contacts:full,leads:full,activities:full,users:read",
    }))
    .into_response()
}

macro_rules! v2_routes {
    ($router:expr, $obj:expr, $path:literal) => {
        $router
            .route(
                concat!("/api/v2/", $path),
                get(
                    |State(sb): State<Sandbox>, TenantToken(t): TenantToken, RawQuery(q): RawQuery| async move {
                        list_v2(sb, t, q, $obj).await
                    },
                )
                .post(
                    |State(sb): State<Sandbox>, TenantToken(t): TenantToken, body: Bytes| async move {
                        create_v2(sb, t, body, $obj).await
                    },
                ),
            )
            .route(
                concat!("/api/v2/", $path, "/{id}"),
                get(
                    |State(sb): State<Sandbox>, TenantToken(t): TenantToken, Path(id): Path<String>| async move {
                        get_v2(sb, t, id, $obj).await
                    },
                )
                .patch(
                    |State(sb): State<Sandbox>,
                     TenantToken(t): TenantToken,
                     Path(id): Path<String>,
                     body: Bytes| async move { update_v2(sb, t, id, body, $obj).await },
                )
                .delete(
                    |State(sb): State<Sandbox>, TenantToken(t): TenantToken, Path(id): Path<String>| async move {
                        delete_v2(sb, t, id, $obj).await
                    },
                ),
            )
    };
}

macro_rules! fields_route {
    ($router:expr, $obj:expr, $path:literal) => {
        $router.route(
            concat!("/api/v2/", $path),
            get(|_t: TenantToken| async move { list_fields($obj).await }),
        )
    };
}

/// The emulator's routes (paths as Pipedrive has them, without the `/pipedrive` prefix).
pub fn router(sandbox: Sandbox) -> Router {
    let r = Router::new();
    let r = v2_routes!(r, Obj::Persons, "persons");
    let r = v2_routes!(r, Obj::Organizations, "organizations");
    let r = v2_routes!(r, Obj::Deals, "deals");
    let r = v2_routes!(r, Obj::Activities, "activities");
    let r = r
        .route(
            "/api/v2/persons/search",
            get(
                |State(sb): State<Sandbox>, TenantToken(t): TenantToken, RawQuery(q): RawQuery| async move {
                    search(sb, t, q, Obj::Persons).await
                },
            ),
        )
        .route(
            "/api/v2/organizations/search",
            get(
                |State(sb): State<Sandbox>, TenantToken(t): TenantToken, RawQuery(q): RawQuery| async move {
                    search(sb, t, q, Obj::Organizations).await
                },
            ),
        );
    let r = fields_route!(r, Obj::Persons, "personFields");
    let r = fields_route!(r, Obj::Organizations, "organizationFields");
    let r = fields_route!(r, Obj::Deals, "dealFields");
    let r = fields_route!(r, Obj::Activities, "activityFields");
    r.route("/v1/leads", get(list_leads).post(create_lead))
        .route(
            "/v1/leads/{id}",
            get(get_lead).patch(update_lead).delete(delete_lead),
        )
        .route("/v1/users/{id}", get(get_user))
        .route("/oauth/token", post(oauth_token))
        .with_state(sandbox)
}

/// Fills an account with `n` organizations, persons, deals, meetings and leads.
pub fn seed(sb: &Sandbox, token: &str, n: usize, rng: &mut StdRng) {
    use unicrm_sandbox::fake;
    let store = sb.tenant(token);
    let today = Utc::now().date_naive();
    for i in 0..n {
        let company = fake::company(rng);
        let a = &company.address;
        let org_id = sb.numeric_id();
        let mut org = defaults(Obj::Organizations);
        org.insert("name".into(), json!(company.name));
        org.insert("website".into(), json!(company.website()));
        org.insert("employee_count".into(), json!(company.employees));
        if let Some((id, _)) = INDUSTRIES.iter().find(|(_, l)| *l == company.industry) {
            org.insert("industry".into(), json!(id));
        }
        org.insert(
            "address".into(),
            json!({"value": format!("{}, {}, {} {}, {}", a.street, a.city, a.state, a.postal_code, a.country),
                   "route": a.street, "locality": a.city, "admin_area_level_1": a.state,
                   "postal_code": a.postal_code, "country": a.country}),
        );
        let _ = store.insert("organizations", org_id.clone(), Value::Object(org));
        let org_num: i64 = org_id.parse().unwrap_or_default();

        let p = fake::person_at(rng, &company);
        let person_id = sb.numeric_id();
        let mut person = defaults(Obj::Persons);
        person.insert("name".into(), json!(p.full_name()));
        person.insert("org_id".into(), json!(org_num));
        person.insert(
            "emails".into(),
            json!([{"value": p.email, "primary": true, "label": "work"}]),
        );
        person.insert(
            "phones".into(),
            json!([{"value": p.phone, "primary": true, "label": "work"}]),
        );
        person.insert("job_title".into(), json!(p.job_title));
        derive(Obj::Persons, &mut person);
        let _ = store.insert("persons", person_id.clone(), Value::Object(person));
        let person_num: i64 = person_id.parse().unwrap_or_default();

        let d = fake::deal(rng, &company, today);
        let mut deal = defaults(Obj::Deals);
        deal.insert("title".into(), json!(d.name));
        deal.insert("value".into(), json!(d.amount));
        deal.insert("currency".into(), json!(d.currency));
        deal.insert("probability".into(), json!(d.probability));
        deal.insert(
            "expected_close_date".into(),
            json!(d.close_date.format("%Y-%m-%d").to_string()),
        );
        deal.insert("person_id".into(), json!(person_num));
        deal.insert("org_id".into(), json!(org_num));
        deal.insert("stage_id".into(), json!(STAGES[i % STAGES.len()].0));
        let deal_id = sb.numeric_id();
        let _ = store.insert("deals", deal_id.clone(), Value::Object(deal));

        let m = fake::meeting(rng, &company, Utc::now());
        let mut act = defaults(Obj::Activities);
        act.insert("subject".into(), json!(m.title));
        act.insert("type".into(), json!("meeting"));
        act.insert(
            "due_date".into(),
            json!(m.start.format("%Y-%m-%d").to_string()),
        );
        act.insert(
            "due_time".into(),
            json!(m.start.format("%H:%M:%S").to_string()),
        );
        act.insert(
            "duration".into(),
            json!(crate::mapping::meeting::format_duration(m.end - m.start)),
        );
        act.insert("location".into(), json!({"value": m.location}));
        act.insert(
            "participants".into(),
            json!([{"person_id": person_num, "primary": true}]),
        );
        act.insert("org_id".into(), json!(org_num));
        act.insert(
            "deal_id".into(),
            deal_id.parse::<i64>().map_or(Value::Null, Value::from),
        );
        derive(Obj::Activities, &mut act);
        let _ = store.insert("activities", sb.numeric_id(), Value::Object(act));

        let lead = json!({
            "title": format!("{} lead", p.full_name()), "owner_id": API_USER,
            "creator_id": API_USER, "label_ids": [], "person_id": person_num,
            "organization_id": org_num, "source_name": "API", "origin": "API",
            "origin_id": null, "channel": null, "channel_id": null, "is_archived": false,
            "was_seen": i % 2 == 0, "value": {"amount": d.amount, "currency": d.currency},
            "expected_close_date": null, "next_activity_id": null, "visible_to": "3",
        });
        let _ = store.insert("leads", sb.uuid(), lead);
    }
}

unicrm_sandbox::register_emulator! {
    id: crate::config::ID,
    router: router,
    seed: seed,
    errors: &PipedriveErrors,
}
