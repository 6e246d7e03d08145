//! Emulator of the Salesforce REST endpoints this connector calls (feature `sandbox`).
//!
//! Served by `unicrm-sandbox` under `/salesforce`, with the real paths below it:
//!
//! | method | path | answer |
//! | --- | --- | --- |
//! | POST | `/services/oauth2/token` (`grant_type=refresh_token`) | token JSON with `instance_url` |
//! | POST | `/services/data/vNN.N/sobjects/{Obj}/` | 201 `{id, success, errors}` |
//! | GET | `/services/data/vNN.N/sobjects/{Obj}/{id}[?fields=…]` | the record |
//! | PATCH | `/services/data/vNN.N/sobjects/{Obj}/{id}` | 204 |
//! | DELETE | `/services/data/vNN.N/sobjects/{Obj}/{id}` | 204 |
//! | GET | `/services/data/vNN.N/sobjects/{Obj}/describe` | describe with custom fields |
//! | GET | `/services/data/vNN.N/query?q=…` | first batch, `nextRecordsUrl` when more |
//! | GET | `/services/data/vNN.N/query/{locator}-{offset}` | next batch |
//!
//! Objects: Contact, Lead, Opportunity, Event, Account, User (ids from the sandbox's Salesforce
//! id generator: 18 characters with the right key prefix). The SOQL subset the connector emits is
//! parsed properly ([`query`]); anything else is `MALFORMED_QUERY`. Errors are Salesforce's
//! arrays: `REQUIRED_FIELD_MISSING` naming the field, `INVALID_FIELD`, `NOT_FOUND`,
//! `INVALID_SESSION_ID` (401); the fault layer's rate-limit slot answers `403
//! REQUEST_LIMIT_EXCEEDED` as Salesforce does. Every REST answer carries `Sforce-Limit-Info`.

pub mod org;
pub mod query;

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use http::{header, HeaderValue, StatusCode};
use serde_json::{json, Map, Value};
use unicrm_sandbox::auth::{self, AuthProblem, TenantToken};
use unicrm_sandbox::{fake, EmulatorBase, ErrorFormat, Sandbox, StdRng};

pub use org::{Failure, Org};

use crate::wire::SObjectType;

/// Emulator id (the path prefix under the sandbox server).
pub const EMULATOR_ID: &str = crate::config::ID;

/// The org's daily API request limit the emulator reports in `Sforce-Limit-Info`.
pub const API_LIMIT: u64 = 100_000;

/// Salesforce's renderings of the answers the sandbox machinery produces.
#[derive(Debug, Clone, Copy, Default)]
pub struct SalesforceErrors;

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    response
}

fn error_array(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(status, &json!([{ "message": message, "errorCode": code }]))
}

impl ErrorFormat for SalesforceErrors {
    fn unauthorized(&self, _problem: AuthProblem) -> Response {
        // "401 — The session ID or OAuth token used has expired or is invalid. The response body
        // contains the message and errorCode."
        error_array(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        )
    }

    fn rate_limited(&self, _retry_after: Duration) -> Response {
        // Salesforce signals an exhausted API limit with 403 REQUEST_LIMIT_EXCEEDED (no 429, no
        // Retry-After): the daily limit only frees up as the 24-hour window moves.
        let mut response = error_array(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        );
        if let Ok(value) =
            HeaderValue::from_str(&format!("api-usage={}/{API_LIMIT}", API_LIMIT + 1))
        {
            response.headers_mut().insert("Sforce-Limit-Info", value);
        }
        response
    }

    fn not_found(&self) -> Option<Response> {
        Some(not_found_response())
    }

    fn conflict(&self) -> Option<Response> {
        // A duplicate rule blocking the save, as live orgs answer it (note the `duplicateResut`
        // spelling of REST bodies).
        let message =
            "You're creating a duplicate record. We recommend you use an existing record instead.";
        let matched = json!({
            "additionalInformation": [],
            "fieldDiffs": [],
            "matchConfidence": 100.0,
            "record": {
                "attributes": {
                    "type": "Contact",
                    "url": "/services/data/v62.0/sobjects/Contact/0035g0000000001AAA"
                },
                "Id": "0035g0000000001AAA"
            }
        });
        Some(json_response(
            StatusCode::BAD_REQUEST,
            &json!([{
                "duplicateResut": {
                    "allowSave": false,
                    "duplicateRule": "Standard_Contact_Duplicate_Rule",
                    "duplicateRuleEntityType": "Contact",
                    "errorMessage": message,
                    "matchResults": [{
                        "entityType": "Contact",
                        "errors": [],
                        "matchEngine": "FuzzyMatchEngine",
                        "matchRecords": [matched],
                        "rule": "Standard_Contact_Match_Rule_v1_1",
                        "size": 1,
                        "success": true
                    }]
                },
                "errorCode": "DUPLICATES_DETECTED",
                "message": message
            }]),
        ))
    }

