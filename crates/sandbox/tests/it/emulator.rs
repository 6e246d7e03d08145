//! A tiny test-only emulator ("testemu") exercising the machinery the way a provider emulator does.

use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};
use unicrm_sandbox::auth::{AuthProblem, TenantToken};
use unicrm_sandbox::paging::{self, PagingError};
use unicrm_sandbox::{fake, EmulatorBase, ErrorFormat, Sandbox, StdRng, StoreError, StoredRecord};

pub const ID: &str = "testemu";
pub const ITEMS: &str = "items";

/// The test provider's error rendering.
pub struct TestErrors;

impl ErrorFormat for TestErrors {
    fn unknown_path(&self, path: &str) -> Response {
        (
            StatusCode::NOT_FOUND,
            Json(json!({"kind": "unknown_path", "path": path})),
        )
            .into_response()
    }

    fn unauthorized(&self, problem: AuthProblem) -> Response {
        let kind = match problem {
            AuthProblem::Missing => "missing",
            AuthProblem::Rejected => "rejected",
            _ => "other",
        };
        (
            StatusCode::UNAUTHORIZED,
            [("www-authenticate", "Bearer")],
            Json(json!({"kind": "auth", "problem": kind})),
        )
            .into_response()
    }

    fn rate_limited(&self, retry_after: Duration) -> Response {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [
                ("retry-after", retry_after.as_secs().to_string()),
                ("x-test-ratelimit-remaining", "0".to_owned()),
            ],
            Json(json!({"kind": "rate_limit"})),
        )
            .into_response()
    }

    fn server_error(&self, status: StatusCode) -> Response {
        (
            status,
            Json(json!({"kind": "server", "status": status.as_u16()})),
        )
            .into_response()
    }

    // `not_found` is left to the default (not modelled): such faults pass through.

    fn conflict(&self) -> Option<Response> {
        Some((StatusCode::CONFLICT, Json(json!({"kind": "conflict"}))).into_response())
    }

    fn validation_error(&self) -> Option<Response> {
        Some(
            (
                StatusCode::BAD_REQUEST,
                Json(json!({"kind": "invalid", "field": "email"})),
            )
                .into_response(),
        )
    }
}

fn error(status: StatusCode, kind: &str, message: String) -> Response {
    (status, Json(json!({"kind": kind, "message": message}))).into_response()
}

fn paging_error(e: PagingError) -> Response {
    error(StatusCode::BAD_REQUEST, "paging", e.to_string())
}

fn store_error(e: StoreError) -> Response {
    match e {
        StoreError::NotFound { .. } => error(StatusCode::NOT_FOUND, "not_found", e.to_string()),
        other => error(StatusCode::CONFLICT, "conflict", other.to_string()),
    }
}

pub fn render(rec: &StoredRecord) -> Value {
    json!({
        "id": rec.id,
        "data": rec.data,
        "createdAt": rec.created_at.to_rfc3339(),
        "updatedAt": rec.updated_at.to_rfc3339(),
    })
}

pub fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route("/v1/items", get(list_items).post(create_item))
        .route(
            "/v1/items/{id}",
            get(get_item).patch(patch_item).delete(delete_item),
        )
        .route("/v1/offset/items", get(list_offset))
        .route("/v1/query", post(open_query))
        .route("/v1/query/{token}", get(next_query))
        .route("/v1/whoami", get(whoami))
        .route("/v1/big", get(big))
        .with_state(sandbox)
}

#[derive(Deserialize)]
struct CreateQuery {
    #[serde(default)]
    id_kind: Option<String>,
}

async fn create_item(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Query(q): Query<CreateQuery>,
    Json(body): Json<Value>,
) -> Response {
    let id = match q.id_kind.as_deref() {
        None | Some("numeric") => sb.numeric_id(),
        Some("uuid") => sb.uuid(),
        // An emulator-formatted id: a type prefix and a zero-padded sequence number.
        Some("sequence") => format!("itm{:09}", sb.sequence("items")),
        Some(other) => return error(StatusCode::BAD_REQUEST, "input", format!("id_kind {other}")),
    };
    match sb.tenant(&token).insert(ITEMS, id, body) {
        Ok(rec) => (StatusCode::CREATED, Json(render(&rec))).into_response(),
        Err(e) => store_error(e),
    }
}

