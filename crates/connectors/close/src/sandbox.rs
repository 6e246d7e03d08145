//! The Close emulator (feature `sandbox`): Close's real paths under `/api/v1/…/`, `lead_…` /
//! `cont_…` / `oppo_…` / `acti_…` / `user_…` ids, `_skip`/`_limit` paging answering
//! `{data, has_more}`, validation errors as `{"errors": [], "field-errors": {…}}`, and 429s with
//! `Retry-After`, `RateLimit-Reset`, `RateLimit` and a body `error.rate_reset`.
//!
//! Records live in the per-account store of `unicrm-sandbox`: collections `lead`, `contact`,
//! `opportunity` and `meeting`. A lead is answered with its contacts and opportunities nested,
//! as Close does. Meetings cannot be created through Close's API (they are synced from
//! calendars); the seed function puts some in every seeded account.
//!
//! Simplifications (documented, not Close behaviour claims): phones are kept as sent (Close
//! normalises them to E.164); the lead search `query` understands `name:"…"` only.

// Handlers answer `Result<Response, Response>` (the error is the provider's error response); a
// boxed error would only add noise to every handler.
#![allow(clippy::result_large_err)]

use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use http::StatusCode;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use unicrm_sandbox::auth::{AuthProblem, TenantToken};
use unicrm_sandbox::paging::offset_limit;
use unicrm_sandbox::{ErrorFormat, Sandbox, StdRng, StoredRecord, TenantStore};

use crate::config::ID;

/// The organisation every sandbox account belongs to.
pub const ORGANIZATION_ID: &str = "orga_RbREgmiiwcr1w2b4cOnCMQaQPSIFxMqAD2Dh243uxcH";
/// The user every sandbox API key belongs to (owner of what it creates).
pub const USER_ID: &str = "user_N6KhMpzHRCYQHdn4gRNIFNN5JExnsrprKA6ekxM63XA";
/// A second user, to own seeded records.
pub const OTHER_USER_ID: &str = "user_scOgjLAQD6aBSJYBVhIeNr6FJDp8iDTug8Mv6VqYoFn";
/// Largest `_limit` the emulator accepts.
pub const MAX_LIMIT: usize = 200;

const USERS: &[(&str, &str, &str, &str)] = &[
    (USER_ID, "John", "Doe", "john.doe@close.example"),
    (OTHER_USER_ID, "Jane", "User", "jane.user@close.example"),
];

/// Close's default lead statuses (id, label).
pub const LEAD_STATUSES: &[(&str, &str)] = &[
    (
        "stat_1ZdiZqcSIkoGVnNOyxiEY58eTGQmFNG3LPlEVQ4V7Nk",
        "Potential",
    ),
    (
        "stat_2ZdiZqcSIkoGVnNOyxiEY58eTGQmFNG3LPlEVQ4V7Nk",
        "Bad Fit",
    ),
    (
        "stat_3ZdiZqcSIkoGVnNOyxiEY58eTGQmFNG3LPlEVQ4V7Nk",
        "Qualified",
    ),
    (
        "stat_8ZdiZqcSIkoGVnNOyxiEY58eTGQmFNG3LPlEVQ4V7Nk",
        "Customer",
    ),
];

/// Close's default opportunity statuses (id, label, type) in the one pipeline.
pub const OPPORTUNITY_STATUSES: &[(&str, &str, &str)] = &[
    (
        "stat_4ZdiZqcSIkoGVnNOyxiEY58eTGQmFNG3LPlEVQ4V7Nk",
        "Active",
        "active",
    ),
    (
        "stat_5ZdiZqcSIkoGVnNOyxiEY58eTGQmFNG3LPlEVQ4V7Nk",
        "Won",
        "won",
    ),
    (
        "stat_6ZdiZqcSIkoGVnNOyxiEY58eTGQmFNG3LPlEVQ4V7Nk",
        "Lost",
        "lost",
    ),
];
const PIPELINE: (&str, &str) = ("pipe_04fC628PVB0HjK2Qq5EqEf", "Sales");

/// Custom fields every sandbox organisation has (family, id, name, type, choices).
pub const CUSTOM_FIELDS: &[(&str, &str, &str, &str, &[&str])] = &[
    (
        "lead",
        "cf_v6S011I6MqcbVvB2FA5Nk8dr5MkL8sWuCiG8cUleO9c",
        "Lead Source",
        "choices",
        &["Website", "Referral", "Event"],
    ),
    (
        "lead",
        "cf_8wtBWsdRU2Fur7GDnEeXQ7ra2Vu7R4hG1SNYdiEhh0F",
        "Industry",
        "text",
        &[],
    ),
    (
        "contact",
        "cf_j0P7kHmgFTZZnYBFtyPSZ3uQw4dpW8xKcW7Krps8atj",
        "Role",
        "text",
        &[],
    ),
    (
        "opportunity",
        "cf_Kd7YjV2p9Qw3Xz8LmN4bR6tH1sF5gA0cE2uI9oP7yTq",
        "Contract URL",
        "text",
        &[],
    ),
];