    fn validation_error(&self) -> Option<Response> {
        Some(json_response(
            StatusCode::BAD_REQUEST,
            &json!([{
                "message": "Required fields are missing: [LastName]",
                "errorCode": "REQUIRED_FIELD_MISSING",
                "fields": ["LastName"]
            }]),
        ))
    }

    fn server_error(&self, status: StatusCode) -> Response {
        let (code, message) = if status == StatusCode::SERVICE_UNAVAILABLE {
            ("SERVER_UNAVAILABLE", "Server temporarily unavailable")
        } else {
            (
                "UNKNOWN_EXCEPTION",
                "An unexpected error occurred. Please include this ErrorId if you contact \
                 support: 1946185463-8472 (-1425315126)",
            )
        };
        error_array(status, code, message)
    }
}

/// The emulator's routes (paths as Salesforce has them).
pub fn router(sb: Sandbox) -> Router {
    let data = "/services/data/{version}";
    Router::new()
        .route("/services/oauth2/token", post(token))
        .route(&format!("{data}/query"), get(run_query))
        .route(&format!("{data}/query/"), get(run_query))
        .route(&format!("{data}/query/{{locator}}"), get(query_more))
        .route(&format!("{data}/sobjects/{{object}}"), post(create))
        .route(&format!("{data}/sobjects/{{object}}/"), post(create))
        .route(
            &format!("{data}/sobjects/{{object}}/describe"),
            get(describe),
        )
        .route(
            &format!("{data}/sobjects/{{object}}/{{id}}"),
            get(read).patch(update).delete(remove),
        )
        .fallback(not_found_path)
        .layer(middleware::from_fn_with_state(sb.clone(), limit_info))
        .with_state(sb)
}

/// Adds `Sforce-Limit-Info: api-usage=n/100000` to every authenticated REST answer, counting
/// the account's calls.
async fn limit_info(State(sb): State<Sandbox>, req: Request, next: Next) -> Response {
    let token = auth::credential(req.headers(), req.uri()).map(|c| c.token().to_owned());
    let mut response = next.run(req).await;
    if let Some(token) = token.filter(|t| !auth::is_reserved_rejected(t)) {
        let store = sb.tenant(&token);
        let used = match store.update("_settings", "api_usage", |v| {
            *v = json!(v.as_u64().unwrap_or(0) + 1);
        }) {
            Ok(record) => record.data.as_u64().unwrap_or(1),
            Err(_) => {
                let _ = store.insert("_settings", "api_usage", json!(1));
                1
            }
        };
        if let Ok(value) = HeaderValue::from_str(&format!("api-usage={used}/{API_LIMIT}")) {
            response.headers_mut().insert("Sforce-Limit-Info", value);
        }
    }
    response
}

async fn not_found_path() -> Response {
    error_array(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "The requested resource does not exist",
    )
}

fn failure(f: Failure) -> Response {
    json_response(
        StatusCode::from_u16(f.status).unwrap_or(StatusCode::BAD_REQUEST),
        &f.body(),
    )
}

/// Checks the `vNN.N` path segment and the object name.
fn resolve(version: &str, object: Option<&str>) -> Result<Option<SObjectType>, Failure> {
    let ok = version
        .strip_prefix('v')
        .and_then(|v| v.split_once('.'))
        .is_some_and(|(major, minor)| {
            !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()) && minor == "0"
        });
    if !ok {
        return Err(not_found_failure());
    }
    match object {
        None => Ok(None),
        Some(name) => SObjectType::from_api_name(name)
            .map(Some)
            .ok_or_else(not_found_failure),
    }
}

fn not_found_failure() -> Failure {
    Failure::new(
        404,
        "NOT_FOUND",
        "The requested resource does not exist",
        &[],
    )
}

fn not_found_response() -> Response {
    error_array(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "The requested resource does not exist",
    )
}

fn parse_body(body: &Bytes) -> Result<Value, Failure> {
    serde_json::from_slice(body).map_err(|e| {
        Failure::new(
            400,
            "JSON_PARSER_ERROR",
            format!("Unexpected character in the request body: {e}"),
            &[],
        )
    })
}