async fn get_item(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
) -> Response {
    match sb.tenant(&token).get(ITEMS, &id) {
        Some(rec) => Json(render(&rec)).into_response(),
        None => error(StatusCode::NOT_FOUND, "not_found", format!("no item {id}")),
    }
}

async fn patch_item(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
    Json(patch): Json<Value>,
) -> Response {
    match sb.tenant(&token).merge(ITEMS, &id, &patch) {
        Ok(rec) => Json(render(&rec)).into_response(),
        Err(e) => store_error(e),
    }
}

async fn delete_item(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(id): Path<String>,
) -> Response {
    match sb.tenant(&token).delete(ITEMS, &id) {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Deserialize)]
struct CursorQuery {
    after: Option<String>,
    limit: Option<usize>,
}

async fn list_items(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Query(q): Query<CursorQuery>,
) -> Response {
    let items = sb.tenant(&token).list(ITEMS);
    match paging::after_cursor(items, |r| r.seq, q.after.as_deref(), q.limit.unwrap_or(10)) {
        Ok(page) => Json(json!({
            "results": page.items.iter().map(render).collect::<Vec<_>>(),
            "total": page.total,
            "paging": page.next.map(|after| json!({"next": {"after": after}})),
        }))
        .into_response(),
        Err(e) => paging_error(e),
    }
}

#[derive(Deserialize)]
struct OffsetQuery {
    offset: Option<usize>,
    limit: Option<usize>,
}

async fn list_offset(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Query(q): Query<OffsetQuery>,
) -> Response {
    let items = sb.tenant(&token).list(ITEMS);
    match paging::offset_limit(items, q.offset.unwrap_or(0), q.limit.unwrap_or(10)) {
        Ok(page) => Json(json!({
            "data": page.items.iter().map(render).collect::<Vec<_>>(),
            "more": page.has_more(),
            "next_start": page.next_offset,
        }))
        .into_response(),
        Err(e) => paging_error(e),
    }
}

#[derive(Deserialize)]
struct OpenQuery {
    page_size: usize,
}

async fn open_query(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Json(q): Json<OpenQuery>,
) -> Response {
    let store = sb.tenant(&token);
    let items: Vec<Value> = store.list(ITEMS).iter().map(render).collect();
    let locator = format!("loc{}", sb.sequence("query-locators"));
    match store.open_token_pages(locator, items, q.page_size) {
        Ok(page) => token_page(page),
        Err(e) => paging_error(e),
    }
}

async fn next_query(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(page_token): Path<String>,
) -> Response {
    match sb.tenant(&token).next_token_page(&page_token) {
        Ok(page) => token_page(page),
        Err(e) => paging_error(e),
    }
}

fn token_page(page: paging::CursorPage<Value>) -> Response {
    Json(json!({
        "totalSize": page.total,
        "done": page.next.is_none(),
        "records": page.items,
        "nextToken": page.next,
    }))
    .into_response()
}

async fn whoami(TenantToken(token): TenantToken, EmulatorBase(base): EmulatorBase) -> Response {
    Json(json!({"token": token, "base": base})).into_response()
}

/// A large body (for truncation tests).
async fn big(TenantToken(_token): TenantToken) -> Response {
    let rows: Vec<Value> = (0..200)
        .map(|i| json!({"i": i, "name": "x".repeat(20)}))
        .collect();
    Json(json!({"rows": rows})).into_response()
}

pub fn seed(sb: &Sandbox, token: &str, n: usize, rng: &mut StdRng) {
    let store = sb.tenant(token);
    for _ in 0..n {
        let p = fake::person(rng);
        let _ = store.insert(
            ITEMS,
            sb.numeric_id(),
            json!({"name": p.full_name(), "email": p.email, "company": p.company.name}),
        );
    }
}

unicrm_sandbox::register_emulator! {
    id: ID,
    router: router,
    seed: seed,
    errors: &TestErrors,
}
