//! Zoho CRM emulator (feature `sandbox`): the endpoints this connector uses, with Zoho's paths,
//! bodies, ids, paging and errors, on the `unicrm-sandbox` machinery.
//!
//! Served (under the sandbox's `/zoho` prefix, which plays both the API domain and the accounts
//! server):
//!
//! * `POST|GET /crm/v8/{module}`, `GET|PUT|DELETE /crm/v8/{module}/{id}` for `Contacts`, `Leads`,
//!   `Deals`, `Events` and `Accounts`; bodies `{"data": [...]}` (≤ 100 records), one result per
//!   record — 201 when all succeed, 207 when some fail, 400 when all fail — with Zoho's per-record
//!   errors (`MANDATORY_NOT_FOUND`, `INVALID_DATA` naming `api_name` and `json_path`,
//!   `DUPLICATE_DATA` naming the existing record);
//! * lists: `fields` required (≤ 50, `REQUIRED_PARAM_MISSING` / `LIMIT_EXCEEDED`), `per_page`
//!   ≤ 200, `page` or `page_token` (`info.next_page_token`, `more_records`), `sort_by=id` +
//!   `sort_order`, `If-Modified-Since` (304 when nothing changed), 204 for an empty list;
//! * `GET /crm/v8/{module}/search?criteria=(Field:equals:value)` (also `starts_with`), 204 when
//!   nothing matches;
//! * `GET /crm/v8/users/{id}` (two users per account), `GET /crm/v8/settings/fields?module=…`
//!   (standard fields plus a few `custom_field: true` ones);
//! * `POST /oauth/v2/token` (`grant_type=refresh_token`; a bad refresh token is Zoho's
//!   `{"error": "invalid_code"}` with HTTP 200; the new access token names the same sandbox
//!   account and `api_domain` is the emulator's base URL);
//! * ids are Zoho's long decimal strings (`5725767000000001001`); `Authorization:
//!   Zoho-oauthtoken …` is required (a `Bearer` header is refused like a bad token); 401, 429
//!   and 5xx in Zoho's `{code, message, status, details}` shape.
//!
//! Rules modelled: mandatory fields (contacts `Last_Name`; leads `Last_Name`, `Company`; deals
//! `Deal_Name`, `Stage`, `Closing_Date`; events `Event_Title`, `Start_DateTime`, `End_DateTime`;
//! accounts `Account_Name`), lookups that must name existing records, owners that must be users,
//! e-mail, number, date and date-time formats, `First_Name` ≤ 40 and `Last_Name` ≤ 80
//! characters, and `Email` unique among contacts and among leads (as when the field is marked
//! unique).

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use http::request::Parts;
use serde_json::{json, Map, Value};
use unicrm_sandbox::auth::{AuthProblem, TenantToken};
use unicrm_sandbox::{EmulatorBase, ErrorFormat, Sandbox, StdRng, StoredRecord, TenantStore};

use crate::wire::Module;

/// Largest `per_page`.
const MAX_PER_PAGE: usize = 200;
/// Largest number of `fields`.
const MAX_FIELDS: usize = 50;
/// Largest number of records in one write.
const MAX_RECORDS: usize = 100;
/// Discrete `page` paging reaches 2,000 records (`page` 1–10 × 200).
const MAX_PAGE: usize = 10;

/// The users of every sandbox account: (id, first name, last name, e-mail).
const USERS: &[(&str, &str, &str, &str)] = &[
    (
        "5725767000000411001",
        "Patricia",
        "Boyle",
        "patricia.boyle@zylker.example",
    ),
    (
        "5725767000000411002",
        "Ravi",
        "Kumar",
        "ravi.kumar@zylker.example",
    ),
];

/// Zoho's renderings of the answers the sandbox machinery produces.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZohoErrors;

impl ErrorFormat for ZohoErrors {
    fn unauthorized(&self, _problem: AuthProblem) -> Response {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({
                "code": "INVALID_TOKEN",
                "details": {},
                "message": "invalid oauth token",
                "status": "error"
            })),
        )
            .into_response()
    }

    fn rate_limited(&self, retry_after: Duration) -> Response {
        let secs = retry_after.as_secs();
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(http::header::RETRY_AFTER, secs.to_string())],
            Json(json!({
                "code": "TOO_MANY_REQUESTS",
                "message": "Rate limit exceeded. Please retry after the specified time.",
                "status": "error",
                "details": {"retry_after": secs, "limit": 100, "window": 60}
            })),
        )
            .into_response()
    }

    fn server_error(&self, status: StatusCode) -> Response {
        (
            status,
            Json(json!({
                "code": "INTERNAL_ERROR",
                "message": "Internal Server Error",
                "status": "error",
                "details": {}
            })),
        )
            .into_response()
    }
}

/// The sandbox account of a request that carries `Authorization: Zoho-oauthtoken <token>`.
struct ZohoToken(String);

impl<S: Send + Sync> FromRequestParts<S> for ZohoToken {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let scheme_ok = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim_start().split_once(' '))
            .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("Zoho-oauthtoken"));
        if !scheme_ok {
            return Err(ZohoErrors.unauthorized(AuthProblem::Missing));
        }
        let TenantToken(token) = TenantToken::from_request_parts(parts, state).await?;
        Ok(ZohoToken(token))
    }
}

