//! The one test-only CRM: a connector ([`TestCrm`], id `testcrm`) and its emulator, for the
//! gateway's end-to-end tests and for the conformance suite's own tests. Its wire format is the
//! core model's JSON, so neither depends on a real connector's mapping.
//!
//! What a real provider does and the tests need: numeric ids, owners resolved through
//! `/v1/owners/{id}` (counted in [`OWNER_CALLS`]), a default owner and lifecycle stage on create
//! (as in the v1 example response), validation errors naming fields, associations that must
//! exist, contacts reading back the deals that list them, e-mails unique among contacts (`409`
//! with the existing id) unless the connector allows duplicates, custom field definitions, opaque cursors (a malformed one is a `400`),
//! its own error format for injected faults, and no meeting deletes (→ `Unsupported`).
//!
//! [`TestCrm::new`] takes a [`Bug`] the connector then has on purpose, to prove the suite names
//! the check each kind of bug breaks.
//!
//! Nothing is registered by linking this crate: a test binary that wants the CRM says so with
//! [`register_testcrm!`](crate::register_testcrm), once.
#![allow(clippy::result_large_err)] // test emulator: early-return responses are fine here

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::{HeaderMap, Method, StatusCode};
use serde_json::{json, Map, Value};
use unicrm_core::http::ProviderRequest;
use unicrm_core::{
    AuthKind, Capability, Connector, ConnectorInfo, Context, CustomFieldDefinition,
    CustomFieldOption, Error, ListQuery, Operation, Owner, Page, ProviderDetails, Record, Resource,
    Result,
};
use unicrm_sandbox::auth::{AuthProblem, TenantToken};
use unicrm_sandbox::{paging, ErrorFormat, Sandbox, StdRng, StoredRecord};

/// The connector (and emulator) id.
pub const ID: &str = "testcrm";
/// The owner every new record gets when none is given: (id, name, e-mail).
pub const DEFAULT_OWNER: (&str, &str, &str) = ("67823451", "John Smith", "john.smith@acme.com");
/// Calls of the owners endpoint (to check the gateway's per-account owner cache).
pub static OWNER_CALLS: AtomicUsize = AtomicUsize::new(0);

/// Registers [`TestCrm`] (without bugs, duplicate e-mails allowed: the gateway's tests create
/// one sample several times) and its emulator in this binary,
/// so `unicrm_registry::get("testcrm")` and the sandbox's `/testcrm/…` routes find them. Use it
/// once per test binary, at module level.
#[macro_export]
macro_rules! register_testcrm {
    () => {
        $crate::__unicrm_core::register_connector!($crate::testcrm::ID, || {
            ::std::sync::Arc::new($crate::testcrm::TestCrm::default().duplicates_allowed())
        });
        $crate::__unicrm_sandbox::register_emulator! {
            id: $crate::testcrm::ID,
            router: $crate::testcrm::router,
            seed: $crate::testcrm::seed,
            errors: &$crate::testcrm::Errors,
        }
    };
}

// ---------------------------------------------------------------- connector

const ALL: &[Operation] = &[
    Operation::Create,
    Operation::Get,
    Operation::List,
    Operation::Update,
    Operation::Delete,
];
const NO_DELETE: &[Operation] = &[
    Operation::Create,
    Operation::Get,
    Operation::List,
    Operation::Update,
];

/// The contact fields the connector declares.
pub const CONTACT_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "emails",
    "phone_numbers",
    "company_name",
    "job_title",
    "address",
    "tags",
    "lifecycle_stage",
    "source",
    "account_ids",
    "deal_ids",
    "owner",
    "custom_fields",
];

/// Header by which the connector asks the emulator to keep contact e-mails unique (a CRM's
/// duplicate rule, set per call here so one emulator serves both kinds of connector).
pub const UNIQUE_EMAILS_HEADER: &str = "x-testcrm-unique-emails";

