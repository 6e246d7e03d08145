//! The sandbox HTTP server: every registered emulator under `/{id}`, the fault layer around each,
//! the `/_sandbox/*` control endpoints and `/health`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::request::Parts;
use http::{header, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::{oneshot, Notify};
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt as _;

use crate::auth::{self, AuthProblem};
use crate::faults::{malform_json, truncate_json, FaultConfig, FaultKind, FaultScope};
use crate::format::ErrorFormat;
use crate::sandbox::RequestRecord;
use crate::{check_emulators, emulators, EmulatorRegistration, Sandbox, SandboxError};

/// What the fault layer puts in every emulator request's extensions (read by the extractors).
#[derive(Clone)]
pub(crate) struct EmulatorContext {
    pub(crate) id: &'static str,
    pub(crate) errors: &'static dyn ErrorFormat,
    pub(crate) sandbox: Sandbox,
}

/// Lets a request close its own connection without a response (dropped-connection faults).
#[derive(Clone)]
struct ConnectionControl(Arc<Notify>);

/// Builds the sandbox router from every emulator linked into the binary (see [`crate::emulators`]).
pub fn app(sandbox: Sandbox) -> Result<Router, SandboxError> {
    app_with(sandbox, &emulators()?)
}

/// Builds the sandbox router from the given emulators: each under `/{id}` wrapped in the fault
/// layer, plus `/_sandbox/*` (faults, reset, seed, emulators) and `/health`. Duplicate or
/// malformed ids are refused as in [`crate::emulators`].
pub fn app_with(
    sandbox: Sandbox,
    emulators: &[&'static EmulatorRegistration],
) -> Result<Router, SandboxError> {
    let emulators = check_emulators(emulators.to_vec())?;
    let ids: Vec<&'static str> = emulators.iter().map(|e| e.id).collect();
    let control = ControlState {
        sandbox: sandbox.clone(),
        emulators: ids.clone(),
    };
    let mut router = Router::new()
        .route("/health", get(health))
        .route("/_sandbox/emulators", get(list_emulators))
        .route(
            "/_sandbox/faults",
            get(get_faults).post(post_faults).delete(delete_faults),
        )
        .route(
            "/_sandbox/requests",
            get(get_requests).delete(delete_requests),
        )
        .route("/_sandbox/reset", post(reset))
        .route("/_sandbox/seed", post(seed))
        .fallback(unknown_path)
        .with_state(control);
    for reg in &emulators {
        if let Some(seed) = reg.seed {
            sandbox.register_seeder(reg.id, seed);
        }
        let cx = EmulatorContext {
            id: reg.id,
            errors: reg.errors,
            sandbox: sandbox.emulator(reg.id),
        };
        let emulator = (reg.router)(sandbox.emulator(reg.id))
            .fallback(crate::routes::unknown_path)
            .method_not_allowed_fallback(crate::routes::unknown_path)
            .layer(middleware::from_fn_with_state(cx, fault_layer));
        router = router.nest(&format!("/{}", reg.id), emulator);
    }
    Ok(router)
}

/// A sandbox server running in the background (for tests); stopped when dropped.
#[derive(Debug)]
pub struct RunningSandbox {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The sandbox state it serves (to seed records or set faults from Rust).
    pub sandbox: Sandbox,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<()>>,
}

impl RunningSandbox {
    /// `http://{addr}`: where `/_sandbox/*` and `/health` live.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL of emulator `id`, e.g. `http://127.0.0.1:40123/hubspot`.
    pub fn base_url(&self, id: &str) -> String {
        format!("http://{}/{id}", self.addr)
    }

    /// Stops accepting, closes every connection and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            let _ = handle.await;
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.abort();
        }
    }
}

/// Starts a fresh sandbox (seed 0) with every linked emulator on `bind` (use `127.0.0.1:0` in
/// tests for a free port).
pub async fn spawn(bind: impl ToSocketAddrs) -> Result<RunningSandbox, SandboxError> {
    spawn_with(Sandbox::new(0), bind).await
}

/// Starts the given sandbox with every linked emulator on `bind`.
pub async fn spawn_with(
    sandbox: Sandbox,
    bind: impl ToSocketAddrs,
) -> Result<RunningSandbox, SandboxError> {
    let router = app(sandbox.clone())?;
    let listener = TcpListener::bind(bind).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel();
    let handle = tokio::spawn(accept_loop(listener, router, rx));
    Ok(RunningSandbox {
        addr,
        sandbox,
        shutdown: Some(tx),
        handle: Some(handle),
    })
}