/// The emulator's routes (paths as Zoho has them).
pub fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route("/oauth/v2/token", post(oauth_token))
        .route("/crm/v8/users/{id}", get(get_user))
        .route("/crm/v8/settings/fields", get(get_fields))
        .route("/crm/v8/{module}", get(list_records).post(create_records))
        .route("/crm/v8/{module}/search", get(search_records))
        .route(
            "/crm/v8/{module}/{id}",
            get(get_record).put(update_record).delete(delete_record),
        )
        .with_state(sandbox)
}

unicrm_sandbox::register_emulator! {
    id: crate::config::ID,
    router: router,
    seed: seed,
    errors: &ZohoErrors,
}

// ---------------------------------------------------------------------------------------------
// answers

fn error(status: StatusCode, code: &str, message: &str, details: Value) -> Response {
    (
        status,
        Json(json!({"code": code, "details": details, "message": message, "status": "error"})),
    )
        .into_response()
}

fn invalid_module() -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "INVALID_MODULE",
        "the module name given seems to be invalid",
        json!({"resource_path_index": 0}),
    )
}

fn param_error(code: &str, message: &str, param: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        code,
        message,
        json!({ "param_name": param }),
    )
}

/// A per-record error entry of a `{"data": [...]}` answer.
fn record_error(code: &str, message: &str, api_name: &str, index: usize, extra: Value) -> Value {
    let mut details = json!({
        "api_name": api_name,
        "json_path": format!("$.data[{index}].{api_name}"),
    });
    if let (Some(d), Value::Object(extra)) = (details.as_object_mut(), extra) {
        d.extend(extra);
    }
    json!({"code": code, "details": details, "message": message, "status": "error"})
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn zoho_id(sb: &Sandbox) -> String {
    let n: u64 = sb.numeric_id().parse().unwrap_or_default();
    format!("5725767{n:012}")
}

fn user_json(id: &str) -> Option<Value> {
    USERS
        .iter()
        .find(|u| u.0 == id)
        .map(|(id, first, last, email)| {
            json!({
                "id": id,
                "first_name": first,
                "last_name": last,
                "full_name": format!("{first} {last}"),
                "email": email,
                "status": "active",
                "confirm": true,
                "role": {"name": "CEO", "id": "5725767000000000861"},
                "profile": {"name": "Administrator", "id": "5725767000000000497"},
                "type__s": "Regular User"
            })
        })
}

fn owner_json(id: &str) -> Value {
    match USERS.iter().find(|u| u.0 == id) {
        Some((id, first, last, email)) => {
            json!({"name": format!("{first} {last}"), "id": id, "email": email})
        }
        None => json!({"id": id}),
    }
}

// ---------------------------------------------------------------------------------------------
// module rules

/// Fields each module requires.
fn mandatory(module: Module) -> &'static [&'static str] {
    match module {
        Module::Contacts => &["Last_Name"],
        Module::Leads => &["Last_Name", "Company"],
        Module::Deals => &["Deal_Name", "Stage", "Closing_Date"],
        Module::Events => &["Event_Title", "Start_DateTime", "End_DateTime"],
        Module::Accounts => &["Account_Name"],
    }
}

/// Lookup fields of a module and the module they point at (`What_Id` follows `$se_module`).
fn lookups(module: Module) -> &'static [(&'static str, Module)] {
    match module {
        Module::Contacts => &[("Account_Name", Module::Accounts)],
        Module::Deals => &[
            ("Account_Name", Module::Accounts),
            ("Contact_Name", Module::Contacts),
        ],
        Module::Events => &[("Who_Id", Module::Contacts)],
        Module::Leads | Module::Accounts => &[],
    }
}

const EMAIL_FIELDS: &[&str] = &["Email", "Secondary_Email"];
const NUMBER_FIELDS: &[&str] = &["Amount", "Annual_Revenue", "Probability", "No_of_Employees"];
const DATE_FIELDS: &[&str] = &["Closing_Date"];
const DATETIME_FIELDS: &[&str] = &["Start_DateTime", "End_DateTime"];
/// Set by Zoho; ignored in bodies.
const READ_ONLY: &[&str] = &[
    "id",
    "Created_Time",
    "Modified_Time",
    "Created_By",
    "Modified_By",
];

