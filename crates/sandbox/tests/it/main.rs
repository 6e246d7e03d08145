//! Integration tests of the sandbox machinery, against a spawned server and a test-only emulator.

mod auth;
mod emulator;
mod faults;
mod ids;
mod oauth;
mod paging;
mod server;
mod store;

use serde_json::Value;
use unicrm_sandbox::{RunningSandbox, Sandbox};

/// A fresh sandbox server on a free port.
pub async fn start() -> RunningSandbox {
    unicrm_sandbox::spawn("127.0.0.1:0")
        .await
        .expect("spawn sandbox")
}

/// A fresh sandbox server with the given sandbox state.
pub async fn start_with(sandbox: Sandbox) -> RunningSandbox {
    unicrm_sandbox::spawn_with(sandbox, "127.0.0.1:0")
        .await
        .expect("spawn sandbox")
}

/// A client that opens a new connection per request (so dropped connections never affect the
/// next request through a pooled one).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client")
}

/// `base_url("testemu") + path`.
pub fn url(sb: &RunningSandbox, path: &str) -> String {
    format!("{}{path}", sb.base_url(emulator::ID))
}

/// Creates an item as `token`, returns its id.
pub async fn create(sb: &RunningSandbox, token: &str, body: Value) -> String {
    let resp = client()
        .post(url(sb, "/v1/items"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 201, "create failed");
    let v: Value = resp.json().await.expect("json");
    v["id"].as_str().expect("id").to_owned()
}

/// GET as `token`, returning status and JSON body.
pub async fn get_json(sb: &RunningSandbox, token: &str, path: &str) -> (u16, Value) {
    let resp = client()
        .get(url(sb, path))
        .bearer_auth(token)
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, body)
}