/// Options of [`serve`] (`unicrm sandbox --bind … --seed … --seed-data …`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServeOptions {
    /// Address to listen on (default `127.0.0.1:5002`).
    pub bind: SocketAddr,
    /// Seed for ids, seed data and fault decisions (default 0).
    pub seed: u64,
    /// Records each emulator puts in every account on its first use (default 0).
    pub seed_data: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            bind: SocketAddr::from(([127, 0, 0, 1], 5002)),
            seed: 0,
            seed_data: 0,
        }
    }
}

impl ServeOptions {
    /// Options with this bind address and the other defaults.
    pub fn new(bind: SocketAddr) -> Self {
        ServeOptions {
            bind,
            ..ServeOptions::default()
        }
    }

    /// Sets [`ServeOptions::seed`].
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets [`ServeOptions::seed_data`].
    pub fn seed_data(mut self, n: usize) -> Self {
        self.seed_data = n;
        self
    }
}

/// Serves every linked emulator standalone, prints their base URLs, and runs until Ctrl-C.
pub async fn serve(options: ServeOptions) -> Result<(), SandboxError> {
    let sandbox = Sandbox::new(options.seed);
    sandbox.set_seed_data(options.seed_data);
    let running = spawn_with(sandbox, options.bind).await?;
    print!("{}", running.banner()?);
    shutdown_signal().await?;
    println!("unicrm sandbox: stopping");
    running.shutdown().await;
    Ok(())
}

impl RunningSandbox {
    /// What `unicrm sandbox` prints on start: where it listens, each emulator's base URL, the
    /// control endpoints, and how accounts and seed data work.
    pub fn banner(&self) -> Result<String, SandboxError> {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(out, "unicrm sandbox listening on {}", self.url());
        let registered = emulators()?;
        if registered.is_empty() {
            let _ = writeln!(out, "  (no emulators compiled in)");
        }
        for reg in &registered {
            let _ = writeln!(out, "  {:<12} {}", reg.id, self.base_url(reg.id));
        }
        let _ = writeln!(
            out,
            "  control      {0}/_sandbox/faults  {0}/_sandbox/reset  {0}/health",
            self.url()
        );
        let _ = writeln!(
            out,
            "any token is an account of its own; tokens starting with `invalid` get a 401"
        );
        let n = self.sandbox.seed_data();
        if n > 0 {
            let _ = writeln!(
                out,
                "each account starts with {n} seed records per resource (seed {})",
                self.sandbox.seed()
            );
        }
        Ok(out)
    }
}

/// Waits for Ctrl-C (SIGINT) or, on Unix, SIGTERM (container stop).
async fn shutdown_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

async fn accept_loop(listener: TcpListener, router: Router, mut shutdown: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone()));
                }
                Err(error) => {
                    tracing::warn!(%error, "sandbox: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    // Dropping the set aborts every open connection.
}

async fn serve_connection(stream: TcpStream, router: Router) {
    let kill = Arc::new(Notify::new());
    let control = ConnectionControl(Arc::clone(&kill));
    let service =
        hyper::service::service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(control.clone());
            router.clone().oneshot(req.map(Body::new))
        });
    let _ = stream.set_nodelay(true);
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        result = conn => {
            if let Err(error) = result {
                tracing::debug!(%error, "sandbox: connection ended with an error");
            }
        }
        // A dropped-connection fault: returning drops the connection (and the socket) mid-request.
        _ = kill.notified() => {}
    }
}