/// How Close renders the errors the sandbox machinery produces.
#[derive(Debug, Clone, Copy, Default)]
pub struct CloseErrors;

impl ErrorFormat for CloseErrors {
    fn unauthorized(&self, _problem: AuthProblem) -> Response {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "The API key is invalid or was deleted."})),
        )
            .into_response()
    }

    fn rate_limited(&self, retry_after: Duration) -> Response {
        let secs = retry_after.as_secs_f64();
        let whole = retry_after.as_secs().max(1).to_string();
        (
            StatusCode::TOO_MANY_REQUESTS,
            [
                ("retry-after", whole.clone()),
                ("ratelimit-reset", whole.clone()),
                ("ratelimit", format!("limit=60, remaining=0, reset={whole}")),
            ],
            Json(json!({"error": {
                "rate_reset": secs,
                "message": "API call count exceeded for this period",
                "rate_limit": 60,
                "rate_window": 1,
                "rate_limit_type": "key"
            }})),
        )
            .into_response()
    }

    fn server_error(&self, status: StatusCode) -> Response {
        (
            status,
            Json(json!({"error": status.canonical_reason().unwrap_or("Server error")})),
        )
            .into_response()
    }
}

unicrm_sandbox::register_emulator! {
    id: ID,
    router: router,
    seed: seed,
    errors: &CloseErrors,
}

/// The emulator's routes (Close's paths, with `/api/v1`).
pub fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route("/api/v1/lead/", get(list_leads).post(create_lead))
        .route(
            "/api/v1/lead/{id}/",
            get(get_lead).put(update_lead).delete(delete_lead),
        )
        .route("/api/v1/contact/", get(list_contacts).post(create_contact))
        .route(
            "/api/v1/contact/{id}/",
            get(get_contact).put(update_contact).delete(delete_contact),
        )
        .route(
            "/api/v1/opportunity/",
            get(list_opportunities).post(create_opportunity),
        )
        .route(
            "/api/v1/opportunity/{id}/",
            get(get_opportunity)
                .put(update_opportunity)
                .delete(delete_opportunity),
        )
        .route("/api/v1/activity/meeting/", get(list_meetings))
        .route(
            "/api/v1/activity/meeting/{id}/",
            get(get_meeting).put(update_meeting).delete(delete_meeting),
        )
        .route("/api/v1/user/{id}/", get(get_user))
        .route("/api/v1/me/", get(get_me))
        .route("/api/v1/status/lead/", get(lead_statuses))
        .route("/api/v1/status/opportunity/", get(opportunity_statuses))
        .route("/api/v1/custom_field/{family}/", get(custom_fields))
        .route("/oauth2/token/", axum::routing::post(token))
        .with_state(sandbox)
}

// ---------------------------------------------------------------------------------------------
// answers

type Answer = Result<Response, Response>;

fn ok(v: Value) -> Answer {
    Ok((StatusCode::OK, Json(v)).into_response())
}

/// 400 with Close's validation body.
fn field_errors(errors: BTreeMap<String, Value>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"errors": [], "field-errors": errors})),
    )
        .into_response()
}

fn field_error(field: &str, message: &str) -> Response {
    field_errors(BTreeMap::from([(field.to_owned(), json!(message))]))
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": message}))).into_response()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": "The requested object does not exist."})),
    )
        .into_response()
}

fn body_object(body: &[u8]) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(bad_request("The request body must be a JSON object.")),
        Err(e) => Err(bad_request(&format!("Invalid JSON: {e}"))),
    }
}

/// Refuses keys Close does not accept on this object ("additionalProperties: false"); `custom.`
/// keys are custom fields.
fn check_keys(obj: &Map<String, Value>, allowed: &[&str]) -> Result<(), Response> {
    let unknown: BTreeMap<String, Value> = obj
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()) && !k.starts_with("custom."))
        .map(|k| (k.clone(), json!("Unknown field.")))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(field_errors(unknown))
    }
}

fn close_time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// A Close-style id: prefix + 43 letters and digits from the sandbox's seeded generator.
fn new_id(sb: &Sandbox, prefix: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::from(prefix);
    while out.len() < prefix.len() + 43 {
        for b in sb.uuid().bytes().filter(u8::is_ascii_hexdigit) {
            let n = sb.random_below(62) as usize ^ (b as usize % 62);
            out.push(char::from(ALPHABET[n % 62]));
            if out.len() == prefix.len() + 43 {
                break;
            }
        }
    }
    out
}

fn page_params(q: &BTreeMap<String, String>) -> Result<(usize, usize), Response> {
    let num = |k: &str, default: usize| -> Result<usize, Response> {
        match q.get(k) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .map_err(|_| field_error(k, "Not a valid integer.")),
        }
    };
    let skip = num("_skip", 0)?;
    let limit = num("_limit", 100)?;
    if limit == 0 || limit > MAX_LIMIT {
        return Err(bad_request(&format!(
            "_limit must be between 1 and {MAX_LIMIT}."
        )));
    }
    Ok((skip, limit))
}