/// The standard fields of each module: (API name, label, data type).
fn standard_fields(module: Module) -> &'static [(&'static str, &'static str, &'static str)] {
    match module {
        Module::Contacts => &[
            ("Owner", "Contact Owner", "ownerlookup"),
            ("First_Name", "First Name", "text"),
            ("Last_Name", "Last Name", "text"),
            ("Email", "Email", "email"),
            ("Secondary_Email", "Secondary Email", "email"),
            ("Phone", "Phone", "phone"),
            ("Mobile", "Mobile", "phone"),
            ("Home_Phone", "Home Phone", "phone"),
            ("Other_Phone", "Other Phone", "phone"),
            ("Title", "Title", "text"),
            ("Account_Name", "Account Name", "lookup"),
            ("Mailing_Street", "Mailing Street", "text"),
            ("Mailing_City", "Mailing City", "text"),
            ("Mailing_State", "Mailing State", "text"),
            ("Mailing_Zip", "Mailing Zip", "text"),
            ("Mailing_Country", "Mailing Country", "text"),
            ("Lead_Source", "Lead Source", "picklist"),
            ("Description", "Description", "textarea"),
        ],
        Module::Leads => &[
            ("Owner", "Lead Owner", "ownerlookup"),
            ("First_Name", "First Name", "text"),
            ("Last_Name", "Last Name", "text"),
            ("Company", "Company", "text"),
            ("Email", "Email", "email"),
            ("Secondary_Email", "Secondary Email", "email"),
            ("Phone", "Phone", "phone"),
            ("Mobile", "Mobile", "phone"),
            ("Designation", "Title", "text"),
            ("Street", "Street", "text"),
            ("City", "City", "text"),
            ("State", "State", "text"),
            ("Zip_Code", "Zip Code", "text"),
            ("Country", "Country", "text"),
            ("Lead_Status", "Lead Status", "picklist"),
            ("Lead_Source", "Lead Source", "picklist"),
            ("Industry", "Industry", "picklist"),
            ("Website", "Website", "website"),
        ],
        Module::Deals => &[
            ("Owner", "Deal Owner", "ownerlookup"),
            ("Deal_Name", "Deal Name", "text"),
            ("Amount", "Amount", "currency"),
            ("Stage", "Stage", "picklist"),
            ("Pipeline", "Pipeline", "picklist"),
            ("Closing_Date", "Closing Date", "date"),
            ("Probability", "Probability (%)", "integer"),
            ("Account_Name", "Account Name", "lookup"),
            ("Contact_Name", "Contact Name", "lookup"),
            ("Lead_Source", "Lead Source", "picklist"),
            ("Type", "Type", "picklist"),
        ],
        Module::Events => &[
            ("Owner", "Host", "ownerlookup"),
            ("Event_Title", "Title", "text"),
            ("Start_DateTime", "From", "datetime"),
            ("End_DateTime", "To", "datetime"),
            ("Venue", "Location", "text"),
            ("Description", "Description", "textarea"),
            ("Participants", "Participants", "event_reminder"),
            ("Who_Id", "Contact Name", "lookup"),
            ("What_Id", "Related To", "lookup"),
        ],
        Module::Accounts => &[
            ("Owner", "Account Owner", "ownerlookup"),
            ("Account_Name", "Account Name", "text"),
            ("Website", "Website", "website"),
            ("Industry", "Industry", "picklist"),
            ("Annual_Revenue", "Annual Revenue", "currency"),
            ("Phone", "Phone", "phone"),
            ("Billing_Street", "Billing Street", "text"),
            ("Billing_City", "Billing City", "text"),
            ("Billing_State", "Billing State", "text"),
            ("Billing_Code", "Billing Code", "text"),
            ("Billing_Country", "Billing Country", "text"),
            ("Description", "Description", "textarea"),
        ],
    }
}

/// Custom fields every sandbox account has: (API name, label, data type, pick-list values).
fn custom_fields(
    module: Module,
) -> &'static [(
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
)] {
    match module {
        Module::Contacts | Module::Leads => &[
            (
                "Loyalty_Tier",
                "Loyalty Tier",
                "picklist",
                &["Gold", "Silver", "Bronze"],
            ),
            ("Preferred_Language", "Preferred Language", "text", &[]),
            (
                "Training_Completion_Status",
                "Training Completion Status",
                "picklist",
                &["Not Started", "In Progress", "Completed"],
            ),
        ],
        Module::Deals => &[("Competitor", "Competitor", "text", &[])],
        Module::Events => &[("Meeting_Link", "Meeting Link", "website", &[])],
        Module::Accounts => &[(
            "Tier",
            "Tier",
            "picklist",
            &["Enterprise", "Mid-market", "SMB"],
        )],
    }
}

/// The name a lookup to this record shows.
fn display_name(module: Module, data: &Value) -> Value {
    let text = |k: &str| data.get(k).and_then(Value::as_str).unwrap_or_default();
    let name = match module {
        Module::Contacts | Module::Leads => {
            let first = text("First_Name");
            let last = text("Last_Name");
            if first.is_empty() {
                last.to_owned()
            } else {
                format!("{first} {last}")
            }
        }
        Module::Deals => text("Deal_Name").to_owned(),
        Module::Events => text("Event_Title").to_owned(),
        Module::Accounts => text("Account_Name").to_owned(),
    };
    Value::String(name)
}

fn parse_module(raw: &str) -> Option<Module> {
    Module::parse(raw)
}

// ---------------------------------------------------------------------------------------------
// rendering