/// The fault layer around every emulator: tags the request with its emulator, then applies the
/// most specific fault rule's decision.
async fn fault_layer(State(cx): State<EmulatorContext>, mut req: Request, next: Next) -> Response {
    let token = auth::credential(req.headers(), req.uri()).map(|c| c.token().to_owned());
    let method = req.method().as_str().to_owned();
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    let decision =
        cx.sandbox
            .fault_table()
            .decide(cx.id, token.as_deref(), &method, req.uri().path());
    let log = |status: Option<StatusCode>| {
        cx.sandbox.log_request(RequestRecord {
            emulator: cx.id.to_owned(),
            tenant: token.clone(),
            method: method.clone(),
            path: path.clone(),
            status: status.map(|s| s.as_u16()),
            fault: decision.fault,
            at: cx.sandbox.now(),
        })
    };
    req.extensions_mut().insert(cx.clone());
    if let Some(delay) = decision.latency {
        tokio::time::sleep(delay).await;
    }
    let control = req.extensions().get::<ConnectionControl>().cloned();
    let response = match decision.fault {
        None => next.run(req).await,
        Some(FaultKind::Unauthorized) => cx.errors.unauthorized(AuthProblem::Rejected),
        Some(FaultKind::RateLimit) => cx.errors.rate_limited(decision.retry_after),
        Some(FaultKind::ServerError) => cx.errors.server_error(
            StatusCode::from_u16(decision.server_error_status)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        ),
        Some(FaultKind::DropConnection) => {
            log(None);
            return drop_connection(control).await;
        }
        Some(FaultKind::DropResponse) => {
            let handled = next.run(req).await;
            log(None);
            drop(handled);
            return drop_connection(control).await;
        }
        Some(FaultKind::TruncatedJson) => rewrite_body(next.run(req).await, truncate_json).await,
        Some(FaultKind::MalformedJson) => rewrite_body(next.run(req).await, malform_json).await,
        Some(FaultKind::NotFound) => match cx.errors.not_found() {
            Some(response) => response,
            None => next.run(req).await,
        },
        Some(FaultKind::Conflict) => match cx.errors.conflict() {
            Some(response) => response,
            None => next.run(req).await,
        },
        Some(FaultKind::ValidationError) => match cx.errors.validation_error() {
            Some(response) => response,
            None => next.run(req).await,
        },
    };
    if let Some(delay) = decision.response_latency {
        // Handled already: a client that stops waiting now does not undo the work.
        tokio::time::sleep(delay).await;
    }
    log(Some(response.status()));
    response
}

async fn drop_connection(control: Option<ConnectionControl>) -> Response {
    if let Some(ConnectionControl(kill)) = control {
        kill.notify_one();
        // The connection task now drops the connection, and this future with it.
        match std::future::pending::<Infallible>().await {}
    }
    // Served by someone else's server loop (e.g. embedded in the gateway): send the head, then
    // fail the body, which makes hyper abort the connection before the response is complete.
    let failing = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "sandbox fault: dropped connection",
        ))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(failing))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Rewrites a response body with `change`; responses without a body pass unchanged.
async fn rewrite_body(response: Response, change: fn(&[u8]) -> Vec<u8>) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    if bytes.is_empty() {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let changed = change(&bytes);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(changed))
}

/// Extractor for the public base URL of the emulator handling the request,
/// e.g. `http://127.0.0.1:5002/hubspot` (for `paging.next.link`-style absolute URLs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatorBase(pub String);

impl<S: Send + Sync> FromRequestParts<S> for EmulatorBase {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .unwrap_or("localhost");
        let prefix = parts
            .extensions
            .get::<EmulatorContext>()
            .map(|cx| format!("/{}", cx.id))
            .unwrap_or_default();
        Ok(EmulatorBase(format!("http://{host}{prefix}")))
    }
}

#[derive(Clone)]
struct ControlState {
    sandbox: Sandbox,
    emulators: Vec<&'static str>,
}

/// A refused control request: status and message, rendered as
/// `{"error": "sandbox_control", "message": …}`.
struct ControlError(StatusCode, String);

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (
            self.0,
            Json(json!({"error": "sandbox_control", "message": self.1})),
        )
            .into_response()
    }
}

fn control_error(status: StatusCode, message: impl Into<String>) -> ControlError {
    ControlError(status, message.into())
}

/// Parses an optional JSON object body (an empty body is `{}`).
fn json_object(body: &Bytes) -> Result<serde_json::Map<String, Value>, ControlError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(control_error(
            StatusCode::BAD_REQUEST,
            "the body must be a JSON object",
        )),
        Err(e) => Err(control_error(
            StatusCode::BAD_REQUEST,
            format!("the body is not valid JSON: {e}"),
        )),
    }
}

/// Takes an optional string field out of a control body.
fn take_string(
    map: &mut serde_json::Map<String, Value>,
    field: &str,
) -> Result<Option<String>, ControlError> {
    match map.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(control_error(
            StatusCode::BAD_REQUEST,
            format!("field `{field}`: a string is expected, got {other}"),
        )),
    }
}

impl ControlState {
    fn check_emulator(&self, id: Option<&str>) -> Result<(), ControlError> {
        match id {
            Some(id) if !self.emulators.contains(&id) => Err(control_error(
                StatusCode::BAD_REQUEST,
                format!(
                    "field `emulator`: no emulator `{id}` (available: {})",
                    self.emulators.join(", ")
                ),
            )),
            _ => Ok(()),
        }
    }
}