fn list_answer(items: Vec<Value>, skip: usize, limit: usize, total: bool) -> Answer {
    let n = items.len();
    let page = offset_limit(items, skip, limit).map_err(|e| bad_request(&e.to_string()))?;
    let mut out = json!({"data": page.items, "has_more": page.has_more()});
    if total {
        out["total_results"] = json!(n);
    }
    ok(out)
}

// ---------------------------------------------------------------------------------------------
// rendering

fn base(rec: &StoredRecord) -> Map<String, Value> {
    let mut m = rec.data.as_object().cloned().unwrap_or_default();
    m.insert("id".into(), json!(rec.id));
    m.insert("organization_id".into(), json!(ORGANIZATION_ID));
    m.insert("date_created".into(), json!(close_time(&rec.created_at)));
    m.insert("date_updated".into(), json!(close_time(&rec.updated_at)));
    m.entry("created_by").or_insert(json!(USER_ID));
    m.entry("updated_by").or_insert(json!(USER_ID));
    m
}

fn render_contact(rec: &StoredRecord) -> Value {
    let mut m = base(rec);
    let name = m.get("name").cloned().unwrap_or(Value::Null);
    m.insert("display_name".into(), name);
    for (list, key) in [("emails", "email"), ("phones", "phone")] {
        let items = m.entry(list).or_insert(json!([]));
        if let Some(arr) = items.as_array_mut() {
            for item in arr.iter_mut().filter_map(Value::as_object_mut) {
                if key == "phone" {
                    let p = item.get("phone").cloned().unwrap_or(Value::Null);
                    item.insert("phone_formatted".into(), p);
                } else {
                    item.entry("is_unsubscribed").or_insert(json!(false));
                }
            }
        }
    }
    m.entry("title").or_insert(Value::Null);
    Value::Object(m)
}

fn user_name(id: &str) -> Option<String> {
    USERS
        .iter()
        .find(|u| u.0 == id)
        .map(|u| format!("{} {}", u.1, u.2))
}