async fn create(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((version, object)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let object = match resolve(&version, Some(&object)) {
        Ok(Some(object)) if object != SObjectType::User => object,
        Ok(_) => return not_found_response(),
        Err(f) => return failure(f),
    };
    let body = match parse_body(&body) {
        Ok(body) => body,
        Err(f) => return failure(f),
    };
    let mut org = Org::open(&sb, &token, &version);
    match org.create(object, &body) {
        Ok(saved) => json_response(StatusCode::CREATED, &saved),
        Err(f) => failure(f),
    }
}

async fn read(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((version, object, id)): Path<(String, String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let object = match resolve(&version, Some(&object)) {
        Ok(Some(object)) => object,
        Ok(None) => return not_found_response(),
        Err(f) => return failure(f),
    };
    let org = Org::open(&sb, &token, &version);
    match org.get(object, &id, params.get("fields").map(String::as_str)) {
        Ok(record) => json_response(StatusCode::OK, &record),
        Err(f) => failure(f),
    }
}

async fn update(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((version, object, id)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let object = match resolve(&version, Some(&object)) {
        Ok(Some(object)) if object != SObjectType::User => object,
        Ok(_) => return not_found_response(),
        Err(f) => return failure(f),
    };
    let body = match parse_body(&body) {
        Ok(body) => body,
        Err(f) => return failure(f),
    };
    let mut org = Org::open(&sb, &token, &version);
    match org.update(object, &id, &body) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(f) => failure(f),
    }
}

async fn remove(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((version, object, id)): Path<(String, String, String)>,
) -> Response {
    let object = match resolve(&version, Some(&object)) {
        Ok(Some(object)) if object != SObjectType::User => object,
        Ok(_) => return not_found_response(),
        Err(f) => return failure(f),
    };
    let mut org = Org::open(&sb, &token, &version);
    match org.delete(object, &id) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(f) => failure(f),
    }
}

async fn describe(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((version, object)): Path<(String, String)>,
) -> Response {
    let object = match resolve(&version, Some(&object)) {
        Ok(Some(object)) => object,
        Ok(None) => return not_found_response(),
        Err(f) => return failure(f),
    };
    let org = Org::open(&sb, &token, &version);
    json_response(StatusCode::OK, &org.describe(object))
}

async fn run_query(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(version): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Err(f) = resolve(&version, None) {
        return failure(f);
    }
    let Some(soql) = params.get("q") else {
        return error_array(
            StatusCode::BAD_REQUEST,
            "MALFORMED_QUERY",
            "A query string has to be specified",
        );
    };
    let mut org = Org::open(&sb, &token, &version);
    match org.query(soql) {
        Ok(result) => json_response(StatusCode::OK, &result),
        Err(f) => failure(f),
    }
}

async fn query_more(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((version, locator)): Path<(String, String)>,
) -> Response {
    if let Err(f) = resolve(&version, None) {
        return failure(f);
    }
    let mut org = Org::open(&sb, &token, &version);
    match org.query_more(&locator) {
        Ok(result) => json_response(StatusCode::OK, &result),
        Err(f) => failure(f),
    }
}

fn oauth_error(error: &str, description: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({ "error": error, "error_description": description }),
    )
}

/// `POST /services/oauth2/token` with `grant_type=refresh_token`. The access token answered is
/// the refresh token itself, so the refreshed session reaches the same sandbox account.
async fn token(EmulatorBase(base): EmulatorBase, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    if form.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return oauth_error("unsupported_grant_type", "grant type not supported");
    }
    if form.get("client_id").is_none_or(|c| c.is_empty()) {
        return oauth_error("invalid_client_id", "client identifier invalid");
    }
    let Some(refresh) = form
        .get("refresh_token")
        .filter(|t| !auth::is_reserved_rejected(t))
    else {
        return oauth_error("invalid_grant", "expired access/refresh token");
    };
    let issued_at = Utc::now().timestamp_millis().to_string();
    json_response(
        StatusCode::OK,
        &json!({
            "access_token": refresh,
            "instance_url": base,
            "id": format!("{base}/id/00D5g000000SandAAA/0055g0000000001AAA"),
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": "c2FuZGJveC1zaWduYXR1cmU=",
            "scope": "api refresh_token",
        }),
    )
}

/// The users every emulated org has (owners of records).
pub fn seed_users(org: &mut Org) {
    let users = [
        ("John", "Smith", "john.smith@acme.example"),
        ("Maria", "Garcia", "maria.garcia@acme.example"),
        ("Wei", "Chen", "wei.chen@acme.example"),
    ];
    for (first, last, email) in users {
        let mut fields = Map::new();
        fields.insert("FirstName".into(), json!(first));
        fields.insert("LastName".into(), json!(last));
        fields.insert("Email".into(), json!(email));
        fields.insert("Username".into(), json!(email));
        fields.insert("IsActive".into(), json!(true));
        let _ = org.insert_seed(SObjectType::User, fields, Utc::now());
    }
}