const BASE_INFO: ConnectorInfo = ConnectorInfo::new(
    ID,
    "Test CRM",
    &[
        Capability {
            resource: Resource::Contact,
            operations: ALL,
            fields: CONTACT_FIELDS,
        },
        Capability {
            resource: Resource::Lead,
            operations: ALL,
            fields: &[
                "first_name",
                "last_name",
                "emails",
                "phone_numbers",
                "company_name",
                "job_title",
                "address",
                "status",
                "source",
                "tags",
                "contact_id",
                "account_id",
            ],
        },
        Capability {
            resource: Resource::Deal,
            operations: ALL,
            fields: &[
                "name",
                "amount",
                "currency",
                "stage",
                "pipeline",
                "close_date",
                "probability",
                "account_id",
                "contact_ids",
            ],
        },
        Capability {
            resource: Resource::Meeting,
            operations: NO_DELETE,
            fields: &[
                "title",
                "description",
                "start_time",
                "end_time",
                "location",
                "contact_ids",
                "account_id",
                "deal_id",
                "outcome",
            ],
        },
        Capability {
            resource: Resource::Account,
            operations: ALL,
            fields: &[
                "name",
                "website",
                "industry",
                "annual_revenue",
                "phone_numbers",
                "address",
                "description",
            ],
        },
    ],
    &[AuthKind::BearerToken],
    "https://api.testcrm.invalid",
);
/// E-mails unique among contacts (the default).
static INFO: ConnectorInfo = BASE_INFO.with_unique_fields(&[(Resource::Contact, "emails")]);
/// Duplicate e-mails allowed.
static INFO_DUPLICATES: ConnectorInfo = BASE_INFO;

/// A bug the connector can be told to have (to prove the conformance suite catches it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Bug {
    /// A correct connector.
    #[default]
    None,
    /// Keeps only the first e-mail of a create (silently).
    DropsExtraEmails,
    /// Repeats the last item of every page on the next page.
    RepeatsListItems,
    /// Answers `Ok(())` for the undeclared meeting delete.
    FakesUnsupported,
    /// Maps 404 to a Provider error.
    NotFoundAsProvider,
    /// Ignores Retry-After.
    LosesRetryAfter,
    /// Parses bodies leniently, turning garbage into empty records.
    LenientBodies,
    /// Never sends custom fields.
    DropsCustomFields,
    /// Sends a create again when its answer is lost.
    RetriesCreates,
    /// Maps the provider's 400 for a bad cursor to a Provider error.
    BadCursorAsProvider,
    /// Maps the provider's 409 (a unique e-mail taken) to a Provider error.
    ConflictAsProvider,
}

/// The test connector.
#[derive(Debug)]
pub struct TestCrm {
    bug: Bug,
    unique_emails: bool,
}

impl Default for TestCrm {
    fn default() -> Self {
        TestCrm::new(Bug::None)
    }
}

impl TestCrm {
    /// The connector with `bug` (`Bug::None`: a correct one, as [`Default`]); contact e-mails
    /// are unique (declared in its `ConnectorInfo::unique_fields`, kept by the emulator).
    pub fn new(bug: Bug) -> Self {
        TestCrm {
            bug,
            unique_emails: true,
        }
    }

    /// The same connector without the e-mail rule: any number of contacts may share one.
    pub fn duplicates_allowed(mut self) -> Self {
        self.unique_emails = false;
        self
    }

    /// A request of this connector (with its e-mail rule).
    fn request(&self, req: ProviderRequest) -> ProviderRequest {
        if self.unique_emails {
            req.header(UNIQUE_EMAILS_HEADER, "true")
        } else {
            req
        }
    }

