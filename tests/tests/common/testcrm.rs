//! A test-only CRM: a connector (`testcrm`) and its emulator, registered in the test binary only.
//! The wire format is the core model's own JSON, so the server is exercised without depending on
//! a real connector's mapping. Behaviour a real provider has and the tests need: numeric ids,
//! owners resolved through `/v1/owners/{id}`, a default owner and lifecycle stage on create
//! (as in the v1 example response), validation errors naming fields, associations that must
//! exist, custom field definitions, cursor paging, and no meeting deletes (→ 501).

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::{HeaderMap, Method, StatusCode};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use unicrm_core::http::ProviderRequest;
use unicrm_core::{
    AuthKind, Capability, Connector, ConnectorInfo, Context, CustomFieldDefinition,
    CustomFieldOption, Error, ListQuery, Operation, Owner, Page, ProviderDetails, Record, Resource,
    Result,
};
use unicrm_sandbox::auth::TenantToken;
use unicrm_sandbox::{GenericErrors, Sandbox};

/// The connector id.
pub const ID: &str = "testcrm";
/// The owner every new record gets when none is given.
pub const DEFAULT_OWNER: (&str, &str, &str) = ("67823451", "John Smith", "john.smith@acme.com");
/// Calls of the owners endpoint (to check the gateway's per-account owner cache).
pub static OWNER_CALLS: AtomicUsize = AtomicUsize::new(0);

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

static INFO: ConnectorInfo = ConnectorInfo::new(
    ID,
    "Test CRM",
    &[
        Capability {
            resource: Resource::Contact,
            operations: ALL,
            fields: &[],
        },
        Capability {
            resource: Resource::Lead,
            operations: ALL,
            fields: &[],
        },
        Capability {
            resource: Resource::Deal,
            operations: ALL,
            fields: &[],
        },
        Capability {
            resource: Resource::Meeting,
            operations: NO_DELETE,
            fields: &[],
        },
        Capability {
            resource: Resource::Account,
            operations: ALL,
            fields: &[],
        },
    ],
    &[AuthKind::BearerToken],
    "https://api.testcrm.invalid",
);

/// The test connector.
#[derive(Default)]
pub struct TestCrm;

unicrm_core::register_connector!(ID, || Arc::new(TestCrm));

fn strip_nulls(v: &mut Value) {
    if let Value::Object(o) = v {
        o.retain(|_, x| !x.is_null());
    }
}

fn parse_error(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let message = v["message"].as_str().unwrap_or("error").to_owned();
    let fields: Vec<String> = v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let details = ProviderDetails::new(ID, status, message.clone())
        .fields(fields.clone())
        .code(v["category"].as_str().unwrap_or("ERROR"))
        .body(Some(v.clone()));
    match status {
        400 => Error::InvalidInput {
            field: fields.join(","),
            reason: message,
            provider: Some(Box::new(details)),
        },
        401 => Error::Unauthorized {
            message,
            provider: Some(Box::new(details)),
        },
        404 => Error::NotFound {
            message,
            provider: Some(Box::new(details)),
        },
        429 => Error::RateLimited {
            retry_after: unicrm_core::http::retry_after(headers),
            message,
            provider: Some(Box::new(details)),
        },
        _ => Error::Provider(Box::new(details)),
    }
}

impl TestCrm {
    async fn resolve_owner(&self, cx: &Context, record: &mut Record) -> Result<()> {
        let Some(owner) = record.owner_mut().as_mut() else {
            return Ok(());
        };
        if let Some(o) = cx.owners.get(&owner.id) {
            *owner = o;
            return Ok(());
        }
        let resp = cx
            .send_ok(
                ProviderRequest::get(ID, cx.url(&format!("/v1/owners/{}", owner.id))),
                parse_error,
            )
            .await?;
        let v = resp.body_value();
        let o = Owner {
            id: owner.id.clone(),
            name: v["name"].as_str().map(str::to_owned),
            email: v["email"].as_str().map(str::to_owned),
        };
        cx.owners.insert(o.clone());
        *owner = o;
        Ok(())
    }

    async fn one(&self, cx: &Context, resource: Resource, req: ProviderRequest) -> Result<Record> {
        let resp = cx.send_ok(req, parse_error).await?;
        let mut r = self.from_provider(resource, &resp.body_value())?;
        self.resolve_owner(cx, &mut r).await?;
        Ok(r)
    }
}

