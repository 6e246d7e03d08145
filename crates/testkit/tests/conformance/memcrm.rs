//! A test-only provider, "memcrm": an emulator that stores unified JSON, and a connector for it
//! (with switchable bugs, to prove the suite catches them).
#![allow(clippy::result_large_err)] // test emulator: early-return responses are fine here

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use unicrm_core::http::ProviderRequest;
use unicrm_core::{
    AuthKind, Capability, Connector, ConnectorInfo, Context, CustomFieldDefinition, Error,
    ListQuery, Operation, Page, ProviderDetails, Record, Resource,
};
use unicrm_sandbox::auth::{AuthProblem, TenantToken};
use unicrm_sandbox::{paging, ErrorFormat, Sandbox, StdRng, StoreError, StoredRecord};

pub const ID: &str = "memcrm";

// ---------------------------------------------------------------- emulator

struct MemErrors;

impl ErrorFormat for MemErrors {
    fn unknown_path(&self, path: &str) -> Response {
        err(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no endpoint {path}"),
        )
    }

    fn unauthorized(&self, _problem: AuthProblem) -> Response {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "unauthorized", "message": "bad token"})),
        )
            .into_response()
    }
    fn rate_limited(&self, retry_after: Duration) -> Response {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", retry_after.as_secs().to_string())],
            Json(json!({"error": "rate_limited", "message": "slow down"})),
        )
            .into_response()
    }
    fn server_error(&self, status: StatusCode) -> Response {
        (status, Json(json!({"error": "server", "message": "oops"}))).into_response()
    }
    fn not_found(&self) -> Option<Response> {
        Some(err(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such record".into(),
        ))
    }
    fn conflict(&self) -> Option<Response> {
        Some(err(
            StatusCode::CONFLICT,
            "conflict",
            "duplicate e-mail".into(),
        ))
    }
    fn validation_error(&self) -> Option<Response> {
        Some(err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "emails: not an e-mail".into(),
        ))
    }
}

fn err(status: StatusCode, code: &str, message: String) -> Response {
    (status, Json(json!({"error": code, "message": message}))).into_response()
}

fn collection(plural: &str) -> Result<&'static str, Response> {
    Resource::parse(plural)
        .filter(|r| r.plural() == plural)
        .map(Resource::plural)
        .ok_or_else(|| {
            err(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no such path /v1/{plural}"),
            )
        })
}

fn render(rec: &StoredRecord) -> Value {
    let mut body = rec.data.clone();
    body["id"] = json!(rec.id);
    body["created_at"] = json!(rec.created_at.to_rfc3339());
    body["updated_at"] = json!(rec.updated_at.to_rfc3339());
    body
}

fn validate(body: &Value) -> Result<(), Response> {
    if let Some(emails) = body.get("emails").and_then(Value::as_array) {
        if emails
            .iter()
            .any(|e| !e.as_str().unwrap_or("").contains('@'))
        {
            return Err(err(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "emails: not an e-mail".into(),
            ));
        }
    }
    Ok(())
}

fn store_error(e: StoreError) -> Response {
    err(StatusCode::NOT_FOUND, "not_found", e.to_string())
}

#[derive(Deserialize)]
struct ListParams {
    after: Option<String>,
    limit: Option<usize>,
}

async fn list(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(plural): Path<String>,
    Query(q): Query<ListParams>,
) -> Response {
    let coll = match collection(&plural) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let limit = q.limit.unwrap_or(10).min(100);
    match paging::after_cursor(
        sb.tenant(&token).list(coll),
        |r| r.seq,
        q.after.as_deref(),
        limit,
    ) {
        Ok(page) => Json(json!({
            "results": page.items.iter().map(render).collect::<Vec<_>>(),
            "next": page.next,
        }))
        .into_response(),
        Err(e) => err(StatusCode::BAD_REQUEST, "invalid", e.to_string()),
    }
}