    fn parse_error(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
        let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let message = v["message"].as_str().unwrap_or("error").to_owned();
        let fields: Vec<String> = v["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    // The provider's paging parameter is the unified cursor.
                    .filter_map(|e| e["field"].as_str())
                    .map(|f| if f == "after" { "cursor" } else { f }.to_owned())
                    .collect()
            })
            .unwrap_or_default();
        let details = Box::new(
            ProviderDetails::new(ID, status, message.clone())
                .fields(fields.clone())
                .code(v["category"].as_str().unwrap_or("ERROR"))
                .body(Some(v.clone())),
        );
        let bad_cursor = fields.iter().any(|f| f == "cursor");
        match status {
            400 | 422 if !(bad_cursor && self.bug == Bug::BadCursorAsProvider) => {
                Error::InvalidInput {
                    field: fields.join(","),
                    reason: message,
                    provider: Some(details),
                }
            }
            401 => Error::Unauthorized {
                message,
                provider: Some(details),
            },
            404 if self.bug != Bug::NotFoundAsProvider => Error::NotFound {
                message,
                provider: Some(details),
            },
            409 if self.bug != Bug::ConflictAsProvider => Error::Conflict {
                message,
                existing_id: v["existingId"].as_str().map(str::to_owned),
                provider: Some(details),
            },
            429 => Error::RateLimited {
                retry_after: if self.bug == Bug::LosesRetryAfter {
                    None
                } else {
                    unicrm_core::http::retry_after(headers)
                },
                message,
                provider: Some(details),
            },
            _ => Error::Provider(details),
        }
    }

    /// Sends `req`: the JSON body of a 2xx answer (`null` when empty), else its error.
    async fn send(&self, cx: &Context, req: ProviderRequest) -> Result<Value> {
        let resp = cx.send(self.request(req)).await?;
        if !resp.is_success() {
            return Err(self.parse_error(resp.status, &resp.headers, &resp.body));
        }
        if resp.body.is_empty() {
            return Ok(Value::Null);
        }
        if self.bug == Bug::LenientBodies {
            return Ok(serde_json::from_slice(&resp.body).unwrap_or_else(|_| json!({"id": "0"})));
        }
        resp.json()
    }

    async fn resolve_owner(&self, cx: &Context, record: &mut Record) -> Result<()> {
        let Some(owner) = record.owner_mut().as_mut() else {
            return Ok(());
        };
        if let Some(o) = cx.owners.get(&owner.id) {
            *owner = o;
            return Ok(());
        }
        let url = cx.url(&format!("/v1/owners/{}", owner.id));
        let v = self.send(cx, ProviderRequest::get(ID, url)).await?;
        let o = Owner {
            id: owner.id.clone(),
            name: v["name"].as_str().map(str::to_owned),
            email: v["email"].as_str().map(str::to_owned),
        };
        cx.owners.insert(o.clone());
        *owner = o;
        Ok(())
    }

    async fn one(&self, cx: &Context, resource: Resource, v: &Value) -> Result<Record> {
        let mut r = self.from_provider(resource, v)?;
        self.resolve_owner(cx, &mut r).await?;
        Ok(r)
    }
}

fn strip_nulls(v: &mut Value) {
    if let Value::Object(o) = v {
        o.retain(|_, x| !x.is_null());
    }
}