#[async_trait::async_trait]
impl Connector for TestCrm {
    fn info(&self) -> &'static ConnectorInfo {
        &INFO
    }

    async fn create(&self, cx: &Context, record: Record) -> Result<Record> {
        let body = self.to_provider(&record)?;
        let path = format!("/v1/{}", record.resource().plural());
        self.one(
            cx,
            record.resource(),
            ProviderRequest::post(ID, cx.url(&path), body),
        )
        .await
    }

    async fn get(&self, cx: &Context, resource: Resource, id: &str) -> Result<Record> {
        // A connector bug, on purpose: the gateway must contain it.
        assert_ne!(id, "panic-now", "test connector panics on request");
        let path = format!("/v1/{}/{id}", resource.plural());
        self.one(cx, resource, ProviderRequest::get(ID, cx.url(&path)))
            .await
    }

    async fn list(&self, cx: &Context, resource: Resource, q: &ListQuery) -> Result<Page<Record>> {
        let mut req = ProviderRequest::get(ID, cx.url(&format!("/v1/{}", resource.plural())));
        if let Some(n) = q.page_size {
            req = req.query("limit", n.to_string());
        }
        if let Some(c) = &q.cursor {
            req = req.query("after", c.clone());
        }
        if let Some(t) = q.updated_after {
            req = req.query("updated_after", unicrm_core::model::format_timestamp(&t));
        }
        let v = cx.send_ok(req, parse_error).await?.body_value();
        let mut items = Vec::new();
        for p in v["results"].as_array().cloned().unwrap_or_default() {
            let mut r = self.from_provider(resource, &p)?;
            self.resolve_owner(cx, &mut r).await?;
            items.push(r);
        }
        Ok(Page {
            items,
            next_cursor: v["next"].as_str().map(str::to_owned),
        })
    }

    async fn update(&self, cx: &Context, id: &str, patch: Record) -> Result<Record> {
        let body = self.to_provider(&patch)?;
        let path = format!("/v1/{}/{id}", patch.resource().plural());
        self.one(
            cx,
            patch.resource(),
            ProviderRequest::patch(ID, cx.url(&path), body),
        )
        .await
    }

    async fn delete(&self, cx: &Context, resource: Resource, id: &str) -> Result<()> {
        let path = format!("/v1/{}/{id}", resource.plural());
        cx.send_ok(ProviderRequest::delete(ID, cx.url(&path)), parse_error)
            .await?;
        Ok(())
    }

    async fn custom_field_definitions(
        &self,
        cx: &Context,
        resource: Resource,
    ) -> Result<Vec<CustomFieldDefinition>> {
        let path = format!("/v1/fields/{}", resource.plural());
        let v = cx
            .send_ok(ProviderRequest::get(ID, cx.url(&path)), parse_error)
            .await?
            .body_value();
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
        if o.get("custom_fields")
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

fn err(status: StatusCode, message: String, fields: &[&str]) -> Response {
    let errors: Vec<Value> = fields.iter().map(|f| json!({"field": f})).collect();
    (
        status,
        Json(json!({"category": "VALIDATION_ERROR", "message": message, "errors": errors})),
    )
        .into_response()
}

fn kind_ok(kind: &str) -> bool {
    Resource::ALL.iter().any(|r| r.plural() == kind)
}

fn with_meta(rec: &unicrm_sandbox::StoredRecord) -> Value {
    let mut v = rec.data.clone();
    v["id"] = json!(rec.id);
    v["remote_id"] = json!(rec.id);
    v["created_at"] = json!(unicrm_core::model::format_timestamp(&rec.created_at));
    v["updated_at"] = json!(unicrm_core::model::format_timestamp(&rec.updated_at));
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
                return Some(err(
                    StatusCode::BAD_REQUEST,
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
            return Some(err(
                StatusCode::BAD_REQUEST,
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
                return Some(err(
                    StatusCode::BAD_REQUEST,
                    format!("custom field {target:?} does not exist"),
                    &["custom_fields"],
                ));
            }
        }
    }
    None
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

async fn create(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(kind): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if !kind_ok(&kind) {
        return err(StatusCode::NOT_FOUND, format!("no object type {kind}"), &[]);
    }
    let Value::Object(mut body) = body else {
        return err(StatusCode::BAD_REQUEST, "expected an object".into(), &[]);
    };
    if let Some(r) = validate(&sb, &token, &kind, &body) {
        return r;
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
        Ok(rec) => (StatusCode::CREATED, Json(with_meta(&rec))).into_response(),
        Err(e) => err(StatusCode::CONFLICT, e.to_string(), &[]),
    }
}

async fn list(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(kind): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !kind_ok(&kind) {
        return err(StatusCode::NOT_FOUND, format!("no object type {kind}"), &[]);
    }
    let limit: usize = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(100);
    let after: u64 = q.get("after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let since = q
        .get("updated_after")
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
    let all: Vec<_> = sb
        .tenant(&token)
        .list(&kind)
        .into_iter()
        .filter(|r| r.seq > after)
        .filter(|r| since.is_none_or(|s| r.updated_at >= s))
        .collect();
    let page: Vec<Value> = all.iter().take(limit).map(with_meta).collect();
    let next = (all.len() > limit).then(|| all[limit - 1].seq.to_string());
    Json(json!({"results": page, "next": next})).into_response()
}

async fn item(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    method: Method,
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
        return err(StatusCode::NOT_FOUND, format!("no object type {kind}"), &[]);
    }
    let store = sb.tenant(&token);
    let not_found = || {
        err(
            StatusCode::NOT_FOUND,
            format!("{kind} {id} does not exist"),
            &[],
        )
    };
    match method {
        Method::GET => store
            .get(&kind, &id)
            .map(|r| Json(with_meta(&r)).into_response())
            .unwrap_or_else(not_found),
        Method::DELETE => match store.delete(&kind, &id) {
            Ok(_) => StatusCode::NO_CONTENT.into_response(),
            Err(_) => not_found(),
        },
        Method::PATCH => {
            let Some(Json(Value::Object(patch))) = body else {
                return err(StatusCode::BAD_REQUEST, "expected an object".into(), &[]);
            };
            if let Some(r) = validate(&sb, &token, &kind, &patch) {
                return r;
            }
            match store.merge(&kind, &id, &Value::Object(patch)) {
                Ok(r) => Json(with_meta(&r)).into_response(),
                Err(_) => not_found(),
            }
        }
        _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
    }
}

fn router(sb: Sandbox) -> Router {
    Router::new()
        .route("/v1/{kind}", get(list).post(create))
        .route("/v1/{kind}/{id}", get(item).patch(item).delete(item))
        .with_state(sb)
}

unicrm_sandbox::register_emulator! {
    id: ID,
    router: router,
    errors: &GenericErrors,
}