/// A stored record as Zoho answers it: lookups with names, owner with name and e-mail, times.
fn render(store: &TenantStore, module: Module, rec: &StoredRecord) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("id".into(), Value::String(rec.id.clone()));
    let Value::Object(data) = &rec.data else {
        return out;
    };
    for (k, v) in data {
        out.insert(k.clone(), v.clone());
    }
    let owner_id = data
        .get("Owner")
        .and_then(|o| o.get("id"))
        .and_then(Value::as_str)
        .unwrap_or(USERS[0].0)
        .to_owned();
    out.insert("Owner".into(), owner_json(&owner_id));
    let by = owner_json(&owner_id);
    let by = json!({"name": by.get("name").cloned().unwrap_or(Value::Null), "id": owner_id});
    out.insert("Created_By".into(), by.clone());
    out.insert("Modified_By".into(), by);
    for (field, target) in lookups(module) {
        name_lookup(store, &mut out, field, *target);
    }
    if module == Module::Events {
        let target = data
            .get("$se_module")
            .and_then(Value::as_str)
            .and_then(parse_module);
        if let Some(target) = target {
            name_lookup(store, &mut out, "What_Id", target);
        }
        if let Some(Value::Array(ps)) = out.get("Participants").cloned() {
            let named: Vec<Value> = ps
                .into_iter()
                .map(|mut p| {
                    let kind = p.get("type").and_then(Value::as_str).unwrap_or_default();
                    let id = p
                        .get("participant")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let target = match kind {
                        "contact" => Some(Module::Contacts),
                        "lead" => Some(Module::Leads),
                        _ => None,
                    };
                    if let Some(found) =
                        target.and_then(|t| store.get(t.api_name(), id).map(|r| (t, r)))
                    {
                        if let Some(o) = p.as_object_mut() {
                            o.insert("name".into(), display_name(found.0, &found.1.data));
                            o.insert(
                                "Email".into(),
                                found.1.data.get("Email").cloned().unwrap_or(Value::Null),
                            );
                            o.insert("invited".into(), Value::Bool(false));
                            o.insert("status".into(), Value::String("not_known".into()));
                        }
                    }
                    p
                })
                .collect();
            out.insert("Participants".into(), Value::Array(named));
        }
    }
    if let Some(Value::Array(tags)) = data.get("Tag") {
        out.insert("Tag".into(), Value::Array(tags.clone()));
    }
    out.insert("Created_Time".into(), Value::String(time(rec.created_at)));
    out.insert("Modified_Time".into(), Value::String(time(rec.updated_at)));
    out
}

fn name_lookup(store: &TenantStore, out: &mut Map<String, Value>, field: &str, target: Module) {
    let Some(id) = out
        .get(field)
        .and_then(|v| v.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return;
    };
    let name = store
        .get(target.api_name(), &id)
        .map(|r| display_name(target, &r.data))
        .unwrap_or(Value::Null);
    out.insert(field.into(), json!({"name": name, "id": id}));
}

// ---------------------------------------------------------------------------------------------
// validation