#[async_trait::async_trait]
impl Connector for TestCrm {
    fn info(&self) -> &'static ConnectorInfo {
        if self.unique_emails {
            &INFO
        } else {
            &INFO_DUPLICATES
        }
    }

    async fn create(&self, cx: &Context, record: Record) -> Result<Record> {
        let resource = record.resource();
        INFO.check(resource, Operation::Create)?;
        let mut body = self.to_provider(&record)?;
        if self.bug == Bug::DropsExtraEmails {
            if let Some(list) = body.get_mut("emails").and_then(Value::as_array_mut) {
                list.truncate(1);
            }
        }
        let path = format!("/v1/{}", resource.plural());
        let req = ProviderRequest::post(ID, cx.url(&path), body);
        let v = match self.send(cx, req.clone()).await {
            Err(Error::Transport { .. }) if self.bug == Bug::RetriesCreates => {
                self.send(cx, req).await?
            }
            other => other?,
        };
        self.one(cx, resource, &v).await
    }

    async fn get(&self, cx: &Context, resource: Resource, id: &str) -> Result<Record> {
        INFO.check(resource, Operation::Get)?;
        // A connector bug, on purpose: the gateway must contain it.
        assert_ne!(id, "panic-now", "test connector panics on request");
        let path = format!("/v1/{}/{id}", resource.plural());
        let v = self
            .send(cx, ProviderRequest::get(ID, cx.url(&path)))
            .await?;
        self.one(cx, resource, &v).await
    }

    async fn list(&self, cx: &Context, resource: Resource, q: &ListQuery) -> Result<Page<Record>> {
        INFO.check(resource, Operation::List)?;
        let mut req = ProviderRequest::get(ID, cx.url(&format!("/v1/{}", resource.plural())));
        if let Some(n) = q.page_size {
            req = req.query("limit", n.to_string());
        }
        let mut repeat: Option<Record> = None;
        if let Some(c) = &q.cursor {
            if self.bug == Bug::RepeatsListItems {
                // The bug's cursor also carries the previous page's last id, shown again.
                let (after, last) = c.split_once('|').unwrap_or((c.as_str(), ""));
                req = req.query("after", after.to_owned());
                if !last.is_empty() {
                    repeat = Some(self.get(cx, resource, last).await?);
                }
            } else {
                req = req.query("after", c.clone());
            }
        }
        if let Some(t) = q.updated_after {
            req = req.query("updated_after", unicrm_core::model::format_timestamp(&t));
        }
        let v = self.send(cx, req).await?;
        let mut items: Vec<Record> = repeat.into_iter().collect();
        for p in v["results"].as_array().cloned().unwrap_or_default() {
            items.push(self.one(cx, resource, &p).await?);
        }
        let next = v["next"].as_str().map(str::to_owned);
        let next_cursor = match (self.bug, next) {
            (Bug::RepeatsListItems, Some(n)) => {
                let last = items.last().and_then(|r| r.id()).unwrap_or("");
                Some(format!("{n}|{last}"))
            }
            (_, next) => next,
        };
        Ok(Page { items, next_cursor })
    }

    async fn update(&self, cx: &Context, id: &str, patch: Record) -> Result<Record> {
        let resource = patch.resource();
        INFO.check(resource, Operation::Update)?;
        let body = self.to_provider(&patch)?;
        let path = format!("/v1/{}/{id}", resource.plural());
        let v = self
            .send(cx, ProviderRequest::patch(ID, cx.url(&path), body))
            .await?;
        self.one(cx, resource, &v).await
    }

    async fn delete(&self, cx: &Context, resource: Resource, id: &str) -> Result<()> {
        if self.bug == Bug::FakesUnsupported && resource == Resource::Meeting {
            return Ok(());
        }
        INFO.check(resource, Operation::Delete)?;
        let path = format!("/v1/{}/{id}", resource.plural());
        self.send(cx, ProviderRequest::delete(ID, cx.url(&path)))
            .await?;
        Ok(())
    }

    async fn custom_field_definitions(
        &self,
        cx: &Context,
        resource: Resource,
    ) -> Result<Vec<CustomFieldDefinition>> {
        let path = format!("/v1/fields/{}", resource.plural());
        let v = self
            .send(cx, ProviderRequest::get(ID, cx.url(&path)))
            .await?;
        Ok(v["results"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|f| CustomFieldDefinition {
                id: f["name"].as_str().unwrap_or_default().to_owned(),
                remote_id: f["name"].as_str().unwrap_or_default().to_owned(),
                name: f["label"].as_str().unwrap_or_default().to_owned(),
                description: None,
                // The test CRM answers unified type names; anything else is `other`.
                kind: serde_json::from_value(f["type"].clone()).unwrap_or_default(),
                source_type: f["type"].as_str().unwrap_or("other").to_owned(),
                options: f["options"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .map(|o| CustomFieldOption {
                        id: o["id"].as_str().unwrap_or_default().to_owned(),
                        value: o["label"].as_str().unwrap_or_default().to_owned(),
                    })
                    .collect(),
            })
            .collect())
    }

    fn to_provider(&self, record: &Record) -> Result<Value> {
        let mut v = serde_json::to_value(record).map_err(|e| Error::Internal(e.to_string()))?;
        let o = v
            .as_object_mut()
            .ok_or_else(|| Error::Internal("not an object".into()))?;
        let passthrough = o.remove("passthrough").unwrap_or_default();
        for k in ["id", "remote_id", "created_at", "updated_at"] {
            o.remove(k);
        }
        if self.bug == Bug::DropsCustomFields
            || o.get("custom_fields")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty)
        {
            o.remove("custom_fields");
        }
        if let Some(owner) = o.get_mut("owner") {
            // Only the id travels; the name and e-mail are the provider's.
            if let Some(id) = owner.get("id").cloned() {
                *owner = json!({"id": id});
            }
        }
        strip_nulls(&mut v);
        if let (Value::Object(o), Value::Object(p)) = (&mut v, passthrough) {
            o.extend(p);
        }
        Ok(v)
    }

    fn from_provider(&self, resource: Resource, payload: &Value) -> Result<Record> {
        let mut v = payload.clone();
        v["resource"] = json!(resource.as_str());
        let mut r: Record = unicrm_core::dialect::from_value(v)?;
        let raw = payload.clone();
        match &mut r {
            Record::Contact(x) => x.raw = Some(raw),
            Record::Lead(x) => x.raw = Some(raw),
            Record::Deal(x) => x.raw = Some(raw),
            Record::Meeting(x) => x.raw = Some(raw),
            Record::Account(x) => x.raw = Some(raw),
        }
        Ok(r)
    }
}