fn render_opportunity(store: &TenantStore, rec: &StoredRecord) -> Value {
    let mut m = base(rec);
    let status_id = m
        .get("status_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let status = OPPORTUNITY_STATUSES.iter().find(|s| s.0 == status_id);
    m.insert("status_label".into(), json!(status.map(|s| s.1)));
    m.insert("status_display_name".into(), json!(status.map(|s| s.1)));
    m.insert("status_type".into(), json!(status.map(|s| s.2)));
    m.insert("pipeline_id".into(), json!(PIPELINE.0));
    m.insert("pipeline_name".into(), json!(PIPELINE.1));
    let value = m.get("value").and_then(Value::as_i64);
    let confidence = m.get("confidence").and_then(Value::as_i64).unwrap_or(0);
    m.insert("value_currency".into(), json!("USD"));
    m.insert(
        "value_formatted".into(),
        json!(value.map(|v| format!("${}", v / 100))),
    );
    m.insert(
        "expected_value".into(),
        json!(value.map(|v| v * confidence / 100)),
    );
    m.entry("value_period").or_insert(json!("one_time"));
    m.entry("confidence").or_insert(json!(0));
    m.entry("contact_id").or_insert(Value::Null);
    m.entry("date_won").or_insert(Value::Null);
    m.entry("note").or_insert(json!(""));
    let user = m.get("user_id").and_then(Value::as_str).map(str::to_owned);
    m.insert(
        "user_name".into(),
        json!(user.as_deref().and_then(user_name)),
    );
    let lead_name = m
        .get("lead_id")
        .and_then(Value::as_str)
        .and_then(|l| store.get("lead", l))
        .and_then(|l| l.data.get("name").cloned());
    m.insert("lead_name".into(), lead_name.unwrap_or(Value::Null));
    Value::Object(m)
}

fn render_lead(store: &TenantStore, rec: &StoredRecord) -> Value {
    let mut m = base(rec);
    let name = m.get("name").cloned().unwrap_or(Value::Null);
    m.insert("display_name".into(), name);
    m.insert(
        "html_url".into(),
        json!(format!("https://app.close.com/lead/{}/", rec.id)),
    );
    let status_id = m
        .get("status_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let label = LEAD_STATUSES.iter().find(|s| s.0 == status_id).map(|s| s.1);
    m.insert("status_label".into(), json!(label));
    let of_lead = |r: &StoredRecord| r.data.get("lead_id").and_then(Value::as_str) == Some(&rec.id);
    let contacts: Vec<Value> = store
        .find("contact", of_lead)
        .iter()
        .map(render_contact)
        .collect();
    let opportunities: Vec<Value> = store
        .find("opportunity", of_lead)
        .iter()
        .map(|o| render_opportunity(store, o))
        .collect();
    m.insert("contacts".into(), json!(contacts));
    m.insert("opportunities".into(), json!(opportunities));
    m.insert("tasks".into(), json!([]));
    m.entry("addresses").or_insert(json!([]));
    m.entry("description").or_insert(json!(""));
    m.entry("url").or_insert(Value::Null);
    Value::Object(m)
}

fn render_meeting(rec: &StoredRecord) -> Value {
    let mut m = base(rec);
    m.insert("_type".into(), json!("Meeting"));
    let starts = m
        .get("starts_at")
        .and_then(Value::as_str)
        .and_then(parse_time);
    let ends = m
        .get("ends_at")
        .and_then(Value::as_str)
        .and_then(parse_time);
    if let (Some(s), Some(e)) = (starts, ends) {
        m.insert("duration".into(), json!((e - s).num_seconds()));
        m.insert("activity_at".into(), json!(close_time(&s)));
        let now = Utc::now();
        let status = if m.get("status").and_then(Value::as_str) == Some("canceled") {
            "canceled"
        } else if now < s {
            "upcoming"
        } else if now < e {
            "in-progress"
        } else {
            "completed"
        };
        m.insert("status".into(), json!(status));
    }
    let user = m.get("user_id").and_then(Value::as_str).map(str::to_owned);
    m.insert(
        "user_name".into(),
        json!(user.as_deref().and_then(user_name)),
    );
    m.entry("source").or_insert(json!("calendar"));
    m.entry("attendees").or_insert(json!([]));
    Value::Object(m)
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

// ---------------------------------------------------------------------------------------------
// validation shared by leads and contacts

fn check_emails(obj: &Map<String, Value>) -> Result<(), Response> {
    let Some(v) = obj.get("emails") else {
        return Ok(());
    };
    let Some(list) = v.as_array() else {
        return Err(field_error("emails", "Not a valid list."));
    };
    for (i, e) in list.iter().enumerate() {
        let email = e.get("email").and_then(Value::as_str).unwrap_or_default();
        if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
            return Err(field_errors(BTreeMap::from([(
                "emails".to_owned(),
                json!({ i.to_string(): {"email": "Invalid email address."} }),
            )])));
        }
    }
    Ok(())
}

fn check_phones(obj: &Map<String, Value>) -> Result<(), Response> {
    let Some(v) = obj.get("phones") else {
        return Ok(());
    };
    let Some(list) = v.as_array() else {
        return Err(field_error("phones", "Not a valid list."));
    };
    for (i, p) in list.iter().enumerate() {
        let phone = p.get("phone").and_then(Value::as_str).unwrap_or_default();
        if phone.chars().filter(char::is_ascii_digit).count() < 3 {
            return Err(field_errors(BTreeMap::from([(
                "phones".to_owned(),
                json!({ i.to_string(): {"phone": "Invalid phone number."} }),
            )])));
        }
    }
    Ok(())
}

const CONTACT_KEYS: &[&str] = &["lead_id", "name", "title", "emails", "phones", "urls"];
const LEAD_KEYS: &[&str] = &[
    "name",
    "url",
    "description",
    "status",
    "status_id",
    "addresses",
    "contacts",
];

/// Resolves `status` (label) / `status_id` of a lead body into `status_id`.
fn lead_status(obj: &mut Map<String, Value>) -> Result<(), Response> {
    match (obj.remove("status"), obj.get("status_id").cloned()) {
        (Some(_), Some(_)) => Err(bad_request("Post either status or status_id, not both.")),
        (Some(label), None) => {
            let label = label.as_str().unwrap_or_default();
            match LEAD_STATUSES
                .iter()
                .find(|s| s.1.eq_ignore_ascii_case(label))
            {
                Some(s) => {
                    obj.insert("status_id".into(), json!(s.0));
                    Ok(())
                }
                None => Err(field_error("status", "Status does not exist.")),
            }
        }
        (None, Some(id)) => {
            if LEAD_STATUSES.iter().any(|s| Some(s.0) == id.as_str()) {
                Ok(())
            } else {
                Err(field_error("status_id", "Status does not exist."))
            }
        }
        (None, None) => Ok(()),
    }
}

fn clean_contact(mut c: Map<String, Value>) -> Result<Map<String, Value>, Response> {
    check_keys(&c, CONTACT_KEYS)?;
    check_emails(&c)?;
    check_phones(&c)?;
    c.remove("id");
    Ok(c)
}

// ---------------------------------------------------------------------------------------------
// leads

async fn list_leads(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Query(q): Query<BTreeMap<String, String>>,
) -> Answer {
    let (skip, limit) = page_params(&q)?;
    let store = sb.tenant(&token);
    let name_filter = match q.get("query").map(|s| s.trim()) {
        None | Some("") => None,
        Some(query) => match query
            .strip_prefix("name:\"")
            .and_then(|r| r.strip_suffix('"'))
        {
            Some(name) => Some(
                name.replace("\\\"", "\"")
                    .replace("\\\\", "\\")
                    .to_lowercase(),
            ),
            None => {
                return Err(bad_request(
                    "The sandbox's lead search understands name:\"…\" queries only.",
                ))
            }
        },
    };
    let items: Vec<Value> = store
        .find("lead", |r| {
            name_filter.as_ref().is_none_or(|n| {
                r.data
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|name| name.to_lowercase().contains(n.as_str()))
            })
        })
        .iter()
        .map(|r| render_lead(&store, r))
        .collect();
    list_answer(items, skip, limit, true)
}

async fn create_lead(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    body: axum::body::Bytes,
) -> Answer {
    let mut obj = body_object(&body)?;
    check_keys(&obj, LEAD_KEYS)?;
    lead_status(&mut obj)?;
    if !obj.contains_key("status_id") {
        obj.insert("status_id".into(), json!(LEAD_STATUSES[0].0));
    }
    let contacts = match obj.remove("contacts") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => {
            let mut out = Vec::new();
            for c in list {
                let Value::Object(c) = c else {
                    return Err(field_error("contacts", "Not a valid list of objects."));
                };
                out.push(clean_contact(c)?);
            }
            out
        }
        Some(_) => return Err(field_error("contacts", "Not a valid list.")),
    };
    if obj
        .get("name")
        .and_then(Value::as_str)
        .is_none_or(|n| n.trim().is_empty())
    {
        // Close names a lead without a name after its first contact.
        let from_contact = contacts
            .first()
            .and_then(|c| c.get("name"))
            .cloned()
            .unwrap_or(json!("Untitled"));
        obj.insert("name".into(), from_contact);
    }
    let store = sb.tenant(&token);
    let id = new_id(&sb, "lead_");
    let rec = store
        .insert("lead", id.clone(), Value::Object(obj))
        .map_err(|e| bad_request(&e.to_string()))?;
    for mut c in contacts {
        c.insert("lead_id".into(), json!(id));
        store
            .insert("contact", new_id(&sb, "cont_"), Value::Object(c))
            .map_err(|e| bad_request(&e.to_string()))?;
    }
    ok(render_lead(&store, &rec))
}