/// Checks one record of a write body and answers the fields to store (lookups as `{"id"}`), or
/// the per-record error entry.
fn check_record(
    sb: &Sandbox,
    store: &TenantStore,
    module: Module,
    index: usize,
    input: &Value,
    existing: Option<&StoredRecord>,
) -> Result<Map<String, Value>, Value> {
    let Value::Object(input) = input else {
        return Err(json!({
            "code": "INVALID_DATA",
            "details": {"expected_data_type": "jsonobject", "json_path": format!("$.data[{index}]")},
            "message": "invalid data",
            "status": "error"
        }));
    };
    let invalid = |field: &str, extra: Value| {
        record_error("INVALID_DATA", "invalid data", field, index, extra)
    };
    let mut merged: Map<String, Value> = match existing.map(|r| &r.data) {
        Some(Value::Object(o)) => o.clone(),
        _ => Map::new(),
    };
    for (key, value) in input {
        if READ_ONLY.contains(&key.as_str()) {
            continue;
        }
        if key.starts_with('$') && key != "$se_module" {
            continue;
        }
        if !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
        {
            return Err(record_error(
                "INVALID_DATA",
                "the field api name given seems to be invalid",
                key,
                index,
                json!({}),
            ));
        }
        if value.is_null() {
            merged.remove(key);
            continue;
        }
        let stored = if key == "Owner" {
            let id = value.get("id").and_then(Value::as_str).unwrap_or_default();
            if user_json(id).is_none() {
                return Err(invalid(key, json!({"expected_data_type": "ownerlookup"})));
            }
            json!({ "id": id })
        } else if let Some((_, target)) = lookups(module).iter().find(|(f, _)| f == key) {
            let id = value.get("id").and_then(Value::as_str).unwrap_or_default();
            if id.is_empty() || store.get(target.api_name(), id).is_none() {
                return Err(invalid(key, json!({"expected_data_type": "lookup"})));
            }
            json!({ "id": id })
        } else if key == "What_Id" && module == Module::Events {
            let id = match value {
                Value::String(s) => s.clone(),
                other => other
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            };
            json!({ "id": id })
        } else if key == "Participants" && module == Module::Events {
            let Value::Array(ps) = value else {
                return Err(invalid(key, json!({"expected_data_type": "jsonarray"})));
            };
            let mut out = Vec::with_capacity(ps.len());
            for p in ps {
                let kind = p.get("type").and_then(Value::as_str).unwrap_or_default();
                let id = p
                    .get("participant")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let ok = match kind {
                    "contact" => store.get(Module::Contacts.api_name(), id).is_some(),
                    "lead" => store.get(Module::Leads.api_name(), id).is_some(),
                    "user" => user_json(id).is_some(),
                    "email" => id.contains('@'),
                    _ => false,
                };
                if !ok {
                    return Err(invalid(key, json!({"expected_data_type": "jsonarray"})));
                }
                out.push(json!({"type": kind, "participant": id}));
            }
            Value::Array(out)
        } else if key == "Tag" {
            let Value::Array(tags) = value else {
                return Err(invalid(key, json!({"expected_data_type": "jsonarray"})));
            };
            let mut out = Vec::with_capacity(tags.len());
            for t in tags {
                let Some(name) = t
                    .get("name")
                    .and_then(Value::as_str)
                    .filter(|n| !n.is_empty())
                else {
                    return Err(invalid(key, json!({"expected_data_type": "jsonarray"})));
                };
                out.push(json!({"name": name, "id": zoho_id(sb)}));
            }
            Value::Array(out)
        } else if EMAIL_FIELDS.contains(&key.as_str()) {
            let ok = value.as_str().is_some_and(|s| {
                s.split_once('@')
                    .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
            });
            if !ok {
                return Err(invalid(key, json!({"expected_data_type": "email"})));
            }
            value.clone()
        } else if NUMBER_FIELDS.contains(&key.as_str()) {
            if !value.is_number() {
                return Err(invalid(key, json!({"expected_data_type": "double"})));
            }
            value.clone()
        } else if DATE_FIELDS.contains(&key.as_str()) {
            let ok = value
                .as_str()
                .is_some_and(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok());
            if !ok {
                return Err(invalid(key, json!({"expected_data_type": "date"})));
            }
            value.clone()
        } else if DATETIME_FIELDS.contains(&key.as_str()) {
            let ok = value
                .as_str()
                .is_some_and(|s| DateTime::parse_from_rfc3339(s).is_ok());
            if !ok {
                return Err(invalid(key, json!({"expected_data_type": "datetime"})));
            }
            value.clone()
        } else {
            let too_long = match (key.as_str(), value.as_str()) {
                ("First_Name", Some(s)) => s.chars().count() > 40,
                ("Last_Name", Some(s)) => s.chars().count() > 80,
                (_, Some(s)) => s.chars().count() > 32_000,
                _ => false,
            };
            if too_long {
                return Err(invalid(
                    key,
                    json!({"maximum_length": if key == "First_Name" { 40 } else { 80 }}),
                ));
            }
            value.clone()
        };
        merged.insert(key.clone(), stored);
    }
    for field in mandatory(module) {
        let present = merged.get(*field).is_some_and(|v| match v {
            Value::String(s) => !s.trim().is_empty(),
            Value::Null => false,
            _ => true,
        });
        if !present {
            return Err(record_error(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                field,
                index,
                json!({}),
            ));
        }
    }
    if module == Module::Events {
        let at = |k: &str| {
            merged
                .get(k)
                .and_then(Value::as_str)
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        };
        if let (Some(start), Some(end)) = (at("Start_DateTime"), at("End_DateTime")) {
            if end < start {
                return Err(invalid("End_DateTime", json!({})));
            }
        }
        if let Some(what) = merged
            .get("What_Id")
            .and_then(|v| v.get("id"))
            .and_then(Value::as_str)
        {
            let target = merged
                .get("$se_module")
                .and_then(Value::as_str)
                .and_then(parse_module);
            let Some(target) = target else {
                return Err(record_error(
                    "MANDATORY_NOT_FOUND",
                    "required field not found",
                    "$se_module",
                    index,
                    json!({}),
                ));
            };
            if store.get(target.api_name(), what).is_none() {
                return Err(invalid("What_Id", json!({"expected_data_type": "lookup"})));
            }
        } else {
            merged.remove("$se_module");
        }
    }
    if matches!(module, Module::Contacts | Module::Leads) {
        if let Some(email) = merged.get("Email").and_then(Value::as_str) {
            let own = existing.map(|r| r.id.as_str());
            let dup = store.find_one(module.api_name(), |r| {
                Some(r.id.as_str()) != own
                    && r.data
                        .get("Email")
                        .and_then(Value::as_str)
                        .is_some_and(|e| e.eq_ignore_ascii_case(email))
            });
            if let Some(dup) = dup {
                let owner = dup
                    .data
                    .get("Owner")
                    .and_then(|o| o.get("id"))
                    .and_then(Value::as_str)
                    .unwrap_or(USERS[0].0)
                    .to_owned();
                let owner = owner_json(&owner);
                return Err(record_error(
                    "DUPLICATE_DATA",
                    "duplicate data",
                    "Email",
                    index,
                    json!({
                        "duplicate_record": {
                            "Owner": {"name": owner.get("name"), "id": owner.get("id")},
                            "id": dup.id,
                            "module": {"api_name": module.api_name()}
                        },
                        "id": dup.id,
                        "more_records": false
                    }),
                ));
            }
        }
    }
    if !merged.contains_key("Owner") {
        merged.insert("Owner".into(), json!({"id": USERS[0].0}));
    }
    Ok(merged)
}

fn success(message: &str, rec: &StoredRecord) -> Value {
    let owner_id = rec
        .data
        .get("Owner")
        .and_then(|o| o.get("id"))
        .and_then(Value::as_str)
        .unwrap_or(USERS[0].0)
        .to_owned();
    let owner = owner_json(&owner_id);
    let by = json!({"name": owner.get("name"), "id": owner_id});
    json!({
        "code": "SUCCESS",
        "details": {
            "Modified_Time": time(rec.updated_at),
            "Modified_By": by,
            "Created_Time": time(rec.created_at),
            "id": rec.id,
            "Created_By": by,
            "$approval_state": "approved"
        },
        "message": message,
        "status": "success"
    })
}

/// The `data` array of a write body, or the request-level error.
fn data_array(body: &Bytes) -> Result<Vec<Value>, Box<Response>> {
    let parsed: Value = serde_json::from_slice(body).map_err(|_| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "body",
            json!({"expected_data_type": "jsonobject"}),
        ))
    })?;
    let Some(Value::Array(data)) = parsed.get("data") else {
        return Err(Box::new(param_error(
            "REQUIRED_PARAM_MISSING",
            "required param missing",
            "data",
        )));
    };
    if data.is_empty() || data.len() > MAX_RECORDS {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "limit exceeded",
            json!({"limit": MAX_RECORDS, "param_name": "data"}),
        )));
    }
    Ok(data.clone())
}