// ---------------------------------------------------------------- emulator

fn err(status: StatusCode, category: &str, message: String, fields: &[&str]) -> Response {
    let errors: Vec<Value> = fields.iter().map(|f| json!({"field": f})).collect();
    (
        status,
        Json(json!({"category": category, "message": message, "errors": errors})),
    )
        .into_response()
}

fn invalid(message: String, fields: &[&str]) -> Response {
    err(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message, fields)
}

fn no_type(kind: &str) -> Response {
    err(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("no object type {kind}"),
        &[],
    )
}

/// The emulator's error format, for the faults the sandbox injects.
#[derive(Debug, Clone, Copy)]
pub struct Errors;

impl ErrorFormat for Errors {
    fn unknown_path(&self, path: &str) -> Response {
        err(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("no endpoint {path}"),
            &[],
        )
    }
    fn unauthorized(&self, problem: AuthProblem) -> Response {
        err(
            StatusCode::UNAUTHORIZED,
            "INVALID_AUTHENTICATION",
            problem.to_string(),
            &[],
        )
    }
    fn rate_limited(&self, retry_after: Duration) -> Response {
        let mut r = err(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITS",
            "Too many requests".into(),
            &[],
        );
        if let Ok(v) = http::HeaderValue::from_str(&retry_after.as_secs().to_string()) {
            r.headers_mut().insert(http::header::RETRY_AFTER, v);
        }
        r
    }
    fn server_error(&self, status: StatusCode) -> Response {
        let reason = status.canonical_reason().unwrap_or("Server error");
        err(status, "INTERNAL_ERROR", reason.into(), &[])
    }
    fn not_found(&self) -> Option<Response> {
        Some(err(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no such record".into(),
            &[],
        ))
    }
    fn conflict(&self) -> Option<Response> {
        Some(err(
            StatusCode::CONFLICT,
            "CONFLICT",
            "a contact with this e-mail exists".into(),
            &[],
        ))
    }
    fn validation_error(&self) -> Option<Response> {
        Some(invalid("emails: not an e-mail address".into(), &["emails"]))
    }
}

fn kind_ok(kind: &str) -> bool {
    Resource::ALL.iter().any(|r| r.plural() == kind)
}

/// A stored record as answered: its data with id and timestamps; a contact also lists the deals
/// that name it in `contact_ids` (as a CRM shows an association from both sides).
fn with_meta(sb: &Sandbox, token: &str, kind: &str, rec: &StoredRecord) -> Value {
    let mut v = rec.data.clone();
    v["id"] = json!(rec.id);
    v["remote_id"] = json!(rec.id);
    v["created_at"] = json!(unicrm_core::model::format_timestamp(&rec.created_at));
    v["updated_at"] = json!(unicrm_core::model::format_timestamp(&rec.updated_at));
    if kind == "contacts" {
        let mut deals: Vec<Value> = v["deal_ids"].as_array().cloned().unwrap_or_default();
        for deal in sb.tenant(token).list("deals") {
            let named = deal.data["contact_ids"]
                .as_array()
                .is_some_and(|ids| ids.iter().any(|x| x.as_str() == Some(rec.id.as_str())));
            if named && !deals.contains(&json!(deal.id)) {
                deals.push(json!(deal.id));
            }
        }
        if !deals.is_empty() {
            v["deal_ids"] = Value::Array(deals);
        }
    }
    v
}