async fn health(State(state): State<ControlState>) -> Json<Value> {
    Json(json!({"status": "ok", "emulators": state.emulators}))
}

async fn unknown_path(State(state): State<ControlState>, req: Request) -> Response {
    control_error(
        StatusCode::NOT_FOUND,
        format!(
            "no emulator serves `{}`; emulators live under /{{id}}/…, available: {}",
            req.uri().path(),
            state.emulators.join(", ")
        ),
    )
    .into_response()
}

async fn list_emulators(State(state): State<ControlState>) -> Json<Value> {
    let list: Vec<Value> = state
        .emulators
        .iter()
        .map(|id| json!({"id": id, "path": format!("/{id}")}))
        .collect();
    Json(Value::Array(list))
}

async fn get_faults(State(state): State<ControlState>) -> Response {
    Json(state.sandbox.faults()).into_response()
}

async fn post_faults(State(state): State<ControlState>, body: Bytes) -> Response {
    let result = (|| {
        let mut map = json_object(&body)?;
        let tenant = take_string(&mut map, "tenant")?;
        let emulator = take_string(&mut map, "emulator")?;
        state.check_emulator(emulator.as_deref())?;
        let config: FaultConfig = serde_json::from_value(Value::Object(map))
            .map_err(|e| control_error(StatusCode::BAD_REQUEST, e.to_string()))?;
        let scope = FaultScope { tenant, emulator };
        state
            .sandbox
            .set_faults(scope.clone(), config.clone())
            .map_err(|e| control_error(StatusCode::BAD_REQUEST, e.to_string()))?;
        Ok::<_, ControlError>(
            json!({"tenant": scope.tenant, "emulator": scope.emulator, "config": config}),
        )
    })();
    match result {
        Ok(view) => (StatusCode::OK, Json(view)).into_response(),
        Err(error) => error.into_response(),
    }
}

#[derive(Deserialize)]
struct FaultFilter {
    tenant: Option<String>,
    emulator: Option<String>,
}

async fn get_requests(
    State(state): State<ControlState>,
    Query(filter): Query<FaultFilter>,
) -> Response {
    let list: Vec<RequestRecord> = state
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| filter.tenant.is_none() || r.tenant == filter.tenant)
        .filter(|r| filter.emulator.as_deref().is_none_or(|e| r.emulator == e))
        .collect();
    Json(list).into_response()
}

async fn delete_requests(State(state): State<ControlState>) -> Response {
    state.sandbox.clear_requests();
    Json(json!({"cleared": true})).into_response()
}

async fn delete_faults(
    State(state): State<ControlState>,
    Query(filter): Query<FaultFilter>,
) -> Response {
    let removed = state
        .sandbox
        .fault_table()
        .clear_matching(filter.tenant.as_deref(), filter.emulator.as_deref());
    Json(json!({"removed": removed})).into_response()
}

async fn reset(State(state): State<ControlState>, body: Bytes) -> Response {
    let result = (|| {
        let mut map = json_object(&body)?;
        let tenant = take_string(&mut map, "tenant")?;
        if let Some(field) = map.keys().next() {
            return Err(control_error(
                StatusCode::BAD_REQUEST,
                format!("field `{field}`: unknown (only `tenant` is accepted)"),
            ));
        }
        Ok::<_, ControlError>(tenant)
    })();
    match result {
        Ok(Some(tenant)) => {
            state.sandbox.reset_tenant(&tenant);
            Json(json!({"reset": "tenant"})).into_response()
        }
        Ok(None) => {
            state.sandbox.reset();
            Json(json!({"reset": "all"})).into_response()
        }
        Err(error) => error.into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedRequest {
    emulator: String,
    tenant: String,
    n: usize,
}

async fn seed(State(state): State<ControlState>, body: Bytes) -> Response {
    let request: SeedRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return control_error(StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    let Some(id) = state
        .emulators
        .iter()
        .copied()
        .find(|id| *id == request.emulator)
    else {
        return state
            .check_emulator(Some(&request.emulator))
            .err()
            .unwrap_or_else(|| control_error(StatusCode::BAD_REQUEST, "field `emulator`: unknown"))
            .into_response();
    };
    if state
        .sandbox
        .emulator(id)
        .seed_tenant(&request.tenant, request.n)
    {
        Json(json!({"seeded": request.n})).into_response()
    } else {
        control_error(
            StatusCode::BAD_REQUEST,
            format!("field `emulator`: `{id}` has no seed function"),
        )
        .into_response()
    }
}