fn results(entries: Vec<Value>, ok_status: StatusCode) -> Response {
    let failed = entries
        .iter()
        .filter(|e| e.get("status").and_then(Value::as_str) != Some("success"))
        .count();
    let status = if failed == 0 {
        ok_status
    } else if failed == entries.len() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::MULTI_STATUS
    };
    (status, Json(json!({ "data": entries }))).into_response()
}

// ---------------------------------------------------------------------------------------------
// handlers

async fn create_records(
    State(sb): State<Sandbox>,
    ZohoToken(token): ZohoToken,
    Path(module): Path<String>,
    body: Bytes,
) -> Response {
    let Some(module) = parse_module(&module) else {
        return invalid_module();
    };
    let data = match data_array(&body) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let store = sb.tenant(&token);
    let mut entries = Vec::with_capacity(data.len());
    for (i, input) in data.iter().enumerate() {
        let entry = match check_record(&sb, &store, module, i, input, None) {
            Ok(fields) => {
                match store.insert(module.api_name(), zoho_id(&sb), Value::Object(fields)) {
                    Ok(rec) => success("record added", &rec),
                    Err(e) => error_entry_internal(&e.to_string()),
                }
            }
            Err(e) => e,
        };
        entries.push(entry);
    }
    results(entries, StatusCode::CREATED)
}

fn error_entry_internal(message: &str) -> Value {
    json!({"code": "INTERNAL_ERROR", "details": {}, "message": message, "status": "error"})
}

async fn update_record(
    State(sb): State<Sandbox>,
    ZohoToken(token): ZohoToken,
    Path((module, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let Some(module) = parse_module(&module) else {
        return invalid_module();
    };
    let data = match data_array(&body) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let store = sb.tenant(&token);
    let Some(existing) = store.get(module.api_name(), &id) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"data": [{
                "code": "INVALID_DATA",
                "details": {"resource_path_index": 1},
                "message": "invalid record id",
                "status": "error"
            }]})),
        )
            .into_response();
    };
    let Some(input) = data.first() else {
        return invalid_module();
    };
    let entry = match check_record(&sb, &store, module, 0, input, Some(&existing)) {
        Ok(fields) => match store.replace(module.api_name(), &id, Value::Object(fields)) {
            Ok(rec) => success("record updated", &rec),
            Err(e) => error_entry_internal(&e.to_string()),
        },
        Err(e) => e,
    };
    results(vec![entry], StatusCode::OK)
}

async fn delete_record(
    State(sb): State<Sandbox>,
    ZohoToken(token): ZohoToken,
    Path((module, id)): Path<(String, String)>,
) -> Response {
    let Some(module) = parse_module(&module) else {
        return invalid_module();
    };
    match sb.tenant(&token).delete(module.api_name(), &id) {
        Ok(_) => Json(json!({"data": [{
            "code": "SUCCESS",
            "details": {"id": id},
            "message": "record deleted",
            "status": "success"
        }]}))
        .into_response(),
        Err(_) => error(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "record not deleted",
            json!({"resource_path_index": 1}),
        ),
    }
}

