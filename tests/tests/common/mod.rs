//! The end-to-end harness: a sandbox (every linked emulator, the test CRM included) and a gateway
//! on ephemeral loopback ports, over a fresh SQLite store, and HTTP helpers for both dialects.
#![allow(dead_code)]

// The test CRM (`unicrm_testkit::testcrm`), registered in each test binary using this harness.
unicrm_testkit::register_testcrm!();

use base64::Engine as _;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{json, Value};
use unicrm_sandbox::RunningSandbox;
use unicrm_server::store::CreatedProject;
use unicrm_server::{Config, Gateway, Store};

/// A running gateway with its sandbox.
pub struct Harness {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// The sandbox (faults can be set on it).
    pub sandbox: RunningSandbox,
    /// The store behind the gateway.
    pub store: Store,
    /// A project with its keys.
    pub project: CreatedProject,
    /// HTTP client.
    pub http: reqwest::Client,
    dir: std::path::PathBuf,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.server.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts a sandbox and a gateway (SQLite store in a temp dir, one project).
pub async fn start() -> Harness {
    start_with(Config::default()).await
}

/// Starts with a given config (the sandbox URL is filled in).
pub async fn start_with(config: Config) -> Harness {
    let sandbox = unicrm_sandbox::spawn("127.0.0.1:0").await.expect("sandbox");
    let dir = std::env::temp_dir().join(format!("unicrm-e2e-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.join("e2e.db").display());
    let (store, _) = unicrm_server::open_store(&db, None).await.expect("store");
    let project = store.create_project("e2e").await.unwrap();
    let gateway = Gateway::new(store.clone(), config.sandbox_url(sandbox.url()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = unicrm_server::router(gateway);
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Harness {
        url,
        sandbox,
        store,
        project,
        http: reqwest::Client::new(),
        dir,
        server,
    }
}

/// A new, empty database on the PostgreSQL server of `admin_url`: a store keeps one master key
/// (its key verifier), so a test with a key of its own needs a database of its own.
pub async fn postgres_database(admin_url: &str) -> String {
    let name = format!("unicrm_t_{}", uuid::Uuid::new_v4().simple());
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(admin_url).await.expect("PostgreSQL");
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .expect("CREATE DATABASE");
    pool.close().await;
    let mut url = url::Url::parse(admin_url).expect("PostgreSQL URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// `Basic base64(<key>:)`.
pub fn basic(key: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
    )
}

/// A response's status and JSON body (a body that is not JSON fails the test).
pub async fn json(resp: Response) -> (u16, Value, reqwest::header::HeaderMap) {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("status {status}: body is not JSON ({e}): {text}"));
    (status, body, headers)
}

impl Harness {
    /// A dialect "v1" request with the project's test key; `path` starts with `/api/v1/`.
    pub fn v1(&self, method: Method, path: &str) -> RequestBuilder {
        self.v1_with(&self.project.test_key, method, path)
    }

    /// A dialect "v1" request with `key`.
    pub fn v1_with(&self, key: &str, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.url))
            .header("authorization", format!("Bearer {key}"))
    }

    /// A dialect "unified" request with the test key and `x-account-id: account`.
    pub fn unified(&self, method: Method, path: &str, account: &str) -> RequestBuilder {
        self.unified_with(&self.project.test_key, method, path, account)
    }

    /// A dialect "unified" request with `key`.
    pub fn unified_with(
        &self,
        key: &str,
        method: Method,
        path: &str,
        account: &str,
    ) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.url))
            .header("authorization", basic(key))
            .header("x-account-id", account)
    }

    /// Links a sandbox account of the test CRM (or `provider`) for a fresh end user over
    /// `POST /api/v1/accounts`, with a field mapping; answers the account id.
    pub async fn link_sandbox(&self, provider: &str, mapping: Value) -> String {
        let user = format!("user-{}", uuid::Uuid::new_v4());
        let (s, b, _) = json(
            self.v1(Method::POST, "/api/v1/accounts")
                .json(&json!({"provider": provider, "endUserId": user, "fieldMapping": mapping}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        b["data"]["data"]["id"].as_str().unwrap().to_owned()
    }
}

/// Reads a fixture file of the repository (`fixtures/…`).
pub fn fixture(path: &str) -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("fixtures")
        .join(path);
    serde_json::from_str(
        &std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
    )
    .unwrap()
}

/// Asserts that `actual` has every field of `expected` with the same value, except `skip` keys.
pub fn assert_fields(actual: &Value, expected: &Value, skip: &[&str]) {
    let (Some(a), Some(e)) = (actual.as_object(), expected.as_object()) else {
        panic!("expected objects: {actual} vs {expected}");
    };
    for (k, v) in e {
        if skip.contains(&k.as_str()) {
            assert!(a.contains_key(k), "missing field {k} in {actual}");
            continue;
        }
        assert_eq!(
            a.get(k),
            Some(v),
            "field {k} differs: got {:?}, want {v}",
            a.get(k)
        );
    }
}
