//! The Attio emulator (feature `sandbox`): the endpoints this connector uses, at Attio's paths,
//! with Attio's bodies, value shapes, validation errors, UUID ids, paging and 429s, on the
//! `unicrm-sandbox` machinery.
//!
//! Served (under the emulator prefix `/attio`):
//! * `POST /v2/objects/{object}/records`, `POST …/records/query`,
//!   `GET|PATCH|PUT|DELETE …/records/{record_id}` for `people`, `companies`, `deals`;
//! * `GET /v2/objects/{object}/attributes[/{attribute}[/options|/statuses]]`;
//! * `GET /v2/workspace_members[/{id}]`;
//! * `GET|POST /v2/meetings`, `GET|PATCH|PUT|DELETE /v2/meetings/{meeting_id}`.
//!
//! Each sandbox account (token) is its own workspace with the standard people, companies and
//! deals attributes (plus one custom attribute each: `preferred_language`, `tier`,
//! `renewal_date`), the default deal stages and two workspace members. Writes follow Attio's
//! documented semantics: values are stored as typed value objects with `active_from`; `PATCH`
//! appends to multiselect attributes, `PUT` overwrites them; unique attributes
//! (`email_addresses`, `domains`) answer 409; required deal attributes answer `missing_value`;
//! relationship attributes keep their inverse in step (person `company` ↔ company `team`, deal
//! `associated_people` ↔ person `associated_deals`, deal `associated_company` ↔ company
//! `associated_deals`). Error messages the docs do not quote are modelled, not copied.

// Handlers short-circuit with the provider's error `Response` as the `Err` of a `Result`.
#![allow(clippy::result_large_err)]

use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use unicrm_sandbox::auth::{AuthProblem, TenantToken};
use unicrm_sandbox::{ids, paging, ErrorFormat, Sandbox, StdRng, TenantStore};

use crate::config::{COMPANIES, DEALS, ID, PEOPLE};

/// How Attio renders 401, 429 and 5xx.
#[derive(Debug, Clone, Copy, Default)]
pub struct AttioErrors;

impl ErrorFormat for AttioErrors {
    fn unauthorized(&self, problem: AuthProblem) -> Response {
        error(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "invalid_api_key",
            &format!("Authentication failed: {problem}."),
        )
    }

    fn rate_limited(&self, retry_after: Duration) -> Response {
        // "They also always include a Retry-After header, which is a date at which the limit
        // resets (usually the following second)".
        let at = Utc::now()
            + chrono::Duration::from_std(retry_after.max(Duration::from_secs(1)))
                .unwrap_or_else(|_| chrono::Duration::seconds(1));
        let date = at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let mut resp = error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_error",
            "rate_limit_exceeded",
            "Rate limit exceeded, please try again later",
        );
        if let Ok(v) = http::HeaderValue::from_str(&date) {
            resp.headers_mut().insert(http::header::RETRY_AFTER, v);
        }
        resp
    }

    fn server_error(&self, status: StatusCode) -> Response {
        error(
            status,
            "api_error",
            "internal_server_error",
            "An unexpected error occurred.",
        )
    }
}

/// An Attio error answer `{status_code, type, code, message}`.
fn error(status: StatusCode, kind: &str, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({
            "status_code": status.as_u16(),
            "type": kind,
            "code": code,
            "message": message,
        })),
    )
        .into_response()
}

fn bad_request(code: &str, message: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        code,
        message,
    )
}

fn not_found(message: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        "not_found",
        message,
    )
}

type Answer = Result<Response, Response>;

// ---------------------------------------------------------------------------------------------
// The workspace schema

/// One attribute of a standard object.
#[derive(Debug, Clone, Copy)]
struct Attr {
    slug: &'static str,
    title: &'static str,
    kind: &'static str,
    multi: bool,
    required: bool,
    unique: bool,
    writable: bool,
    system: bool,
    /// Target object of a record reference.
    target: Option<&'static str>,
}

const fn attr(slug: &'static str, title: &'static str, kind: &'static str) -> Attr {
    Attr {
        slug,
        title,
        kind,
        multi: false,
        required: false,
        unique: false,
        writable: true,
        system: true,
        target: None,
    }
}

const fn multi(mut a: Attr) -> Attr {
    a.multi = true;
    a
}
const fn required(mut a: Attr) -> Attr {
    a.required = true;
    a
}
const fn unique(mut a: Attr) -> Attr {
    a.unique = true;
    a
}
const fn read_only(mut a: Attr) -> Attr {
    a.writable = false;
    a
}
const fn custom(mut a: Attr) -> Attr {
    a.system = false;
    a
}
const fn refs(mut a: Attr, target: &'static str) -> Attr {
    a.target = Some(target);
    a
}

const COMMON: [Attr; 3] = [
    read_only(attr("record_id", "Record ID", "text")),
    read_only(attr("created_at", "Created at", "timestamp")),
    read_only(attr("created_by", "Created by", "actor-reference")),
];

const PEOPLE_ATTRS: &[Attr] = &[
    COMMON[0],
    COMMON[1],
    COMMON[2],
    attr("name", "Name", "personal-name"),
    unique(multi(attr(
        "email_addresses",
        "Email addresses",
        "email-address",
    ))),
    attr("description", "Description", "text"),
    refs(attr("company", "Company", "record-reference"), COMPANIES),
    attr("job_title", "Job title", "text"),
    multi(attr("phone_numbers", "Phone numbers", "phone-number")),
    attr("primary_location", "Primary location", "location"),
    attr("linkedin", "LinkedIn", "text"),
    attr("twitter", "Twitter", "text"),
    refs(
        multi(attr(
            "associated_deals",
            "Associated deals",
            "record-reference",
        )),
        DEALS,
    ),
    custom(attr("preferred_language", "Preferred language", "text")),
];

const COMPANY_ATTRS: &[Attr] = &[
    COMMON[0],
    COMMON[1],
    COMMON[2],
    unique(multi(attr("domains", "Domains", "domain"))),
    attr("name", "Name", "text"),
    attr("description", "Description", "text"),
    refs(multi(attr("team", "Team", "record-reference")), PEOPLE),
    multi(attr("categories", "Categories", "select")),
    attr("primary_location", "Primary location", "location"),
    attr("linkedin", "LinkedIn", "text"),
    attr("twitter", "Twitter", "text"),
    refs(
        multi(attr(
            "associated_deals",
            "Associated deals",
            "record-reference",
        )),
        DEALS,
    ),
    custom(attr("tier", "Tier", "select")),
];

const DEAL_ATTRS: &[Attr] = &[
    COMMON[0],
    COMMON[1],
    COMMON[2],
    required(attr("name", "Deal name", "text")),
    required(attr("stage", "Deal stage", "status")),
    required(attr("owner", "Deal owner", "actor-reference")),
    attr("value", "Deal value", "currency"),
    refs(
        multi(attr(
            "associated_people",
            "Associated people",
            "record-reference",
        )),
        PEOPLE,
    ),
    refs(
        attr(
            "associated_company",
            "Associated company",
            "record-reference",
        ),
        COMPANIES,
    ),
    custom(attr("renewal_date", "Renewal date", "date")),
];

/// The default deal stages ("by default one of \"Lead\", \"In Progress\", \"Won 🎉\", \"Lost\"").
const DEAL_STAGES: &[&str] = &["Lead", "In Progress", "Won 🎉", "Lost"];
/// Options of the company `categories` select (a few of Attio's defaults).
const CATEGORIES: &[&str] = &["B2B", "B2C", "SAAS", "E-commerce", "Enterprise"];
/// Options of the custom company `tier` select.
const TIERS: &[&str] = &["Enterprise", "Mid-market", "SMB"];
/// Currency of the deal `value` attribute.
const DEAL_CURRENCY: &str = "USD";