async fn get_record(
    State(sb): State<Sandbox>,
    ZohoToken(token): ZohoToken,
    Path((module, id)): Path<(String, String)>,
) -> Response {
    let Some(module) = parse_module(&module) else {
        return invalid_module();
    };
    let store = sb.tenant(&token);
    match store.get(module.api_name(), &id) {
        Some(rec) => Json(json!({"data": [render(&store, module, &rec)]})).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

async fn list_records(
    State(sb): State<Sandbox>,
    ZohoToken(token): ZohoToken,
    Path(module): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let Some(module) = parse_module(&module) else {
        return invalid_module();
    };
    let Some(fields) = q.get("fields").filter(|f| !f.trim().is_empty()) else {
        return param_error(
            "REQUIRED_PARAM_MISSING",
            "required param is missing",
            "fields",
        );
    };
    let fields: Vec<String> = fields.split(',').map(|f| f.trim().to_owned()).collect();
    if fields.len() > MAX_FIELDS {
        return error(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "limit exceeded",
            json!({"limit": MAX_FIELDS, "param_name": "fields"}),
        );
    }
    let per_page = match q.get("per_page").map(|p| p.parse::<usize>()) {
        None => MAX_PER_PAGE,
        Some(Ok(n)) if (1..=MAX_PER_PAGE).contains(&n) => n,
        Some(_) => return param_error("INVALID_DATA", "invalid data", "per_page"),
    };
    let sort_order = q.get("sort_order").map(String::as_str).unwrap_or("desc");
    if !matches!(sort_order, "asc" | "desc") {
        return param_error("INVALID_DATA", "invalid data", "sort_order");
    }
    let sort_by = q.get("sort_by").map(String::as_str).unwrap_or("id");
    if !matches!(sort_by, "id" | "Created_Time" | "Modified_Time") {
        return param_error("INVALID_DATA", "invalid data", "sort_by");
    }
    let since = match headers
        .get("if-modified-since")
        .and_then(|v| v.to_str().ok())
        .map(DateTime::parse_from_rfc3339)
    {
        None => None,
        Some(Ok(t)) => Some(t.with_timezone(&Utc)),
        Some(Err(_)) => return param_error("INVALID_DATA", "invalid data", "If-Modified-Since"),
    };
    let store = sb.tenant(&token);
    let page = match q.get("page_token") {
        Some(token) => match store.next_token_page(token) {
            Ok(p) => p,
            Err(_) => return param_error("INVALID_DATA", "invalid data", "page_token"),
        },
        None => {
            let mut recs: Vec<StoredRecord> = store.find(module.api_name(), |r| {
                since.is_none_or(|s| r.updated_at >= s)
            });
            match sort_by {
                "Modified_Time" => recs.sort_by_key(|r| (r.updated_at, r.seq)),
                _ => recs.sort_by_key(|r| r.seq),
            }
            if sort_order == "desc" {
                recs.reverse();
            }
            let mut items: Vec<Value> = recs
                .iter()
                .map(|r| Value::Object(project(render(&store, module, r), &fields)))
                .collect();
            let page_no = match q.get("page").map(|p| p.parse::<usize>()) {
                None => 1,
                Some(Ok(n)) if (1..=MAX_PAGE).contains(&n) => n,
                Some(Ok(_)) => return error(
                    StatusCode::BAD_REQUEST,
                    "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
                    "you can only get the first 2000 records without using the page_token param",
                    json!({"limit": 2000}),
                ),
                Some(Err(_)) => return param_error("INVALID_DATA", "invalid data", "page"),
            };
            items.drain(..((page_no - 1) * per_page).min(items.len()));
            if items.is_empty() {
                return if since.is_some() {
                    StatusCode::NOT_MODIFIED.into_response()
                } else {
                    StatusCode::NO_CONTENT.into_response()
                };
            }
            let locator = format!("{:016x}", sb.random_below(u64::MAX));
            match store.open_token_pages(locator, items, per_page) {
                Ok(p) => p,
                Err(_) => return param_error("INVALID_DATA", "invalid data", "per_page"),
            }
        }
    };
    let count = page.items.len();
    let more = page.next.is_some();
    let expiry = time(sb.now() + chrono::Duration::days(1));
    Json(json!({
        "data": page.items,
        "info": {
            "call": false,
            "per_page": per_page,
            "next_page_token": page.next,
            "count": count,
            "sort_by": sort_by,
            "page": 1,
            "page_token_expiry": if more { Value::String(expiry) } else { Value::Null },
            "sort_order": sort_order,
            "email": false,
            "more_records": more,
            "previous_page_token": Value::Null
        }
    }))
    .into_response()
}

/// Only the requested fields (and `id`).
fn project(rec: Map<String, Value>, fields: &[String]) -> Map<String, Value> {
    rec.into_iter()
        .filter(|(k, _)| k == "id" || fields.iter().any(|f| f == k) || k == "$se_module")
        .collect()
}

/// Parses `(Field:operator:value)`; value escapes `\(`, `\)`, `\,`, `\\`.
fn parse_criteria(raw: &str) -> Option<(String, String, String)> {
    let inner = raw.trim().strip_prefix('(')?.strip_suffix(')')?;
    let (field, rest) = inner.split_once(':')?;
    let (op, value) = rest.split_once(':')?;
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push(chars.next()?);
        } else if matches!(c, '(' | ')') {
            return None;
        } else {
            out.push(c);
        }
    }
    Some((field.to_owned(), op.to_owned(), out))
}

async fn search_records(
    State(sb): State<Sandbox>,
    ZohoToken(token): ZohoToken,
    Path(module): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let Some(module) = parse_module(&module) else {
        return invalid_module();
    };
    let Some(criteria) = q.get("criteria") else {
        return param_error(
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            "criteria",
        );
    };
    let Some((field, op, value)) = parse_criteria(criteria) else {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_QUERY",
            "invalid query formed",
            json!({"reason": "invalid criteria", "param_name": "criteria"}),
        );
    };
    let per_page = q
        .get("per_page")
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|n| (1..=MAX_PER_PAGE).contains(n))
        .unwrap_or(MAX_PER_PAGE);
    let store = sb.tenant(&token);
    let matches = |r: &StoredRecord| {
        let text = match r.data.get(&field) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Object(o)) => o
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            _ => return false,
        };
        match op.as_str() {
            "equals" => text.eq_ignore_ascii_case(&value),
            "starts_with" => text.to_lowercase().starts_with(&value.to_lowercase()),
            _ => false,
        }
    };
    if !matches!(op.as_str(), "equals" | "starts_with") {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_QUERY",
            "invalid query formed",
            json!({"reason": "the operator is not supported", "param_name": "criteria"}),
        );
    }
    let found: Vec<Value> = store
        .find(module.api_name(), matches)
        .iter()
        .take(per_page)
        .map(|r| Value::Object(render(&store, module, r)))
        .collect();
    if found.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let count = found.len();
    Json(json!({
        "data": found,
        "info": {"per_page": per_page, "count": count, "page": 1, "more_records": false}
    }))
    .into_response()
}