fn fields(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// Fills account `token` with `n` companies, each with an Account, a Contact, a Lead, an
/// Opportunity and an Event, owned by the seeded users.
pub fn seed(sb: &Sandbox, token: &str, n: usize, rng: &mut StdRng) {
    let mut org = Org::open(sb, token, crate::config::DEFAULT_API_VERSION);
    let owners: Vec<String> = sb
        .tenant(token)
        .list(SObjectType::User.api_name())
        .into_iter()
        .map(|r| r.id)
        .collect();
    let today = Utc::now().date_naive();
    for i in 0..n {
        let owner = owners.get(i % owners.len().max(1)).cloned();
        let owner = owner.map_or(Value::Null, Value::String);
        let company = fake::company(rng);
        let now = sb.now();
        let Ok(account) = org.insert_seed(
            SObjectType::Account,
            fields(&[
                ("Name", json!(company.name)),
                ("Website", json!(company.website())),
                ("Industry", json!(company.industry)),
                ("Phone", json!(company.phone)),
                ("NumberOfEmployees", json!(company.employees)),
                ("BillingStreet", json!(company.address.street)),
                ("BillingCity", json!(company.address.city)),
                ("BillingState", json!(company.address.state)),
                ("BillingPostalCode", json!(company.address.postal_code)),
                ("BillingCountry", json!(company.address.country)),
                ("OwnerId", owner.clone()),
            ]),
            now,
        ) else {
            continue;
        };
        let person = fake::person_at(rng, &company);
        let contact = org
            .insert_seed(
                SObjectType::Contact,
                fields(&[
                    ("FirstName", json!(person.first_name)),
                    ("LastName", json!(person.last_name)),
                    ("Email", json!(person.email)),
                    ("Phone", json!(person.phone)),
                    ("Title", json!(person.job_title)),
                    ("AccountId", json!(account)),
                    ("LeadSource", json!(person.source)),
                    ("MailingStreet", json!(company.address.street)),
                    ("MailingCity", json!(company.address.city)),
                    ("MailingState", json!(company.address.state)),
                    ("MailingPostalCode", json!(company.address.postal_code)),
                    ("MailingCountry", json!(company.address.country)),
                    ("OwnerId", owner.clone()),
                ]),
                sb.now(),
            )
            .ok();
        let prospect = fake::person(rng);
        let _ = org.insert_seed(
            SObjectType::Lead,
            fields(&[
                ("FirstName", json!(prospect.first_name)),
                ("LastName", json!(prospect.last_name)),
                ("Company", json!(prospect.company.name)),
                ("Email", json!(prospect.email)),
                ("Phone", json!(prospect.phone)),
                ("Title", json!(prospect.job_title)),
                ("LeadSource", json!(prospect.source)),
                ("Status", json!("Open - Not Contacted")),
                ("OwnerId", owner.clone()),
            ]),
            sb.now(),
        );
        let deal = fake::deal(rng, &company, today);
        let stage = org::STAGES[i % org::STAGES.len()].0;
        let opportunity = org
            .insert_seed(
                SObjectType::Opportunity,
                fields(&[
                    ("Name", json!(deal.name)),
                    ("StageName", json!(stage)),
                    (
                        "CloseDate",
                        json!(deal.close_date.format("%Y-%m-%d").to_string()),
                    ),
                    ("Amount", json!(deal.amount)),
                    ("Probability", json!(deal.probability)),
                    ("AccountId", json!(account)),
                    (
                        "ContactId",
                        contact.clone().map_or(Value::Null, Value::String),
                    ),
                    ("OwnerId", owner.clone()),
                ]),
                sb.now(),
            )
            .ok();
        let meeting = fake::meeting(rng, &company, sb.now());
        let _ = org.insert_seed(
            SObjectType::Event,
            fields(&[
                ("Subject", json!(meeting.title)),
                ("Location", json!(meeting.location)),
                ("StartDateTime", json!(org::format_datetime(meeting.start))),
                ("EndDateTime", json!(org::format_datetime(meeting.end))),
                ("WhoId", contact.map_or(Value::Null, Value::String)),
                ("WhatId", opportunity.map_or(Value::Null, Value::String)),
                ("OwnerId", owner),
            ]),
            sb.now(),
        );
    }
}

unicrm_sandbox::register_emulator! {
    id: EMULATOR_ID,
    router: router,
    seed: seed,
    errors: &SalesforceErrors,
}