/// Association fields and the collection their ids must exist in.
const ASSOCIATIONS: &[(&str, &str)] = &[
    ("deal_ids", "deals"),
    ("account_ids", "accounts"),
    ("contact_ids", "contacts"),
    ("account_id", "accounts"),
    ("deal_id", "deals"),
    ("contact_id", "contacts"),
];

fn validate(sb: &Sandbox, token: &str, kind: &str, body: &Map<String, Value>) -> Option<Response> {
    let store = sb.tenant(token);
    if let Some(emails) = body.get("emails").and_then(Value::as_array) {
        for (i, e) in emails.iter().enumerate() {
            if !e.as_str().is_some_and(|s| s.contains('@')) {
                return Some(invalid(
                    format!("emails[{i}] {e} is not a valid email address"),
                    &["emails"],
                ));
            }
        }
    }
    for (field, coll) in ASSOCIATIONS {
        let ids: Vec<String> = match body.get(*field) {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => continue,
        };
        let missing: Vec<String> = ids
            .into_iter()
            .filter(|id| store.get(coll, id).is_none())
            .collect();
        if !missing.is_empty() {
            return Some(invalid(
                format!("{field}: no {coll} with id {}", missing.join(", ")),
                &[field],
            ));
        }
    }
    if let Some(cfs) = body.get("custom_fields").and_then(Value::as_array) {
        let defs = definitions(kind);
        for cf in cfs {
            let target = cf["remote_id"]
                .as_str()
                .or(cf["id"].as_str())
                .unwrap_or_default();
            if !defs.iter().any(|d| d["name"] == target) {
                return Some(invalid(
                    format!("custom field {target:?} does not exist"),
                    &["custom_fields"],
                ));
            }
        }
    }
    None
}

/// The contact other than `except` that has one of `body`'s e-mails, if any.
fn email_taken(
    sb: &Sandbox,
    token: &str,
    body: &Map<String, Value>,
    except: Option<&str>,
) -> Option<String> {
    let emails = body.get("emails").and_then(Value::as_array)?;
    sb.tenant(token)
        .list("contacts")
        .into_iter()
        .filter(|c| Some(c.id.as_str()) != except)
        .find(|c| {
            c.data["emails"]
                .as_array()
                .is_some_and(|have| have.iter().any(|e| emails.contains(e)))
        })
        .map(|c| c.id)
}

fn taken(id: String) -> Response {
    (
        StatusCode::CONFLICT,
        Json(json!({
            "category": "CONFLICT",
            "message": format!("a contact with this e-mail exists: {id}"),
            "errors": [{"field": "emails"}],
            "existingId": id,
        })),
    )
        .into_response()
}

fn definitions(kind: &str) -> Vec<Value> {
    match kind {
        "contacts" => vec![
            json!({"name": "training_status", "label": "Training Completion Status", "type": "single_select",
                   "options": [{"id": "opt_started", "label": "Started"}, {"id": "opt_completed", "label": "Completed"}]}),
            json!({"name": "reference", "label": "Reference", "type": "text", "options": []}),
        ],
        _ => {
            vec![json!({"name": "reference", "label": "Reference", "type": "text", "options": []})]
        }
    }
}

/// Whether the caller keeps contact e-mails unique ([`UNIQUE_EMAILS_HEADER`]).
fn unique_emails(headers: &HeaderMap) -> bool {
    headers
        .get(UNIQUE_EMAILS_HEADER)
        .is_some_and(|v| v.as_bytes() == b"true")
}

async fn create(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    headers: HeaderMap,
    Path(kind): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if !kind_ok(&kind) {
        return no_type(&kind);
    }
    let Value::Object(mut body) = body else {
        return invalid("expected an object".into(), &[]);
    };
    if let Some(r) = validate(&sb, &token, &kind, &body) {
        return r;
    }
    if kind == "contacts" && unique_emails(&headers) {
        if let Some(id) = email_taken(&sb, &token, &body, None) {
            return taken(id);
        }
    }
    body.entry("owner")
        .or_insert(json!({"id": DEFAULT_OWNER.0}));
    if kind == "contacts" {
        body.entry("lifecycle_stage")
            .or_insert(json!({"value": "customer", "source_value": "customer"}));
    }
    match sb
        .tenant(&token)
        .insert(&kind, sb.numeric_id(), Value::Object(body))
    {
        Ok(rec) => (
            StatusCode::CREATED,
            Json(with_meta(&sb, &token, &kind, &rec)),
        )
            .into_response(),
        Err(e) => err(StatusCode::CONFLICT, "CONFLICT", e.to_string(), &[]),
    }
}