async fn get_user(ZohoToken(_token): ZohoToken, Path(id): Path<String>) -> Response {
    match user_json(&id) {
        Some(user) => Json(json!({ "users": [user] })).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

async fn get_fields(
    ZohoToken(_token): ZohoToken,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let Some(module) = q.get("module") else {
        return param_error(
            "REQUIRED_PARAM_MISSING",
            "required param is missing",
            "module",
        );
    };
    let Some(module) = parse_module(module) else {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            json!({"param_name": "module"}),
        );
    };
    let mut n = 0u64;
    let mut next_id = || {
        n += 1;
        format!("5725767000000{:06}", 500 + n)
    };
    let mut fields: Vec<Value> = standard_fields(module)
        .iter()
        .map(|(api_name, label, data_type)| {
            json!({
                "id": next_id(),
                "api_name": api_name,
                "field_label": label,
                "display_label": label,
                "data_type": data_type,
                "custom_field": false,
                "system_mandatory": mandatory(module).contains(api_name),
                "pick_list_values": [],
            })
        })
        .collect();
    for (api_name, label, data_type, options) in custom_fields(module) {
        let mut values = vec![json!({"display_value": "-None-", "actual_value": "-None-"})];
        values.extend(
            options
                .iter()
                .map(|o| json!({"display_value": o, "actual_value": o})),
        );
        fields.push(json!({
            "id": next_id(),
            "api_name": api_name,
            "field_label": label,
            "display_label": label,
            "data_type": data_type,
            "custom_field": true,
            "system_mandatory": false,
            "pick_list_values": if options.is_empty() { Vec::new() } else { values },
        }));
    }
    Json(json!({ "fields": fields })).into_response()
}

async fn oauth_token(
    EmulatorBase(base): EmulatorBase,
    Query(query): Query<BTreeMap<String, String>>,
    body: Bytes,
) -> Response {
    // Zoho documents the parameters in the query string; a form body is accepted as well.
    let mut params: BTreeMap<String, String> =
        serde_urlencoded::from_bytes(&body).unwrap_or_default();
    params.extend(query);
    let oauth_error = |code: &str| Json(json!({ "error": code })).into_response();
    if params.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return oauth_error("unsupported_grant_type");
    }
    if params.get("client_id").is_none_or(String::is_empty)
        || params.get("client_secret").is_none_or(String::is_empty)
    {
        return oauth_error("invalid_client");
    }
    let Some(refresh) = params.get("refresh_token").filter(|r| !r.is_empty()) else {
        return oauth_error("invalid_code");
    };
    if unicrm_sandbox::auth::is_reserved_rejected(refresh) {
        return oauth_error("invalid_code");
    }
    // The sandbox names an account by the token a request carries: the access token issued for
    // a refresh token is that same name, so data stays in one account across refreshes.
    Json(json!({
        "access_token": refresh,
        "expires_in": 3600,
        "api_domain": base,
        "token_type": "Bearer"
    }))
    .into_response()
}

// ---------------------------------------------------------------------------------------------
// seed data

/// Fills an account with `n` accounts, each with a contact, a lead, a deal and an event.
pub fn seed(sb: &Sandbox, token: &str, n: usize, rng: &mut StdRng) {
    use unicrm_sandbox::fake;
    let store = sb.tenant(token);
    let now = sb.now();
    for i in 0..n {
        let owner = json!({"id": USERS[i % USERS.len()].0});
        let company = fake::company(rng);
        let Ok(account) = store.insert(
            Module::Accounts.api_name(),
            zoho_id(sb),
            json!({
                "Owner": owner,
                "Account_Name": company.name,
                "Website": company.website(),
                "Industry": company.industry,
                "Phone": company.phone,
                "Billing_Street": company.address.street,
                "Billing_City": company.address.city,
                "Billing_State": company.address.state,
                "Billing_Code": company.address.postal_code,
                "Billing_Country": company.address.country,
            }),
        ) else {
            continue;
        };
        let person = fake::person_at(rng, &company);
        let Ok(contact) = store.insert(
            Module::Contacts.api_name(),
            zoho_id(sb),
            json!({
                "Owner": owner,
                "First_Name": person.first_name,
                "Last_Name": person.last_name,
                "Email": person.email,
                "Phone": person.phone,
                "Title": person.job_title,
                "Lead_Source": person.source,
                "Account_Name": {"id": account.id},
            }),
        ) else {
            continue;
        };
        let prospect = fake::person(rng);
        let _ = store.insert(
            Module::Leads.api_name(),
            zoho_id(sb),
            json!({
                "Owner": owner,
                "First_Name": prospect.first_name,
                "Last_Name": prospect.last_name,
                "Email": prospect.email,
                "Phone": prospect.phone,
                "Company": prospect.company.name,
                "Designation": prospect.job_title,
                "Lead_Source": prospect.source,
                "Lead_Status": "Not Contacted",
            }),
        );
        let deal = fake::deal(rng, &company, now.date_naive());
        let stages = [
            "Qualification",
            "Needs Analysis",
            "Proposal/Price Quote",
            "Closed Won",
        ];
        let _ = store.insert(
            Module::Deals.api_name(),
            zoho_id(sb),
            json!({
                "Owner": owner,
                "Deal_Name": deal.name,
                "Amount": deal.amount,
                "Stage": stages[i % stages.len()],
                "Closing_Date": deal.close_date.format("%Y-%m-%d").to_string(),
                "Probability": deal.probability,
                "Account_Name": {"id": account.id},
                "Contact_Name": {"id": contact.id},
            }),
        );
        let meeting = fake::meeting(rng, &company, now);
        let _ = store.insert(
            Module::Events.api_name(),
            zoho_id(sb),
            json!({
                "Owner": owner,
                "Event_Title": meeting.title,
                "Start_DateTime": time(meeting.start),
                "End_DateTime": time(meeting.end),
                "Venue": meeting.location,
                "Who_Id": {"id": contact.id},
                "Participants": [{"type": "contact", "participant": contact.id}],
                "What_Id": {"id": account.id},
                "$se_module": "Accounts",
            }),
        );
    }
}