/// Relationship attributes and their inverse: (object, slug, other object, other slug).
const INVERSES: &[(&str, &str, &str, &str)] = &[
    (PEOPLE, "company", COMPANIES, "team"),
    (COMPANIES, "team", PEOPLE, "company"),
    (DEALS, "associated_people", PEOPLE, "associated_deals"),
    (PEOPLE, "associated_deals", DEALS, "associated_people"),
    (DEALS, "associated_company", COMPANIES, "associated_deals"),
    (COMPANIES, "associated_deals", DEALS, "associated_company"),
];

fn schema(object: &str) -> Option<&'static [Attr]> {
    match object {
        PEOPLE => Some(PEOPLE_ATTRS),
        COMPANIES => Some(COMPANY_ATTRS),
        DEALS => Some(DEAL_ATTRS),
        _ => None,
    }
}

fn find_attr(object: &str, slug_or_id: &str, token: &str) -> Option<Attr> {
    schema(object)?
        .iter()
        .find(|a| a.slug == slug_or_id || attribute_id(token, object, a.slug) == slug_or_id)
        .copied()
}

fn choices(object: &str, slug: &str) -> &'static [&'static str] {
    match (object, slug) {
        (DEALS, "stage") => DEAL_STAGES,
        (COMPANIES, "categories") => CATEGORIES,
        (COMPANIES, "tier") => TIERS,
        _ => &[],
    }
}

/// A stable UUID for a name within an account (FNV-1a over the parts, two seeds).
fn stable_uuid(parts: &[&str]) -> String {
    let hash = |seed: u64| {
        parts.iter().fold(seed, |h, p| {
            p.bytes()
                .chain(std::iter::once(0u8))
                .fold(h, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
        })
    };
    let a = hash(0xcbf2_9ce4_8422_2325).to_be_bytes();
    let b = hash(0x8422_2325_cbf2_9ce4).to_be_bytes();
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a);
    bytes[8..].copy_from_slice(&b);
    ids::uuid_from_bytes(bytes)
}

fn workspace_id(token: &str) -> String {
    stable_uuid(&[token, "workspace"])
}
fn object_id(token: &str, object: &str) -> String {
    stable_uuid(&[token, "object", object])
}
fn attribute_id(token: &str, object: &str, slug: &str) -> String {
    stable_uuid(&[token, "attribute", object, slug])
}
fn choice_id(token: &str, object: &str, slug: &str, title: &str) -> String {
    stable_uuid(&[token, "choice", object, slug, title])
}
fn api_token_actor(token: &str) -> Value {
    json!({"type": "api-token", "id": stable_uuid(&[token, "api-token"])})
}

/// The two workspace members of every sandbox account.
fn members(token: &str) -> Vec<Value> {
    [
        ("Alice", "Admin", "alice@sandbox.example", "admin"),
        ("Bob", "Member", "bob@sandbox.example", "member"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (first, last, email, level))| {
        json!({
            "id": {
                "workspace_id": workspace_id(token),
                "workspace_member_id": stable_uuid(&[token, "member", &i.to_string()]),
            },
            "first_name": first,
            "last_name": last,
            "avatar_url": null,
            "email_address": email,
            "created_at": "2023-01-01T15:00:00.000000000Z",
            "access_level": level,
        })
    })
    .collect()
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

// ---------------------------------------------------------------------------------------------
// Routes

/// The emulator's routes (Attio's real paths).
pub fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route(
            "/v2/objects/{object}/records",
            axum::routing::post(create_record),
        )
        .route(
            "/v2/objects/{object}/records/query",
            axum::routing::post(query_records),
        )
        .route(
            "/v2/objects/{object}/records/{record_id}",
            get(get_record)
                .patch(patch_record)
                .put(put_record)
                .delete(delete_record),
        )
        .route("/v2/objects/{object}/attributes", get(list_attributes))
        .route(
            "/v2/objects/{object}/attributes/{attribute}",
            get(get_attribute),
        )
        .route(
            "/v2/objects/{object}/attributes/{attribute}/options",
            get(list_options),
        )
        .route(
            "/v2/objects/{object}/attributes/{attribute}/statuses",
            get(list_statuses),
        )
        .route("/v2/self", get(identify))
        .route("/v2/workspace_members", get(list_members))
        .route("/v2/workspace_members/{id}", get(get_member))
        .route("/v2/meetings", get(list_meetings).post(create_meeting))
        .route(
            "/v2/meetings/{id}",
            get(get_meeting)
                .patch(patch_meeting)
                .put(put_meeting)
                .delete(delete_meeting),
        )
        .with_state(sandbox)
}

fn ok(v: Value) -> Answer {
    Ok((StatusCode::OK, Json(v)).into_response())
}

fn object_schema(object: &str) -> Result<&'static [Attr], Response> {
    schema(object).ok_or_else(|| not_found(&format!("Object with slug/ID \"{object}\" not found.")))
}

fn body_values(body: &Value) -> Result<&Map<String, Value>, Response> {
    body.pointer("/data/values")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            bad_request(
                "validation_type",
                "Body payload validation error: data.values is required and must be an object.",
            )
        })
}

fn record_not_found(id: &str) -> Response {
    not_found(&format!("Record with ID \"{id}\" not found."))
}

/// Parses a JSON body, answering Attio's 400 for anything else.
fn json_body(bytes: &[u8]) -> Result<Value, Response> {
    serde_json::from_slice(bytes).map_err(|e| {
        bad_request(
            "validation_type",
            &format!("Body payload validation error: {e}"),
        )
    })
}

async fn create_record(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(object): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    respond((|| {
        let attrs = object_schema(&object)?;
        let body = json_body(&body)?;
        let input = body_values(&body)?;
        let store = sb.tenant(&token);
        let ws = Workspace {
            sb: &sb,
            store: &store,
            token: &token,
        };
        let now = sb.now();
        let mut values = Map::new();
        for a in attrs {
            values.insert(a.slug.to_owned(), json!([]));
        }
        let mut written = ws.write_values(&object, &mut values, input, Mode::Create, None, now)?;
        if object == PEOPLE {
            ws.company_from_email(&mut values, &mut written, now);
        }
        for a in attrs.iter().filter(|a| a.required) {
            if values
                .get(a.slug)
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty)
            {
                return Err(bad_request(
                    "missing_value",
                    &format!(
                        "Required value for attribute with ID \"{}\" was not provided.",
                        attribute_id(&token, &object, a.slug)
                    ),
                ));
            }
        }
        let id = sb.uuid();
        let record_id = json!({
            "workspace_id": workspace_id(&token),
            "object_id": object_id(&token, &object),
            "record_id": id,
        });
        let envelope = |v: &mut Map<String, Value>| {
            v.insert(
                "record_id".into(),
                json!([stamp(json!({"value": id}), "text", now, &token)]),
            );
            v.insert(
                "created_at".into(),
                json!([stamp(json!({"value": ts(now)}), "timestamp", now, &token)]),
            );
            let actor = api_token_actor(&token);
            v.insert(
                "created_by".into(),
                json!([stamp(
                    json!({"referenced_actor_type": "api-token", "referenced_actor_id": actor["id"]}),
                    "actor-reference",
                    now,
                    &token
                )]),
            );
        };
        envelope(&mut values);
        let record = json!({
            "id": record_id,
            "created_at": ts(now),
            "web_url": format!("https://app.attio.com/sandbox/{}/{id}", singular(&object)),
            "values": values,
        });
        store
            .insert(&object, id.clone(), record.clone())
            .map_err(|e| {
                error(
                    StatusCode::CONFLICT,
                    "invalid_request_error",
                    "uniqueness_conflict",
                    &e.to_string(),
                )
            })?;
        ws.sync_inverses(&object, &id, &written, now);
        ok(json!({"data": current(&store, &object, &id)?}))
    })())
}