async fn create(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(plural): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let coll = match collection(&plural) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err(r) = validate(&body) {
        return r;
    }
    // Contact e-mails are unique per account.
    if let (true, Some(emails)) = (
        coll == "contacts",
        body.get("emails").and_then(Value::as_array),
    ) {
        let taken = sb.tenant(&token).list(coll).into_iter().find(|c| {
            c.data["emails"]
                .as_array()
                .is_some_and(|have| have.iter().any(|e| emails.contains(e)))
        });
        if let Some(existing) = taken {
            return err(
                StatusCode::CONFLICT,
                "conflict",
                format!("a contact with this e-mail exists: {}", existing.id),
            );
        }
    }
    match sb.tenant(&token).insert(coll, sb.numeric_id(), body) {
        Ok(rec) => (StatusCode::CREATED, Json(render(&rec))).into_response(),
        Err(e) => err(StatusCode::CONFLICT, "conflict", e.to_string()),
    }
}

async fn read(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((plural, id)): Path<(String, String)>,
) -> Response {
    let coll = match collection(&plural) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match sb.tenant(&token).get(coll, &id) {
        Some(rec) => Json(render(&rec)).into_response(),
        None => err(StatusCode::NOT_FOUND, "not_found", format!("no {id}")),
    }
}

async fn patch(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((plural, id)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    let coll = match collection(&plural) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err(r) = validate(&body) {
        return r;
    }
    match sb.tenant(&token).merge(coll, &id, &body) {
        Ok(rec) => Json(render(&rec)).into_response(),
        Err(e) => store_error(e),
    }
}

async fn remove(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((plural, id)): Path<(String, String)>,
) -> Response {
    let coll = match collection(&plural) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match sb.tenant(&token).delete(coll, &id) {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => store_error(e),
    }
}

fn router(sb: Sandbox) -> Router {
    Router::new()
        .route("/v1/{plural}", get(list).post(create))
        .route("/v1/{plural}/{id}", get(read).patch(patch).delete(remove))
        .with_state(sb)
}

fn seed(sb: &Sandbox, token: &str, n: usize, rng: &mut StdRng) {
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

unicrm_sandbox::register_emulator! {
    id: ID,
    router: router,
    seed: seed,
    errors: &MemErrors,
}

// ---------------------------------------------------------------- connector

const ALL_OPS: &[Operation] = &[
    Operation::Create,
    Operation::Get,
    Operation::List,
    Operation::Update,
    Operation::Delete,
];

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

static INFO: ConnectorInfo = ConnectorInfo::new(
    ID,
    "MemCRM",
    &[
        Capability {
            resource: Resource::Account,
            operations: ALL_OPS,
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
        Capability {
            resource: Resource::Contact,
            operations: ALL_OPS,
            fields: CONTACT_FIELDS,
        },
        Capability {
            resource: Resource::Deal,
            operations: ALL_OPS,
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
            operations: &[
                Operation::Create,
                Operation::Get,
                Operation::List,
                Operation::Update,
            ],
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
            resource: Resource::Lead,
            operations: ALL_OPS,
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
    ],
    &[AuthKind::BearerToken],
    "https://memcrm.invalid",
)
.with_unique_fields(&[(Resource::Contact, "emails")]);

/// Bugs the connector can be told to have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bug {
    None,
    /// Keeps only the first e-mail (silently).
    DropsExtraEmails,
    /// Repeats the last item of every page on the next page.
    RepeatsListItems,
    /// Answers Ok(()) for the undeclared meeting delete.
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

pub struct MemCrm {
    pub bug: Bug,
    /// Contacts read back get `deal_ids` from the deals that list them.
    pub reverse_associations: AtomicBool,
}

impl MemCrm {
    pub fn new(bug: Bug) -> Self {
        MemCrm {
            bug,
            reverse_associations: AtomicBool::new(true),
        }
    }

    fn parse_error(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
        let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let message = v["message"].as_str().unwrap_or("").to_owned();
        let details = Box::new(
            ProviderDetails::new(ID, status, message.clone())
                .code(v["error"].as_str().unwrap_or("unknown"))
                .body(Some(v.clone())),
        );
        match status {
            400 if self.bug != Bug::BadCursorAsProvider => Error::InvalidInput {
                field: if message.contains("cursor") {
                    "cursor".into()
                } else {
                    String::new()
                },
                reason: message.clone(),
                provider: Some(details),
            },
            401 => Error::Unauthorized {
                message,
                provider: Some(details),
            },
            404 if self.bug != Bug::NotFoundAsProvider => Error::NotFound {
                message,
                provider: Some(details),
            },
            422 => Error::InvalidInput {
                field: message.split(':').next().unwrap_or("").to_owned(),
                reason: message.clone(),
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
            409 if self.bug != Bug::ConflictAsProvider => Error::Conflict {
                message,
                existing_id: None,
                provider: Some(details),
            },
            _ => Error::Provider(details),
        }
    }

    async fn send(&self, cx: &Context, req: ProviderRequest) -> Result<Value, Error> {
        let resp = cx.send(req).await?;
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

    fn wire(&self, record: &Record) -> Value {
        let mut v = serde_json::to_value(record).unwrap_or(Value::Null);
        if self.bug != Bug::DropsCustomFields {
            for c in record.custom_fields() {
                if let Some(target) = c.target() {
                    v[format!("cf_{target}")] = c.wire_value();
                }
            }
        }
        if let Some(o) = v.as_object_mut() {
            for k in [
                "resource",
                "id",
                "remote_id",
                "created_at",
                "updated_at",
                "custom_fields",
                "passthrough",
            ] {
                o.remove(k);
            }
            o.retain(|_, v| !v.is_null());
        }
        v
    }

    fn unified(resource: Resource, payload: &Value) -> Result<Record, Error> {
        let mut o: Map<String, Value> = payload.as_object().cloned().unwrap_or_default();
        let custom: Vec<Value> = o
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("cf_")
                    .map(|name| json!({"id": name, "remote_id": name, "value": v}))
            })
            .collect();
        o.retain(|k, _| !k.starts_with("cf_"));
        o.insert("custom_fields".into(), Value::Array(custom));
        let id = o.get("id").cloned().unwrap_or(Value::Null);
        o.insert("remote_id".into(), id);
        o.insert("resource".into(), json!(resource.as_str()));
        let mut record: Record =
            serde_json::from_value(Value::Object(o)).map_err(|e| Error::Transport {
                provider: ID.into(),
                message: e.to_string(),
            })?;
        if let Record::Contact(c) = &mut record {
            c.raw = Some(payload.clone());
        }
        Ok(record)
    }

    async fn with_reverse(&self, cx: &Context, mut record: Record) -> Result<Record, Error> {
        if let (Record::Contact(c), true) = (
            &mut record,
            self.reverse_associations.load(Ordering::SeqCst),
        ) {
            let Some(id) = c.id.clone() else {
                return Ok(record);
            };
            let mut after: Option<String> = None;
            let mut deals = Vec::new();
            loop {
                let mut req = ProviderRequest::get(ID, cx.url("/v1/deals")).query("limit", "100");
                if let Some(a) = &after {
                    req = req.query("after", a.clone());
                }
                let page = self.send(cx, req).await?;
                for d in page["results"].as_array().cloned().unwrap_or_default() {
                    let on = d["contact_ids"]
                        .as_array()
                        .is_some_and(|ids| ids.iter().any(|x| x == &json!(id)));
                    if on {
                        deals.push(d["id"].as_str().unwrap_or("").to_owned());
                    }
                }
                match page["next"].as_str() {
                    Some(n) => after = Some(n.to_owned()),
                    None => break,
                }
            }
            if !deals.is_empty() {
                c.deal_ids = Some(deals);
            }
        }
        Ok(record)
    }
}

#[async_trait::async_trait]
impl Connector for MemCrm {
    fn info(&self) -> &'static ConnectorInfo {
        &INFO
    }

    async fn create(&self, cx: &Context, record: Record) -> Result<Record, Error> {
        let r = record.resource();
        INFO.check(r, Operation::Create)?;
        let mut body = self.wire(&record);
        if self.bug == Bug::DropsExtraEmails {
            if let Some(list) = body.get_mut("emails").and_then(Value::as_array_mut) {
                list.truncate(1);
            }
        }
        let req = ProviderRequest::post(ID, cx.url(&format!("/v1/{}", r.plural())), body);
        let v = match self.send(cx, req.clone()).await {
            Err(Error::Transport { .. }) if self.bug == Bug::RetriesCreates => {
                self.send(cx, req).await?
            }
            other => other?,
        };
        Self::unified(r, &v)
    }

    async fn get(&self, cx: &Context, resource: Resource, id: &str) -> Result<Record, Error> {
        INFO.check(resource, Operation::Get)?;
        let v = self
            .send(
                cx,
                ProviderRequest::get(ID, cx.url(&format!("/v1/{}/{id}", resource.plural()))),
            )
            .await?;
        let record = Self::unified(resource, &v)?;
        self.with_reverse(cx, record).await
    }

    async fn list(
        &self,
        cx: &Context,
        resource: Resource,
        q: &ListQuery,
    ) -> Result<Page<Record>, Error> {
        INFO.check(resource, Operation::List)?;
        let mut req = ProviderRequest::get(ID, cx.url(&format!("/v1/{}", resource.plural())))
            .query("limit", q.page_size.unwrap_or(10).to_string());
        let mut repeat: Option<Record> = None;
        if let Some(c) = &q.cursor {
            let (after, last) = c.split_once('|').unwrap_or((c.as_str(), ""));
            req = req.query("after", after.to_owned());
            if self.bug == Bug::RepeatsListItems && !last.is_empty() {
                repeat = Some(self.get(cx, resource, last).await?);
            }
        }
        let v = self.send(cx, req).await?;
        let mut items = Vec::new();
        if let Some(r) = repeat {
            items.push(r);
        }
        for item in v["results"].as_array().cloned().unwrap_or_default() {
            items.push(Self::unified(resource, &item)?);
        }
        let last = items.last().and_then(|r| r.id()).unwrap_or("").to_owned();
        let next_cursor = v["next"].as_str().map(|n| format!("{n}|{last}"));
        Ok(Page { items, next_cursor })
    }

    async fn update(&self, cx: &Context, id: &str, patch: Record) -> Result<Record, Error> {
        let r = patch.resource();
        INFO.check(r, Operation::Update)?;
        let v = self
            .send(
                cx,
                ProviderRequest::patch(
                    ID,
                    cx.url(&format!("/v1/{}/{id}", r.plural())),
                    self.wire(&patch),
                ),
            )
            .await?;
        Self::unified(r, &v)
    }

    async fn delete(&self, cx: &Context, resource: Resource, id: &str) -> Result<(), Error> {
        if self.bug == Bug::FakesUnsupported && resource == Resource::Meeting {
            return Ok(());
        }
        INFO.check(resource, Operation::Delete)?;
        self.send(
            cx,
            ProviderRequest::delete(ID, cx.url(&format!("/v1/{}/{id}", resource.plural()))),
        )
        .await?;
        Ok(())
    }

    async fn custom_field_definitions(
        &self,
        _cx: &Context,
        resource: Resource,
    ) -> Result<Vec<CustomFieldDefinition>, Error> {
        INFO.check(resource, Operation::Get)?;
        Ok(vec![CustomFieldDefinition {
            id: "nickname".into(),
            remote_id: "nickname".into(),
            name: "Nickname".into(),
            kind: "text".into(),
            ..Default::default()
        }])
    }

    fn to_provider(&self, record: &Record) -> Result<Value, Error> {
        Ok(self.wire(record))
    }

    fn from_provider(&self, resource: Resource, payload: &Value) -> Result<Record, Error> {
        Self::unified(resource, payload)
    }
}