async fn list(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(kind): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !kind_ok(&kind) {
        return no_type(&kind);
    }
    let limit = match q.get("limit").map(|l| l.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) if (1..=1000).contains(&n) => n,
        Some(_) => return invalid("limit: 1 to 1000".into(), &["limit"]),
    };
    let since = match q
        .get("updated_after")
        .map(|t| chrono::DateTime::parse_from_rfc3339(t))
    {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => return invalid(format!("updated_after: {e}"), &["updated_after"]),
    };
    let all: Vec<StoredRecord> = sb
        .tenant(&token)
        .list(&kind)
        .into_iter()
        .filter(|r| since.is_none_or(|s| r.updated_at >= s))
        .collect();
    match paging::after_cursor(all, |r| r.seq, q.get("after").map(String::as_str), limit) {
        Ok(page) => {
            let results: Vec<Value> = page
                .items
                .iter()
                .map(|r| with_meta(&sb, &token, &kind, r))
                .collect();
            Json(json!({"results": results, "next": page.next})).into_response()
        }
        Err(e) => invalid(format!("invalid cursor: {e}"), &["after"]),
    }
}

async fn item(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    method: Method,
    headers: HeaderMap,
    Path((kind, id)): Path<(String, String)>,
    body: Option<Json<Value>>,
) -> Response {
    if kind == "owners" {
        OWNER_CALLS.fetch_add(1, Ordering::SeqCst);
        return if id == DEFAULT_OWNER.0 {
            Json(json!({"id": id, "name": DEFAULT_OWNER.1, "email": DEFAULT_OWNER.2}))
                .into_response()
        } else {
            Json(json!({"id": id, "name": format!("Owner {id}"), "email": format!("owner{id}@example.com")})).into_response()
        };
    }
    if kind == "fields" {
        return Json(json!({"results": definitions(&id)})).into_response();
    }
    if !kind_ok(&kind) {
        return no_type(&kind);
    }
    let store = sb.tenant(&token);
    let not_found = || {
        err(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("{kind} {id} does not exist"),
            &[],
        )
    };
    match method {
        Method::GET => store
            .get(&kind, &id)
            .map(|r| Json(with_meta(&sb, &token, &kind, &r)).into_response())
            .unwrap_or_else(not_found),
        Method::DELETE => match store.delete(&kind, &id) {
            Ok(_) => StatusCode::NO_CONTENT.into_response(),
            Err(_) => not_found(),
        },
        Method::PATCH => {
            let Some(Json(Value::Object(patch))) = body else {
                return invalid("expected an object".into(), &[]);
            };
            if let Some(r) = validate(&sb, &token, &kind, &patch) {
                return r;
            }
            if kind == "contacts" && unique_emails(&headers) {
                if let Some(other) = email_taken(&sb, &token, &patch, Some(&id)) {
                    return taken(other);
                }
            }
            match store.merge(&kind, &id, &Value::Object(patch)) {
                Ok(r) => Json(with_meta(&sb, &token, &kind, &r)).into_response(),
                Err(_) => not_found(),
            }
        }
        _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
    }
}

/// The emulator's routes (under the sandbox's `/testcrm`).
pub fn router(sb: Sandbox) -> Router {
    Router::new()
        .route("/v1/{kind}", get(list).post(create))
        .route("/v1/{kind}/{id}", get(item).patch(item).delete(item))
        .with_state(sb)
}

/// Seeds `n` contacts for `token` (for a seeded sandbox).
pub fn seed(sb: &Sandbox, token: &str, n: usize, rng: &mut StdRng) {
    let store = sb.tenant(token);
    for _ in 0..n {
        let p = unicrm_sandbox::fake::person(rng);
        let _ = store.insert(
            "contacts",
            sb.numeric_id(),
            json!({"first_name": p.first_name, "last_name": p.last_name, "emails": [p.email]}),
        );
    }
}