async fn get_lead(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
) -> Answer {
    let store = sb.tenant(&token);
    let rec = store.get("lead", &id).ok_or_else(not_found)?;
    ok(render_lead(&store, &rec))
}

async fn update_lead(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Answer {
    let mut obj = body_object(&body)?;
    check_keys(&obj, LEAD_KEYS)?;
    if obj.contains_key("contacts") {
        return Err(field_error(
            "contacts",
            "Contacts cannot be updated through the lead; use the contact endpoints.",
        ));
    }
    lead_status(&mut obj)?;
    let store = sb.tenant(&token);
    let rec = store
        .merge("lead", &id, &Value::Object(obj))
        .map_err(|_| not_found())?;
    ok(render_lead(&store, &rec))
}

async fn delete_lead(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
) -> Answer {
    let store = sb.tenant(&token);
    store.delete("lead", &id).map_err(|_| not_found())?;
    // Deleting a lead deletes everything on it.
    for coll in ["contact", "opportunity", "meeting"] {
        for r in store.find(coll, |r| {
            r.data.get("lead_id").and_then(Value::as_str) == Some(id.as_str())
        }) {
            let _ = store.delete(coll, &r.id);
        }
    }
    ok(json!({}))
}

// ---------------------------------------------------------------------------------------------
// contacts

async fn list_contacts(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Query(q): Query<BTreeMap<String, String>>,
) -> Answer {
    let (skip, limit) = page_params(&q)?;
    let store = sb.tenant(&token);
    let lead = q.get("lead_id").cloned();
    let items: Vec<Value> = store
        .find("contact", |r| {
            lead.as_deref()
                .is_none_or(|l| r.data.get("lead_id").and_then(Value::as_str) == Some(l))
        })
        .iter()
        .map(render_contact)
        .collect();
    list_answer(items, skip, limit, false)
}

async fn create_contact(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    body: axum::body::Bytes,
) -> Answer {
    let mut obj = clean_contact(body_object(&body)?)?;
    let store = sb.tenant(&token);
    match obj.get("lead_id").and_then(Value::as_str) {
        Some(lead) => {
            if store.get("lead", lead).is_none() {
                return Err(field_error("lead_id", "Lead does not exist."));
            }
        }
        None => {
            // "If you do not provide a lead_id then a new lead will be created, named after the
            // contact."
            let name = obj.get("name").cloned().unwrap_or(json!("Untitled"));
            let lead_id = new_id(&sb, "lead_");
            store
                .insert(
                    "lead",
                    lead_id.clone(),
                    json!({"name": name, "status_id": LEAD_STATUSES[0].0}),
                )
                .map_err(|e| bad_request(&e.to_string()))?;
            obj.insert("lead_id".into(), json!(lead_id));
        }
    }
    let rec = store
        .insert("contact", new_id(&sb, "cont_"), Value::Object(obj))
        .map_err(|e| bad_request(&e.to_string()))?;
    ok(render_contact(&rec))
}

async fn get_contact(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
) -> Answer {
    let rec = sb
        .tenant(&token)
        .get("contact", &id)
        .ok_or_else(not_found)?;
    ok(render_contact(&rec))
}

async fn update_contact(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Answer {
    let obj = clean_contact(body_object(&body)?)?;
    let store = sb.tenant(&token);
    if let Some(lead) = obj.get("lead_id").and_then(Value::as_str) {
        if store.get("lead", lead).is_none() {
            return Err(field_error("lead_id", "Lead does not exist."));
        }
    }
    let rec = store
        .merge("contact", &id, &Value::Object(obj))
        .map_err(|_| not_found())?;
    ok(render_contact(&rec))
}

async fn delete_contact(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
) -> Answer {
    sb.tenant(&token)
        .delete("contact", &id)
        .map_err(|_| not_found())?;
    ok(json!({}))
}

// ---------------------------------------------------------------------------------------------
// opportunities

const OPPORTUNITY_KEYS: &[&str] = &[
    "note",
    "note_html",
    "value",
    "value_period",
    "status",
    "status_id",
    "pipeline_id",
    "date_won",
    "confidence",
    "lead_id",
    "contact_id",
    "user_id",
    "attachments",
];

fn clean_opportunity(
    store: &TenantStore,
    mut obj: Map<String, Value>,
) -> Result<Map<String, Value>, Response> {
    check_keys(&obj, OPPORTUNITY_KEYS)?;
    let mut errors = BTreeMap::new();
    if let Some(label) = obj.remove("status") {
        let label = label.as_str().unwrap_or_default();
        match OPPORTUNITY_STATUSES
            .iter()
            .find(|s| s.1.eq_ignore_ascii_case(label))
        {
            Some(s) => {
                obj.insert("status_id".into(), json!(s.0));
            }
            None => {
                errors.insert("status".into(), json!("Status does not exist."));
            }
        }
    }
    if let Some(id) = obj.get("status_id") {
        if !OPPORTUNITY_STATUSES
            .iter()
            .any(|s| Some(s.0) == id.as_str())
        {
            errors.insert("status_id".into(), json!("Status does not exist."));
        }
    }
    if let Some(p) = obj.remove("pipeline_id") {
        if p.as_str() != Some(PIPELINE.0) {
            errors.insert("pipeline_id".into(), json!("Pipeline does not exist."));
        }
    }
    if let Some(v) = obj.get("value") {
        if !v.is_null() && !v.is_i64() {
            errors.insert("value".into(), json!("Not a valid integer."));
        }
    }
    if let Some(c) = obj.get("confidence") {
        if !c.as_i64().is_some_and(|c| (0..=100).contains(&c)) {
            errors.insert(
                "confidence".into(),
                json!("Must be an integer between 0 and 100."),
            );
        }
    }
    if let Some(p) = obj.get("value_period") {
        if !matches!(p.as_str(), Some("one_time" | "monthly" | "annual")) {
            errors.insert("value_period".into(), json!("Not a valid choice."));
        }
    }
    if let Some(d) = obj.get("date_won").filter(|d| !d.is_null()) {
        let valid = d.as_str().is_some_and(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() || parse_time(s).is_some()
        });
        if !valid {
            errors.insert("date_won".into(), json!("Not a valid date."));
        }
    }
    if let Some(u) = obj.get("user_id").filter(|u| !u.is_null()) {
        if !USERS.iter().any(|x| Some(x.0) == u.as_str()) {
            errors.insert("user_id".into(), json!("User does not exist."));
        }
    }
    if let Some(l) = obj.get("lead_id").and_then(Value::as_str) {
        if store.get("lead", l).is_none() {
            errors.insert("lead_id".into(), json!("Lead does not exist."));
        }
    }
    if let Some(c) = obj.get("contact_id").and_then(Value::as_str) {
        if store.get("contact", c).is_none() {
            errors.insert("contact_id".into(), json!("Contact does not exist."));
        }
    }
    if errors.is_empty() {
        Ok(obj)
    } else {
        Err(field_errors(errors))
    }
}

async fn list_opportunities(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Query(q): Query<BTreeMap<String, String>>,
) -> Answer {
    let (skip, limit) = page_params(&q)?;
    let since = match q.get("date_updated__gte") {
        None => None,
        Some(s) => Some(
            parse_time(s)
                .or_else(|| {
                    NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .ok()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                        .map(|d| d.and_utc())
                })
                .ok_or_else(|| field_error("date_updated__gte", "Not a valid datetime."))?,
        ),
    };
    let lead = q.get("lead_id").cloned();
    let store = sb.tenant(&token);
    let items: Vec<Value> = store
        .find("opportunity", |r| {
            since.is_none_or(|t| r.updated_at >= t)
                && lead
                    .as_deref()
                    .is_none_or(|l| r.data.get("lead_id").and_then(Value::as_str) == Some(l))
        })
        .iter()
        .map(|r| render_opportunity(&store, r))
        .collect();
    list_answer(items, skip, limit, true)
}

async fn create_opportunity(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    body: axum::body::Bytes,
) -> Answer {
    let store = sb.tenant(&token);
    let mut obj = clean_opportunity(&store, body_object(&body)?)?;
    if !obj.contains_key("status_id") {
        obj.insert("status_id".into(), json!(OPPORTUNITY_STATUSES[0].0));
    }
    obj.entry("user_id").or_insert(json!(USER_ID));
    if obj.get("lead_id").and_then(Value::as_str).is_none() {
        // "If not provided, a new lead will be created (appearing as "Untitled" in the UI)."
        let lead_id = new_id(&sb, "lead_");
        store
            .insert(
                "lead",
                lead_id.clone(),
                json!({"name": "Untitled", "status_id": LEAD_STATUSES[0].0}),
            )
            .map_err(|e| bad_request(&e.to_string()))?;
        obj.insert("lead_id".into(), json!(lead_id));
    }
    won_date(&mut obj);
    let rec = store
        .insert("opportunity", new_id(&sb, "oppo_"), Value::Object(obj))
        .map_err(|e| bad_request(&e.to_string()))?;
    ok(render_opportunity(&store, &rec))
}

/// "Setting the status_id to a status with a type of won will automatically set the date_won
/// field if it is not already set or provided in the request."
fn won_date(obj: &mut Map<String, Value>) {
    let won = obj
        .get("status_id")
        .and_then(Value::as_str)
        .is_some_and(|id| {
            OPPORTUNITY_STATUSES
                .iter()
                .any(|s| s.0 == id && s.2 == "won")
        });
    if won && obj.get("date_won").is_none_or(Value::is_null) {
        obj.insert(
            "date_won".into(),
            json!(Utc::now().date_naive().format("%Y-%m-%d").to_string()),
        );
    }
}

async fn get_opportunity(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
) -> Answer {
    let store = sb.tenant(&token);
    let rec = store.get("opportunity", &id).ok_or_else(not_found)?;
    ok(render_opportunity(&store, &rec))
}

async fn update_opportunity(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Answer {
    let store = sb.tenant(&token);
    let current = store.get("opportunity", &id).ok_or_else(not_found)?;
    let raw = body_object(&body)?;
    if raw.contains_key("pipeline_id") {
        return Err(field_error("pipeline_id", "Unknown field."));
    }
    let mut obj = clean_opportunity(&store, raw)?;
    if obj.contains_key("status_id") && current.data.get("date_won").is_none_or(Value::is_null) {
        won_date(&mut obj);
    }
    let rec = store
        .merge("opportunity", &id, &Value::Object(obj))
        .map_err(|_| not_found())?;
    ok(render_opportunity(&store, &rec))
}

async fn delete_opportunity(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
) -> Answer {
    sb.tenant(&token)
        .delete("opportunity", &id)
        .map_err(|_| not_found())?;
    ok(json!({}))
}

// ---------------------------------------------------------------------------------------------
// meetings

const MEETING_KEYS: &[&str] = &[
    "title",
    "note",
    "location",
    "starts_at",
    "ends_at",
    "user_note_html",
    "outcome_id",
];

async fn list_meetings(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Query(q): Query<BTreeMap<String, String>>,
) -> Answer {
    let (skip, limit) = page_params(&q)?;
    let lead = q.get("lead_id").cloned();
    let items: Vec<Value> = sb
        .tenant(&token)
        .find("meeting", |r| {
            lead.as_deref()
                .is_none_or(|l| r.data.get("lead_id").and_then(Value::as_str) == Some(l))
        })
        .iter()
        .map(render_meeting)
        .collect();
    list_answer(items, skip, limit, false)
}

async fn get_meeting(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
) -> Answer {
    let rec = sb
        .tenant(&token)
        .get("meeting", &id)
        .ok_or_else(not_found)?;
    ok(render_meeting(&rec))
}

async fn update_meeting(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Answer {
    let obj = body_object(&body)?;
    check_keys(&obj, MEETING_KEYS)?;
    let store = sb.tenant(&token);
    let current = store.get("meeting", &id).ok_or_else(not_found)?;
    let time = |k: &str| -> Result<Option<DateTime<Utc>>, Response> {
        match obj.get(k).or_else(|| current.data.get(k)) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_str()
                .and_then(parse_time)
                .map(Some)
                .ok_or_else(|| field_error(k, "Not a valid datetime.")),
        }
    };
    if let (Some(s), Some(e)) = (time("starts_at")?, time("ends_at")?) {
        if e < s {
            return Err(field_error("ends_at", "Must not be before starts_at."));
        }
    }
    let rec = store
        .merge("meeting", &id, &Value::Object(obj))
        .map_err(|_| not_found())?;
    ok(render_meeting(&rec))
}

async fn delete_meeting(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
) -> Answer {
    sb.tenant(&token)
        .delete("meeting", &id)
        .map_err(|_| not_found())?;
    ok(json!({}))
}

// ---------------------------------------------------------------------------------------------
// users, statuses, custom fields

fn render_user(u: &(&str, &str, &str, &str)) -> Value {
    json!({
        "id": u.0,
        "first_name": u.1,
        "last_name": u.2,
        "email": u.3,
        "image": null,
        "date_created": "2013-02-01T00:54:51.321000+00:00",
        "date_updated": "2013-02-01T00:54:51.321000+00:00",
    })
}

async fn get_user(TenantToken(_token): TenantToken, Path(id): Path<String>) -> Answer {
    let user = USERS.iter().find(|u| u.0 == id).ok_or_else(not_found)?;
    ok(render_user(user))
}

async fn get_me(TenantToken(_token): TenantToken) -> Answer {
    let mut me = render_user(&USERS[0]);
    me["organizations"] = json!([{"id": ORGANIZATION_ID, "name": "Sandbox"}]);
    ok(me)
}

async fn lead_statuses(TenantToken(_token): TenantToken) -> Answer {
    let data: Vec<Value> = LEAD_STATUSES
        .iter()
        .map(|(id, label)| json!({"id": id, "label": label, "organization_id": ORGANIZATION_ID}))
        .collect();
    ok(json!({"data": data, "has_more": false}))
}

async fn opportunity_statuses(TenantToken(_token): TenantToken) -> Answer {
    let data: Vec<Value> = OPPORTUNITY_STATUSES
        .iter()
        .map(|(id, label, kind)| {
            json!({"id": id, "label": label, "type": kind, "pipeline_id": PIPELINE.0,
                   "organization_id": ORGANIZATION_ID})
        })
        .collect();
    ok(json!({"data": data, "has_more": false}))
}

async fn custom_fields(TenantToken(_token): TenantToken, Path(family): Path<String>) -> Answer {
    if !matches!(
        family.as_str(),
        "lead" | "contact" | "opportunity" | "activity"
    ) {
        return Err(not_found());
    }
    let data: Vec<Value> = CUSTOM_FIELDS
        .iter()
        .filter(|f| f.0 == family)
        .map(|(_, id, name, kind, choices)| {
            let mut f = json!({
                "id": id, "name": name, "type": kind, "description": "",
                "accepts_multiple_values": false, "organization_id": ORGANIZATION_ID,
            });
            if *kind == "choices" {
                f["choices"] = json!(choices);
            }
            f
        })
        .collect();
    ok(json!({"data": data, "has_more": false}))
}

/// `POST /oauth2/token/` with `grant_type=refresh_token` (RFC 6749 §6). The access token
/// answered is the refresh token itself, so the refreshed session reaches the same sandbox
/// account; refresh tokens starting with `invalid`/`expired`/`revoked` are refused.
async fn token(body: axum::body::Bytes) -> Response {
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let oauth_error = |status: StatusCode, error: &str, description: &str| {
        (
            status,
            Json(json!({"error": error, "error_description": description})),
        )
            .into_response()
    };
    if form.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant type not supported",
        );
    }
    if form.get("client_id").is_none_or(|c| c.is_empty())
        || form.get("client_secret").is_none_or(|c| c.is_empty())
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    }
    match form
        .get("refresh_token")
        .filter(|t| !unicrm_sandbox::auth::is_reserved_rejected(t))
    {
        Some(refresh) => (
            StatusCode::OK,
            Json(json!({
                "access_token": refresh,
                "token_type": "Bearer",
                "expires_in": 3600,
                "refresh_token": refresh,
                "scope": "all.full_access offline_access",
            })),
        )
            .into_response(),
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "refresh token is invalid or expired",
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// seed data

/// Fills an account with `n` leads, each with one contact, one opportunity and one meeting.
pub fn seed(sb: &Sandbox, token: &str, n: usize, rng: &mut StdRng) {
    let store = sb.tenant(token);
    let today = Utc::now().date_naive();
    for i in 0..n {
        let person = unicrm_sandbox::fake::person(rng);
        let company = &person.company;
        let lead_id = new_id(sb, "lead_");
        let status = LEAD_STATUSES[i % LEAD_STATUSES.len()].0;
        let lead = json!({
            "name": company.name,
            "url": company.website(),
            "description": "",
            "status_id": status,
            "addresses": [{
                "label": "business",
                "address_1": company.address.street,
                "city": company.address.city,
                "state": company.address.state,
                "zipcode": company.address.postal_code,
                "country": company.address.country,
            }],
        });
        if store.insert("lead", lead_id.clone(), lead).is_err() {
            continue;
        }
        let contact_id = new_id(sb, "cont_");
        let _ = store.insert(
            "contact",
            contact_id.clone(),
            json!({
                "lead_id": lead_id,
                "name": person.full_name(),
                "title": person.job_title,
                "emails": [{"email": person.email, "type": "office"}],
                "phones": [{"phone": person.phone, "type": "office"}],
            }),
        );
        let deal = unicrm_sandbox::fake::deal(rng, company, today);
        let _ = store.insert(
            "opportunity",
            new_id(sb, "oppo_"),
            json!({
                "lead_id": lead_id,
                "contact_id": contact_id,
                "note": deal.name,
                "value": deal.amount * 100,
                "value_period": "one_time",
                "confidence": deal.probability,
                "status_id": OPPORTUNITY_STATUSES[0].0,
                "user_id": OTHER_USER_ID,
                "date_won": deal.close_date.format("%Y-%m-%d").to_string(),
            }),
        );
        let m = unicrm_sandbox::fake::meeting(rng, company, Utc::now());
        let _ = store.insert(
            "meeting",
            new_id(sb, "acti_"),
            json!({
                "lead_id": lead_id,
                "contact_id": contact_id,
                "title": m.title,
                "note": "",
                "location": m.location,
                "starts_at": close_time(&m.start),
                "ends_at": close_time(&m.end),
                "user_id": OTHER_USER_ID,
                "attendees": [{
                    "contact_id": contact_id, "email": person.email, "is_organizer": false,
                    "name": person.full_name(), "status": "yes", "user_id": null,
                }],
            }),
        );
    }
}