fn singular(object: &str) -> &str {
    match object {
        PEOPLE => "person",
        COMPANIES => "company",
        DEALS => "deal",
        other => other,
    }
}

fn respond(r: Answer) -> Response {
    r.unwrap_or_else(|e| e)
}

fn current(store: &TenantStore, object: &str, id: &str) -> Result<Value, Response> {
    store
        .get(object, id)
        .map(|r| r.data)
        .ok_or_else(|| record_not_found(id))
}

async fn get_record(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((object, id)): Path<(String, String)>,
) -> Response {
    respond((|| {
        object_schema(&object)?;
        let store = sb.tenant(&token);
        ok(json!({"data": current(&store, &object, &id)?}))
    })())
}

async fn patch_record(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((object, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    update_record(&sb, &token, &object, &id, &body, Mode::Append)
}

async fn put_record(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((object, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    update_record(&sb, &token, &object, &id, &body, Mode::Overwrite)
}

fn update_record(
    sb: &Sandbox,
    token: &str,
    object: &str,
    id: &str,
    body: &[u8],
    mode: Mode,
) -> Response {
    respond((|| {
        object_schema(object)?;
        let body = json_body(body)?;
        let input = body_values(&body)?;
        let store = sb.tenant(token);
        let existing = current(&store, object, id)?;
        let ws = Workspace {
            sb,
            store: &store,
            token,
        };
        let now = sb.now();
        let mut values = existing
            .get("values")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let written = ws.write_values(object, &mut values, input, mode, Some(id), now)?;
        store
            .update(object, id, |data| {
                data["values"] = Value::Object(values);
            })
            .map_err(|_| record_not_found(id))?;
        ws.sync_inverses(object, id, &written, now);
        ok(json!({"data": current(&store, object, id)?}))
    })())
}

async fn delete_record(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((object, id)): Path<(String, String)>,
) -> Response {
    respond((|| {
        object_schema(&object)?;
        let store = sb.tenant(&token);
        let removed = store
            .delete(&object, &id)
            .map_err(|_| record_not_found(&id))?;
        // Relationship inverses and meeting links no longer point at it.
        let ws = Workspace {
            sb: &sb,
            store: &store,
            token: &token,
        };
        let now = sb.now();
        for (obj, slug, other, other_slug) in INVERSES {
            if *obj != object {
                continue;
            }
            for target in ref_ids(&removed.data["values"], slug) {
                ws.unlink(other, &target, other_slug, &id, now);
            }
        }
        ok(json!({}))
    })())
}

#[derive(Debug, Default, Deserialize)]
struct QueryBody {
    #[serde(default)]
    filter: Option<Value>,
    #[serde(default)]
    sorts: Option<Vec<Value>>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
}

async fn query_records(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(object): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    respond((|| {
        object_schema(&object)?;
        let raw = if body.is_empty() {
            json!({})
        } else {
            json_body(&body)?
        };
        let q: QueryBody = serde_json::from_value(raw).map_err(|e| {
            bad_request(
                "validation_type",
                &format!("Body payload validation error: {e}"),
            )
        })?;
        let limit = q.limit.unwrap_or(500);
        let offset = q.offset.unwrap_or(0);
        if limit < 1 || offset < 0 {
            return Err(bad_request(
                "validation_type",
                "Body payload validation error: limit must be at least 1 and offset at least 0.",
            ));
        }
        let store = sb.tenant(&token);
        let mut records: Vec<(u64, Value)> = store
            .list(&object)
            .into_iter()
            .map(|r| (r.seq, r.data))
            .collect();
        if let Some(filter) = &q.filter {
            let mut kept = Vec::new();
            for (seq, r) in records {
                if matches_filter(&object, &token, &r, filter)? {
                    kept.push((seq, r));
                }
            }
            records = kept;
        }
        for sort in q.sorts.iter().flatten().rev() {
            let attribute = sort.get("attribute").and_then(Value::as_str).unwrap_or("");
            let desc = sort.get("direction").and_then(Value::as_str) == Some("desc");
            if find_attr(&object, attribute, &token).is_none() {
                return Err(bad_request(
                    "filter_error",
                    &format!("Cannot sort by unknown attribute \"{attribute}\"."),
                ));
            }
            records.sort_by(|(sa, a), (sb_, b)| {
                let ka = sort_key(a, attribute);
                let kb = sort_key(b, attribute);
                let ord = ka.cmp(&kb).then(sa.cmp(sb_));
                if desc {
                    ord.reverse()
                } else {
                    ord
                }
            });
        }
        let page = paging::offset_limit(records, offset as usize, limit as usize)
            .map_err(|e| bad_request("validation_type", &e.to_string()))?;
        let data: Vec<Value> = page.items.into_iter().map(|(_, r)| r).collect();
        ok(json!({ "data": data }))
    })())
}

fn sort_key(record: &Value, attribute: &str) -> String {
    if attribute == "created_at" {
        return record["created_at"].as_str().unwrap_or("").to_owned();
    }
    record["values"][attribute][0]
        .as_object()
        .map(|v| {
            crate::mapping::simple_value(v)
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| Value::Object(v.clone()).to_string())
        })
        .unwrap_or_default()
}

/// Shorthand filters (`{"name": "Acme"}`, `{"email_addresses": "a@b.c"}`) and `$and` of them;
/// anything else is Attio's `filter_error`.
fn matches_filter(
    object: &str,
    token: &str,
    record: &Value,
    filter: &Value,
) -> Result<bool, Response> {
    let filter_error = || bad_request("filter_error", "Error in filter.");
    let Some(f) = filter.as_object() else {
        return Err(filter_error());
    };
    for (key, want) in f {
        if key == "$and" {
            for part in want.as_array().ok_or_else(filter_error)? {
                if !matches_filter(object, token, record, part)? {
                    return Ok(false);
                }
            }
            continue;
        }
        let attr = find_attr(object, key, token).ok_or_else(filter_error)?;
        let want = match want {
            Value::String(s) => s.to_lowercase(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return Err(filter_error()),
        };
        let values = record["values"][attr.slug]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let hit = values.iter().filter_map(Value::as_object).any(|v| {
            let s = match attr.kind {
                "record-reference" => v.get("target_record_id").cloned().unwrap_or(Value::Null),
                _ => crate::mapping::simple_value(v),
            };
            match s {
                Value::String(s) => s.to_lowercase() == want,
                Value::Null => false,
                other => {
                    let s = other.to_string();
                    s == want
                }
            }
        });
        if !hit {
            return Ok(false);
        }
    }
    Ok(true)
}

fn attribute_json(token: &str, object: &str, a: &Attr) -> Value {
    let config = json!({
        "currency": {
            "default_currency_code": if a.kind == "currency" { Value::from(DEAL_CURRENCY) } else { Value::Null },
            "display_type": if a.kind == "currency" { Value::from("symbol") } else { Value::Null },
        },
        "record_reference": {
            "allowed_object_ids": a.target.map(|t| json!([object_id(token, t)])),
        },
    });
    json!({
        "id": {
            "workspace_id": workspace_id(token),
            "object_id": object_id(token, object),
            "attribute_id": attribute_id(token, object, a.slug),
        },
        "title": a.title,
        "description": null,
        "api_slug": a.slug,
        "type": a.kind,
        "is_system_attribute": a.system,
        "is_writable": a.writable,
        "is_required": a.required,
        "is_unique": a.unique,
        "is_multiselect": a.multi,
        "is_default_value_enabled": false,
        "is_archived": false,
        "default_value": null,
        "relationship": null,
        "created_at": "2023-01-01T15:00:00.000000000Z",
        "config": config,
    })
}

async fn list_attributes(TenantToken(token): TenantToken, Path(object): Path<String>) -> Response {
    respond((|| {
        let attrs = object_schema(&object)?;
        let data: Vec<Value> = attrs
            .iter()
            .map(|a| attribute_json(&token, &object, a))
            .collect();
        ok(json!({ "data": data }))
    })())
}

fn attribute_of(token: &str, object: &str, attribute: &str) -> Result<Attr, Response> {
    object_schema(object)?;
    find_attr(object, attribute, token).ok_or_else(|| {
        not_found(&format!(
            "Attribute with slug/ID \"{attribute}\" not found."
        ))
    })
}

async fn get_attribute(
    TenantToken(token): TenantToken,
    Path((object, attribute)): Path<(String, String)>,
) -> Response {
    respond((|| {
        let a = attribute_of(&token, &object, &attribute)?;
        ok(json!({"data": attribute_json(&token, &object, &a)}))
    })())
}

fn choice_json(token: &str, object: &str, slug: &str, title: &str, status: bool) -> Value {
    let key = if status { "status_id" } else { "option_id" };
    let mut v = json!({
        "id": {
            "workspace_id": workspace_id(token),
            "object_id": object_id(token, object),
            "attribute_id": attribute_id(token, object, slug),
            key: choice_id(token, object, slug, title),
        },
        "title": title,
        "is_archived": false,
    });
    if status {
        v["celebration_enabled"] = json!(title == "Won 🎉");
        v["target_time_in_status"] = Value::Null;
    }
    v
}

fn list_choices(token: &str, object: &str, attribute: &str, kind: &str) -> Answer {
    let a = attribute_of(token, object, attribute)?;
    if a.kind != kind {
        return Err(bad_request(
            "validation_type",
            &format!("Attribute \"{}\" is not of type {kind}.", a.slug),
        ));
    }
    let data: Vec<Value> = choices(object, a.slug)
        .iter()
        .map(|t| choice_json(token, object, a.slug, t, kind == "status"))
        .collect();
    ok(json!({ "data": data }))
}

async fn list_options(
    TenantToken(token): TenantToken,
    Path((object, attribute)): Path<(String, String)>,
) -> Response {
    respond(list_choices(&token, &object, &attribute, "select"))
}

async fn list_statuses(
    TenantToken(token): TenantToken,
    Path((object, attribute)): Path<(String, String)>,
) -> Response {
    respond(list_choices(&token, &object, &attribute, "status"))
}

/// `GET /v2/self` for an active token.
async fn identify(TenantToken(token): TenantToken) -> Response {
    let member = members(&token)[0]["id"]["workspace_member_id"].clone();
    respond(ok(json!({
        "active": true,
        "scope": "record_permission:read-write object_configuration:read user_management:read meeting:read-write",
        "client_id": stable_uuid(&[&token, "client"]),
        "token_type": "Bearer",
        "exp": null,
        "iat": 1_700_000_000,
        "sub": workspace_id(&token),
        "aud": stable_uuid(&[&token, "client"]),
        "iss": "attio.com",
        "authorized_by_workspace_member_id": member,
        "workspace_id": workspace_id(&token),
        "workspace_name": "Sandbox",
        "workspace_slug": "sandbox",
        "workspace_logo_url": null,
    })))
}

async fn list_members(TenantToken(token): TenantToken) -> Response {
    respond(ok(json!({ "data": members(&token) })))
}

async fn get_member(TenantToken(token): TenantToken, Path(id): Path<String>) -> Response {
    respond(
        members(&token)
            .into_iter()
            .find(|m| m["id"]["workspace_member_id"] == id.as_str())
            .map(|m| ok(json!({ "data": m })))
            .unwrap_or_else(|| {
                Err(not_found(&format!(
                    "Workspace member with ID \"{id}\" not found."
                )))
            }),
    )
}

// ---------------------------------------------------------------------------------------------
// Values

/// How a write treats multiselect attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A new record.
    Create,
    /// `PATCH`: "the values supplied will be created and prepended to the list of values that
    /// already exist".
    Append,
    /// `PUT`: "the values supplied will overwrite/remove the list of values that already exist".
    Overwrite,
}

struct Workspace<'a> {
    sb: &'a Sandbox,
    store: &'a TenantStore,
    token: &'a str,
}

/// Adds the metadata every stored value carries.
fn stamp(mut content: Value, kind: &str, now: DateTime<Utc>, token: &str) -> Value {
    if let Some(o) = content.as_object_mut() {
        o.insert("active_from".into(), json!(ts(now)));
        o.insert("active_until".into(), Value::Null);
        o.insert("created_by_actor".into(), api_token_actor(token));
        o.insert("attribute_type".into(), json!(kind));
    }
    content
}

fn ref_ids(values: &Value, slug: &str) -> Vec<String> {
    values[slug]
        .as_array()
        .map(|vs| {
            vs.iter()
                .filter_map(|v| v["target_record_id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn invalid_value(slug: &str, why: &str) -> Response {
    bad_request(
        "validation_type",
        &format!("Invalid value was passed to attribute with slug \"{slug}\": {why}"),
    )
}

impl Workspace<'_> {
    /// Writes `input` into `values`; answers which record-reference attributes changed, with
    /// their targets before the write.
    fn write_values(
        &self,
        object: &str,
        values: &mut Map<String, Value>,
        input: &Map<String, Value>,
        mode: Mode,
        own_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Vec<(&'static str, Vec<String>)>, Response> {
        let mut written = Vec::new();
        for (key, raw) in input {
            let a = find_attr(object, key, self.token).ok_or_else(|| {
                bad_request(
                    "value_not_found",
                    &format!("Cannot find attribute with slug/ID \"{key}\"."),
                )
            })?;
            if !a.writable {
                return Err(bad_request(
                    "validation_type",
                    &format!(
                        "Cannot write to attribute with slug \"{}\": it is read-only.",
                        a.slug
                    ),
                ));
            }
            let items: Vec<&Value> = match raw {
                Value::Array(list) => list.iter().collect(),
                Value::Null => Vec::new(),
                single => vec![single],
            };
            if !a.multi && items.len() > 1 {
                return Err(invalid_value(
                    a.slug,
                    "multiple values were given for a single-select attribute",
                ));
            }
            let mut new = Vec::new();
            for item in items {
                new.push(stamp(
                    self.normalize(object, &a, item)?,
                    a.kind,
                    now,
                    self.token,
                ));
            }
            if a.unique {
                self.check_unique(object, &a, &new, own_id)?;
            }
            let before = ref_ids(&Value::Object(values.clone()), a.slug);
            let old = values
                .get(a.slug)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let merged = if a.multi && mode == Mode::Append {
                // Prepend the new values, keeping existing ones not given again.
                let key_of = |v: &Value| {
                    v.as_object()
                        .map(|o| crate::mapping::simple_value(o).to_string())
                        .unwrap_or_default()
                };
                let mut out = new.clone();
                for v in old {
                    if !new.iter().any(|n| key_of(n) == key_of(&v)) {
                        out.push(v);
                    }
                }
                out
            } else {
                new
            };
            values.insert(a.slug.to_owned(), Value::Array(merged));
            if a.target.is_some() {
                written.push((a.slug, before));
            }
        }
        Ok(written)
    }

    /// "When creating a person, a related company record will automatically be generated or
    /// matched based on the domain of the person's email address": a person created without a
    /// company is linked to the company with its first e-mail's domain, created when missing
    /// (free-mail domains excepted).
    fn company_from_email(
        &self,
        values: &mut Map<String, Value>,
        written: &mut Vec<(&'static str, Vec<String>)>,
        now: DateTime<Utc>,
    ) {
        const FREE_MAIL: &[&str] = &[
            "gmail.com",
            "googlemail.com",
            "yahoo.com",
            "hotmail.com",
            "outlook.com",
            "icloud.com",
            "aol.com",
            "proton.me",
            "protonmail.com",
            "gmx.de",
            "web.de",
        ];
        let has_company = values
            .get("company")
            .and_then(Value::as_array)
            .is_some_and(|v| !v.is_empty());
        let Some(domain) = values["email_addresses"][0]["email_domain"]
            .as_str()
            .map(str::to_owned)
        else {
            return;
        };
        if has_company || FREE_MAIL.contains(&domain.as_str()) {
            return;
        }
        let existing = self.store.find_one(COMPANIES, |r| {
            r.data["values"]["domains"]
                .as_array()
                .is_some_and(|ds| ds.iter().any(|d| d["domain"] == domain.as_str()))
        });
        let id = match existing {
            Some(r) => r.id,
            None => {
                let Some(id) = seed_record(self, COMPANIES, json!({ "domains": [domain] })) else {
                    return;
                };
                id
            }
        };
        values.insert(
            "company".into(),
            json!([stamp(
                json!({"target_object": COMPANIES, "target_record_id": id}),
                "record-reference",
                now,
                self.token
            )]),
        );
        written.push(("company", Vec::new()));
    }

    fn check_unique(
        &self,
        object: &str,
        a: &Attr,
        new: &[Value],
        own_id: Option<&str>,
    ) -> Result<(), Response> {
        let key = |v: &Value| {
            v.as_object()
                .map(|o| crate::mapping::simple_value(o).to_string().to_lowercase())
                .unwrap_or_default()
        };
        let wanted: Vec<String> = new.iter().map(key).collect();
        let clash = self.store.find_one(object, |r| {
            Some(r.id.as_str()) != own_id
                && r.data["values"][a.slug]
                    .as_array()
                    .is_some_and(|vs| vs.iter().any(|v| wanted.contains(&key(v))))
        });
        match clash {
            Some(r) => Err(error(
                StatusCode::CONFLICT,
                "invalid_request_error",
                "uniqueness_conflict",
                &format!(
                    "A record with the same value for the unique attribute \"{}\" already exists (record ID \"{}\").",
                    a.slug, r.id
                ),
            )),
            None => Ok(()),
        }
    }

    /// One input value in Attio's input shapes → the stored value content.
    fn normalize(&self, object: &str, a: &Attr, item: &Value) -> Result<Value, Response> {
        let slug = a.slug;
        let text = |v: &Value| -> Option<String> {
            match v {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("value").and_then(Value::as_str).map(str::to_owned),
                _ => None,
            }
        };
        match a.kind {
            "text" => text(item)
                .map(|s| json!({ "value": s }))
                .ok_or_else(|| invalid_value(slug, "expected a string")),
            "number" | "rating" => match item {
                Value::Number(n) => Ok(json!({"value": n})),
                Value::Object(o) if o.get("value").is_some_and(Value::is_number) => {
                    Ok(json!({"value": o["value"]}))
                }
                _ => Err(invalid_value(slug, "expected a number")),
            },
            "checkbox" => match item {
                Value::Bool(b) => Ok(json!({"value": b})),
                _ => Err(invalid_value(slug, "expected a boolean")),
            },
            "date" => {
                let s = text(item).ok_or_else(|| invalid_value(slug, "expected a date string"))?;
                let d = unicrm_core::convert::parse_date(slug, &s)
                    .map_err(|_| invalid_value(slug, "expected a date (YYYY-MM-DD)"))?;
                Ok(json!({"value": d.format("%Y-%m-%d").to_string()}))
            }
            "timestamp" => {
                let s =
                    text(item).ok_or_else(|| invalid_value(slug, "expected a timestamp string"))?;
                let t = unicrm_core::convert::parse_timestamp(slug, &s)
                    .map_err(|_| invalid_value(slug, "expected an ISO 8601 timestamp"))?;
                Ok(json!({"value": ts(t)}))
            }
            "personal-name" => {
                let (first, last, full) = match item {
                    Value::String(s) => {
                        let mut parts = s.trim().splitn(2, ' ');
                        let f = parts.next().unwrap_or("").to_owned();
                        let l = parts.next().unwrap_or("").to_owned();
                        (f, l, s.trim().to_owned())
                    }
                    Value::Object(o) => {
                        let g = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                        let (f, l) = (g("first_name"), g("last_name"));
                        let full = match g("full_name") {
                            x if x.is_empty() => format!("{f} {l}").trim().to_owned(),
                            x => x,
                        };
                        (f, l, full)
                    }
                    _ => return Err(invalid_value(slug, "expected a personal name")),
                };
                Ok(json!({"first_name": first, "last_name": last, "full_name": full}))
            }
            "email-address" => {
                let s = match item {
                    Value::String(s) => Some(s.clone()),
                    Value::Object(o) => o
                        .get("email_address")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    _ => None,
                }
                .ok_or_else(|| invalid_value(slug, "expected an email address"))?;
                let normalized = s.trim().to_lowercase();
                let (local, domain) = normalized
                    .split_once('@')
                    .filter(|(l, d)| !l.is_empty() && d.contains('.'))
                    .ok_or_else(|| {
                        invalid_value(slug, &format!("\"{s}\" is not a valid email address"))
                    })?;
                Ok(json!({
                    "original_email_address": s,
                    "email_address": normalized,
                    "email_domain": domain,
                    "email_root_domain": root_domain(domain),
                    "email_local_specifier": local,
                }))
            }
            "phone-number" => {
                let (number, country) = match item {
                    Value::String(s) => (s.clone(), None),
                    Value::Object(o) => (
                        o.get("original_phone_number")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned(),
                        o.get("country_code")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                    ),
                    _ => return Err(invalid_value(slug, "expected a phone number")),
                };
                let digits: String = number.chars().filter(char::is_ascii_digit).collect();
                if digits.len() < 4 || (!number.trim_start().starts_with('+') && country.is_none())
                {
                    return Err(invalid_value(
                        slug,
                        &format!("\"{number}\" is not a valid phone number: prefix a country code or give country_code"),
                    ));
                }
                let country = country.unwrap_or_else(|| {
                    if digits.starts_with('1') {
                        "US".into()
                    } else if digits.starts_with("44") {
                        "GB".into()
                    } else {
                        "US".into()
                    }
                });
                Ok(json!({
                    "original_phone_number": number,
                    "country_code": country,
                    "phone_number": format!("+{digits}"),
                }))
            }
            "domain" => {
                let s = match item {
                    Value::String(s) => Some(s.clone()),
                    Value::Object(o) => o.get("domain").and_then(Value::as_str).map(str::to_owned),
                    _ => None,
                }
                .ok_or_else(|| invalid_value(slug, "expected a domain"))?;
                let d = s.trim().to_lowercase();
                if !d.contains('.') || d.contains('/') || d.contains(' ') {
                    return Err(invalid_value(
                        slug,
                        &format!("\"{s}\" is not a valid domain"),
                    ));
                }
                Ok(json!({"domain": d, "root_domain": root_domain(&d)}))
            }
            "location" => location(slug, item),
            "currency" => {
                let n = match item {
                    Value::Number(n) => Some(n.clone()),
                    Value::Object(o) => o.get("currency_value").and_then(Value::as_number).cloned(),
                    _ => None,
                }
                .ok_or_else(|| invalid_value(slug, "expected a currency value"))?;
                Ok(json!({"currency_value": n, "currency_code": DEAL_CURRENCY}))
            }
            "status" | "select" => {
                let key = if a.kind == "status" {
                    "status"
                } else {
                    "option"
                };
                let s = match item {
                    Value::String(s) => Some(s.clone()),
                    Value::Object(o) => o.get(key).and_then(Value::as_str).map(str::to_owned),
                    _ => None,
                }
                .ok_or_else(|| invalid_value(slug, &format!("expected a {key} title or ID")))?;
                let title = choices(object, slug)
                    .iter()
                    .find(|t| **t == s || choice_id(self.token, object, slug, t) == s)
                    .ok_or_else(|| {
                        bad_request(
                            "value_not_found",
                            &format!(
                                "Cannot find {key} with title/ID \"{s}\" on attribute \"{slug}\"."
                            ),
                        )
                    })?;
                Ok(json!({ key: choice_json(self.token, object, slug, title, a.kind == "status") }))
            }
            "actor-reference" => {
                let members = members(self.token);
                let by_id = |id: &str| {
                    members
                        .iter()
                        .find(|m| m["id"]["workspace_member_id"] == id)
                };
                let by_email = |e: &str| {
                    members.iter().find(|m| {
                        m["email_address"]
                            .as_str()
                            .is_some_and(|x| x.eq_ignore_ascii_case(e))
                    })
                };
                let found = match item {
                    Value::String(s) => by_email(s).or_else(|| by_id(s)),
                    Value::Object(o) => {
                        if let Some(id) = o.get("referenced_actor_id").and_then(Value::as_str) {
                            if o.get("referenced_actor_type").and_then(Value::as_str)
                                != Some("workspace-member")
                            {
                                return Err(invalid_value(slug, "only workspace members can be written into actor reference attributes"));
                            }
                            by_id(id)
                        } else {
                            o.get("workspace_member_email_address")
                                .and_then(Value::as_str)
                                .and_then(by_email)
                        }
                    }
                    _ => None,
                };
                let m = found.ok_or_else(|| {
                    bad_request(
                        "value_not_found",
                        &format!("Cannot find workspace member for attribute \"{slug}\": {item}"),
                    )
                })?;
                Ok(json!({
                    "referenced_actor_type": "workspace-member",
                    "referenced_actor_id": m["id"]["workspace_member_id"],
                }))
            }
            "record-reference" => self.reference(a, item),
            _ => Err(invalid_value(slug, "this attribute type cannot be written")),
        }
    }

    /// A record reference by id, by a matching attribute, or (people/companies) by e-mail /
    /// domain shorthand; the target must exist, and a match must find exactly one record.
    fn reference(&self, a: &Attr, item: &Value) -> Result<Value, Response> {
        let slug = a.slug;
        let target = a.target.unwrap_or_default();
        let missing = |what: &str| {
            bad_request(
                "value_not_found",
                &format!("Cannot find record for attribute \"{slug}\" with {what}."),
            )
        };
        let id = match item {
            Value::String(s) => {
                let (attr, value) = if target == PEOPLE {
                    ("email_addresses", s)
                } else {
                    ("domains", s)
                };
                self.match_one(target, attr, &json!(value))
                    .ok_or_else(|| missing(&format!("\"{s}\"")))?
            }
            Value::Object(o) => {
                let object = o
                    .get("target_object")
                    .and_then(Value::as_str)
                    .unwrap_or(target);
                if object != target && object_id(self.token, target) != object {
                    return Err(invalid_value(
                        slug,
                        &format!("records of \"{object}\" are not allowed here"),
                    ));
                }
                if let Some(id) = o.get("target_record_id").and_then(Value::as_str) {
                    if self.store.get(target, id).is_none() {
                        return Err(missing(&format!("ID \"{id}\"")));
                    }
                    id.to_owned()
                } else {
                    let (attr, value) =
                        o.iter()
                            .find(|(k, _)| *k != "target_object")
                            .ok_or_else(|| {
                                invalid_value(slug, "give target_record_id or a matching attribute")
                            })?;
                    let value = match value {
                        Value::Array(v) if v.len() == 1 => v[0].clone(),
                        Value::Array(_) => {
                            return Err(invalid_value(
                                slug,
                                "matching on multiple values is not supported",
                            ))
                        }
                        other => other.clone(),
                    };
                    self.match_one(target, attr, &value)
                        .ok_or_else(|| missing(&format!("{attr} {value}")))?
                }
            }
            _ => return Err(invalid_value(slug, "expected a record reference")),
        };
        Ok(json!({"target_object": target, "target_record_id": id}))
    }

    /// The one record of `object` whose `attr` has `value` (`None` for zero or several).
    fn match_one(&self, object: &str, attr: &str, value: &Value) -> Option<String> {
        let a = find_attr(object, attr, self.token)?;
        let want = match value {
            Value::String(s) => s.to_lowercase(),
            Value::Object(o) => o
                .get("value")
                .or_else(|| o.get("domain"))
                .or_else(|| o.get("email_address"))
                .or_else(|| o.get("original_phone_number"))
                .map(|v| {
                    v.as_str()
                        .map(str::to_lowercase)
                        .unwrap_or_else(|| v.to_string())
                })?,
            other => other.to_string(),
        };
        let hits = self.store.find(object, |r| {
            r.data["values"][a.slug].as_array().is_some_and(|vs| {
                vs.iter().filter_map(Value::as_object).any(|v| {
                    match crate::mapping::simple_value(v) {
                        Value::String(s) => s.to_lowercase() == want,
                        other => {
                            let s = other.to_string();
                            s == want
                        }
                    }
                })
            })
        });
        (hits.len() == 1).then(|| hits[0].id.clone())
    }

    /// Keeps relationship inverses in step after `written` attributes of record `id` changed.
    fn sync_inverses(
        &self,
        object: &str,
        id: &str,
        written: &[(&'static str, Vec<String>)],
        now: DateTime<Utc>,
    ) {
        let Some(rec) = self.store.get(object, id) else {
            return;
        };
        for (slug, before) in written {
            let Some((_, _, other, other_slug)) = INVERSES
                .iter()
                .find(|(o, s, _, _)| *o == object && s == slug)
            else {
                continue;
            };
            let after = ref_ids(&rec.data["values"], slug);
            for gone in before.iter().filter(|b| !after.contains(b)) {
                self.unlink(other, gone, other_slug, id, now);
            }
            for added in after.iter().filter(|a| !before.contains(a)) {
                self.link(other, added, other_slug, object, id, now);
            }
        }
    }

    fn unlink(&self, object: &str, id: &str, slug: &str, target: &str, _now: DateTime<Utc>) {
        let _ = self.store.update(object, id, |data| {
            if let Some(list) = data["values"][slug].as_array_mut() {
                list.retain(|v| v["target_record_id"] != target);
            }
        });
    }

    fn link(
        &self,
        object: &str,
        id: &str,
        slug: &str,
        from_object: &str,
        from_id: &str,
        now: DateTime<Utc>,
    ) {
        let Some(a) = find_attr(object, slug, self.token) else {
            return;
        };
        // A single-select inverse moves: the record it pointed at before loses its link.
        let previous = self
            .store
            .get(object, id)
            .map(|r| ref_ids(&r.data["values"], slug))
            .unwrap_or_default();
        if !a.multi {
            if let Some((_, _, other, other_slug)) = INVERSES
                .iter()
                .find(|(o, s, _, _)| *o == object && *s == slug)
            {
                for p in previous.iter().filter(|p| p.as_str() != from_id) {
                    self.unlink(other, p, other_slug, id, now);
                }
            }
        }
        let value = stamp(
            json!({"target_object": from_object, "target_record_id": from_id}),
            "record-reference",
            now,
            self.token,
        );
        let _ = self.store.update(object, id, |data| {
            let list = data["values"][slug].as_array().cloned().unwrap_or_default();
            let mut list: Vec<Value> = if a.multi { list } else { Vec::new() };
            if !list.iter().any(|v| v["target_record_id"] == from_id) {
                list.insert(0, value);
            }
            data["values"][slug] = Value::Array(list);
        });
    }
}

fn root_domain(domain: &str) -> String {
    let parts: Vec<&str> = domain.split('.').collect();
    if parts.len() <= 2 {
        domain.to_owned()
    } else {
        parts[parts.len() - 2..].join(".")
    }
}

/// A location: the full object (missing keys are `null`), or the string form
/// `"1 Infinite Loop, Cupertino, CA, 95014, US"`.
fn location(slug: &str, item: &Value) -> Result<Value, Response> {
    const KEYS: [&str; 10] = [
        "line_1",
        "line_2",
        "line_3",
        "line_4",
        "locality",
        "region",
        "postcode",
        "country_code",
        "latitude",
        "longitude",
    ];
    let mut out = Map::new();
    match item {
        Value::Object(o) => {
            for k in KEYS {
                let v = o.get(k).cloned().unwrap_or(Value::Null);
                if !(v.is_null() || v.is_string()) {
                    return Err(invalid_value(
                        slug,
                        &format!("{k} must be a string or null"),
                    ));
                }
                out.insert(k.into(), v);
            }
        }
        Value::String(s) => {
            let parts: Vec<&str> = s.split(',').map(str::trim).collect();
            for k in KEYS {
                out.insert(k.into(), Value::Null);
            }
            let order = ["line_1", "locality", "region", "postcode", "country_code"];
            for (k, p) in order.iter().zip(parts) {
                out.insert((*k).into(), json!(p));
            }
        }
        _ => return Err(invalid_value(slug, "expected a location")),
    }
    if let Some(c) = out.get("country_code").and_then(Value::as_str) {
        if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(invalid_value(
                slug,
                &format!("\"{c}\" is not an ISO 3166-1 alpha-2 country code"),
            ));
        }
    }
    Ok(Value::Object(out))
}

// ---------------------------------------------------------------------------------------------
// Meetings

const MEETINGS: &str = "meetings";

fn meeting_not_found(id: &str) -> Response {
    not_found(&format!("Meeting with ID \"{id}\" not found."))
}

/// `{datetime, timezone}` or `{date}` → the stored form (datetimes in UTC).
fn moment(key: &str, v: Option<&Value>) -> Result<Value, Response> {
    let v = v.and_then(Value::as_object).ok_or_else(|| {
        bad_request(
            "validation_type",
            &format!("Body payload validation error: data.{key} is required."),
        )
    })?;
    if let Some(dt) = v.get("datetime").and_then(Value::as_str) {
        let t = unicrm_core::convert::parse_timestamp(key, dt).map_err(|_| {
            bad_request("validation_type", &format!("Body payload validation error: data.{key}.datetime is not an ISO 8601 datetime."))
        })?;
        return Ok(json!({
            "datetime": t.to_rfc3339_opts(SecondsFormat::Millis, true),
            "timezone": v.get("timezone").cloned().unwrap_or(Value::Null),
        }));
    }
    if let Some(d) = v.get("date").and_then(Value::as_str) {
        let d = unicrm_core::convert::parse_date(key, d).map_err(|_| {
            bad_request(
                "validation_type",
                &format!("Body payload validation error: data.{key}.date is not a date."),
            )
        })?;
        return Ok(json!({"date": d.format("%Y-%m-%d").to_string()}));
    }
    Err(bad_request(
        "validation_type",
        &format!("Body payload validation error: data.{key} needs datetime or date."),
    ))
}

impl Workspace<'_> {
    fn linked(&self, list: Option<&Value>) -> Result<Vec<Value>, Response> {
        let mut out: Vec<Value> = Vec::new();
        for l in list.and_then(Value::as_array).cloned().unwrap_or_default() {
            let object = l["object"].as_str().unwrap_or("").to_owned();
            let id = l["record_id"].as_str().unwrap_or("").to_owned();
            schema(&object).ok_or_else(|| {
                not_found(&format!("Object with slug/ID \"{object}\" not found."))
            })?;
            if self.store.get(&object, &id).is_none() {
                return Err(bad_request(
                    "value_not_found",
                    &format!("Cannot find record with ID \"{id}\" in object \"{object}\"."),
                ));
            }
            if !out.iter().any(|x| x["record_id"] == id.as_str()) {
                out.push(json!({
                    "object_slug": object,
                    "object_id": object_id(self.token, &object),
                    "record_id": id,
                }));
            }
        }
        Ok(out)
    }
}

async fn create_meeting(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    body: axum::body::Bytes,
) -> Response {
    respond((|| {
        let body = json_body(&body)?;
        let data = body.get("data").and_then(Value::as_object).ok_or_else(|| {
            bad_request(
                "validation_type",
                "Body payload validation error: data is required.",
            )
        })?;
        let store = sb.tenant(&token);
        let ws = Workspace {
            sb: &sb,
            store: &store,
            token: &token,
        };
        // "Find or create": an `external_ref` seen before answers the meeting made with it.
        if let Some(ext) = data.get("external_ref").and_then(Value::as_str) {
            if let Some(found) = store.find_one(MEETINGS, |r| r.data["external_ref"] == ext) {
                return ok(json!({"data": public_meeting(&found.data)}));
            }
        }
        let title = data.get("title").and_then(Value::as_str).ok_or_else(|| {
            bad_request(
                "validation_type",
                "Body payload validation error: data.title is required.",
            )
        })?;
        let start = moment("start", data.get("start"))?;
        let end = moment("end", data.get("end"))?;
        let participants = data
            .get("participants")
            .cloned()
            .unwrap_or_else(|| json!([]));
        if !participants.is_array() {
            return Err(bad_request(
                "validation_type",
                "Body payload validation error: data.participants must be an array.",
            ));
        }
        let participants: Vec<Value> = participants
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                json!({
                    "status": p.get("status").cloned().unwrap_or(json!("pending")),
                    "is_organizer": p.get("is_organizer").cloned().unwrap_or(json!(false)),
                    "email_address": p.get("email_address").and_then(Value::as_str).map(str::to_lowercase),
                    "name": p.get("name").cloned().unwrap_or(Value::Null),
                })
            })
            .collect();
        let linked = ws.linked(data.get("linked_records"))?;
        let now = sb.now();
        let id = sb.uuid();
        let meeting = json!({
            "id": {"workspace_id": workspace_id(&token), "meeting_id": id},
            "title": title,
            "description": data.get("description").and_then(Value::as_str).unwrap_or(""),
            "is_all_day": data.get("is_all_day").and_then(Value::as_bool).unwrap_or(false),
            "start": start,
            "end": end,
            "participants": participants,
            "linked_records": linked,
            "created_at": ts(now),
            "created_by_actor": api_token_actor(&token),
            "external_ref": data.get("external_ref").cloned().unwrap_or(Value::Null),
        });
        store
            .insert(MEETINGS, id.clone(), meeting.clone())
            .map_err(|e| bad_request("validation_type", &e.to_string()))?;
        ok(json!({"data": public_meeting(&meeting)}))
    })())
}

/// A stored meeting as Attio answers it (without the internal `external_ref`).
fn public_meeting(m: &Value) -> Value {
    let mut m = m.clone();
    if let Some(o) = m.as_object_mut() {
        o.remove("external_ref");
    }
    m
}

async fn get_meeting(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
) -> Response {
    match sb.tenant(&token).get(MEETINGS, &id) {
        Some(r) => (
            StatusCode::OK,
            Json(json!({"data": public_meeting(&r.data)})),
        )
            .into_response(),
        None => meeting_not_found(&id),
    }
}

async fn patch_meeting(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    relink_meeting(&sb, &token, &id, &body, true)
}

async fn put_meeting(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    relink_meeting(&sb, &token, &id, &body, false)
}

/// `PATCH` appends linked records, `PUT` overwrites them; nothing else of a meeting changes.
fn relink_meeting(sb: &Sandbox, token: &str, id: &str, body: &[u8], append: bool) -> Response {
    respond((|| {
        let body = json_body(body)?;
        let data = body.get("data").and_then(Value::as_object).ok_or_else(|| {
            bad_request(
                "validation_type",
                "Body payload validation error: data is required.",
            )
        })?;
        if let Some(k) = data.keys().find(|k| *k != "linked_records") {
            return Err(bad_request(
                "validation_type",
                &format!("Body payload validation error: unrecognized key \"{k}\" in data; only linked_records can be updated."),
            ));
        }
        let store = sb.tenant(token);
        let existing = store
            .get(MEETINGS, id)
            .ok_or_else(|| meeting_not_found(id))?;
        let ws = Workspace {
            sb,
            store: &store,
            token,
        };
        let new = ws.linked(data.get("linked_records"))?;
        let mut list = if append {
            existing.data["linked_records"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        for l in new {
            if !list.iter().any(|x| x["record_id"] == l["record_id"]) {
                list.push(l);
            }
        }
        let updated = store
            .update(MEETINGS, id, |m| m["linked_records"] = Value::Array(list))
            .map_err(|_| meeting_not_found(id))?;
        ok(json!({"data": public_meeting(&updated.data)}))
    })())
}

async fn delete_meeting(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
) -> Response {
    match sb.tenant(&token).delete(MEETINGS, &id) {
        Ok(_) => (StatusCode::OK, Json(json!({}))).into_response(),
        Err(_) => meeting_not_found(&id),
    }
}

#[derive(Debug, Deserialize)]
struct MeetingQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

async fn list_meetings(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Query(q): Query<MeetingQuery>,
) -> Response {
    respond((|| {
        let limit = match q.limit.as_deref() {
            None => 50,
            Some(s) => s
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=200).contains(n))
                .ok_or_else(|| {
                    bad_request(
                        "validation_type",
                        "Query parameter validation error: limit must be between 1 and 200.",
                    )
                })?,
        };
        let store = sb.tenant(&token);
        let all = store.list(MEETINGS);
        let page =
            paging::after_cursor(all, |r| r.seq, q.cursor.as_deref(), limit).map_err(|_| {
                bad_request(
                    "validation_type",
                    "Query parameter validation error: cursor is invalid.",
                )
            })?;
        let data: Vec<Value> = page.items.iter().map(|r| public_meeting(&r.data)).collect();
        ok(json!({"data": data, "pagination": {"next_cursor": page.next}}))
    })())
}

// ---------------------------------------------------------------------------------------------
// Seed data

/// Fills an account with `n` companies, each with a person, a deal and a meeting.
pub fn seed(sb: &Sandbox, token: &str, n: usize, rng: &mut StdRng) {
    let store = sb.tenant(token);
    let ws = Workspace {
        sb,
        store: &store,
        token,
    };
    let owner = members(token)[0]["id"]["workspace_member_id"].clone();
    let today = sb.now();
    for _ in 0..n {
        let company = unicrm_sandbox::fake::company(rng);
        let person = unicrm_sandbox::fake::person_at(rng, &company);
        let deal = unicrm_sandbox::fake::deal(rng, &company, today.date_naive());
        let meeting = unicrm_sandbox::fake::meeting(rng, &company, today);
        let company_id = seed_record(
            &ws,
            COMPANIES,
            json!({
                "name": company.name,
                "domains": [company.domain],
                "primary_location": {
                    "line_1": company.address.street, "locality": company.address.city,
                    "region": company.address.state, "postcode": company.address.postal_code,
                    "country_code": company.address.country,
                },
            }),
        );
        let Some(company_id) = company_id else {
            continue;
        };
        let person_id = seed_record(
            &ws,
            PEOPLE,
            json!({
                "name": [{"first_name": person.first_name, "last_name": person.last_name}],
                "email_addresses": [person.email],
                "phone_numbers": [{"original_phone_number": person.phone}],
                "job_title": person.job_title,
                "company": [{"target_object": COMPANIES, "target_record_id": company_id}],
            }),
        );
        let stage = DEAL_STAGES[sb.random_below(DEAL_STAGES.len() as u64) as usize];
        let deal_id = seed_record(
            &ws,
            DEALS,
            json!({
                "name": deal.name,
                "stage": stage,
                "owner": [{"referenced_actor_type": "workspace-member", "referenced_actor_id": owner}],
                "value": deal.amount,
                "associated_company": [{"target_object": COMPANIES, "target_record_id": company_id}],
                "associated_people": person_id.iter().map(|p| json!({"target_object": PEOPLE, "target_record_id": p})).collect::<Vec<_>>(),
            }),
        );
        let mut links = vec![
            json!({"object_slug": COMPANIES, "object_id": object_id(token, COMPANIES), "record_id": company_id}),
        ];
        for (object, id) in [(PEOPLE, person_id), (DEALS, deal_id)] {
            if let Some(id) = id {
                links.push(json!({"object_slug": object, "object_id": object_id(token, object), "record_id": id}));
            }
        }
        let now = sb.now();
        let id = sb.uuid();
        let _ = store.insert(MEETINGS, id.clone(), json!({
            "id": {"workspace_id": workspace_id(token), "meeting_id": id},
            "title": meeting.title,
            "description": meeting.location,
            "is_all_day": false,
            "start": {"datetime": meeting.start.to_rfc3339_opts(SecondsFormat::Millis, true), "timezone": "UTC"},
            "end": {"datetime": meeting.end.to_rfc3339_opts(SecondsFormat::Millis, true), "timezone": "UTC"},
            "participants": [],
            "linked_records": links,
            "created_at": ts(now),
            "created_by_actor": api_token_actor(token),
            "external_ref": null,
        }));
    }
}

fn seed_record(ws: &Workspace<'_>, object: &str, values: Value) -> Option<String> {
    let attrs = schema(object)?;
    let input = values.as_object()?;
    let now = ws.sb.now();
    let mut stored = Map::new();
    for a in attrs {
        stored.insert(a.slug.to_owned(), json!([]));
    }
    let written = ws
        .write_values(object, &mut stored, input, Mode::Create, None, now)
        .ok()?;
    let id = ws.sb.uuid();
    stored.insert(
        "record_id".into(),
        json!([stamp(json!({"value": id}), "text", now, ws.token)]),
    );
    stored.insert(
        "created_at".into(),
        json!([stamp(json!({"value": ts(now)}), "timestamp", now, ws.token)]),
    );
    let record = json!({
        "id": {"workspace_id": workspace_id(ws.token), "object_id": object_id(ws.token, object), "record_id": id},
        "created_at": ts(now),
        "web_url": format!("https://app.attio.com/sandbox/{}/{id}", singular(object)),
        "values": stored,
    });
    ws.store.insert(object, id.clone(), record).ok()?;
    ws.sync_inverses(object, &id, &written, now);
    Some(id)
}

unicrm_sandbox::register_emulator! {
    id: ID,
    router: router,
    seed: seed,
    errors: &AttioErrors,
}
