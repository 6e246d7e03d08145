//! Paths the emulator does not model answer in the provider's own 404 format, and `{id}` routes
//! do not take literal sub-paths for record ids.

use serde_json::Value;
use unicrm_sandbox::RunningSandbox;

async fn sandbox() -> RunningSandbox {
    unicrm_sandbox::spawn("127.0.0.1:0").await.expect("sandbox")
}

async fn send(sb: &RunningSandbox, method: &str, path: &str, auth: &str) -> (u16, Value) {
    unicrm_testkit::send_raw(sb, EMULATOR, method, path, auth).await
}

const EMULATOR: &str = "close";

#[tokio::test]
async fn unknown_endpoints_are_closes_empty_404() {
    let sb = sandbox().await;
    // Close authenticates with Basic `key:`.
    let auth = "Basic YXBpX2tleS00MDQ6";
    for (method, path) in [
        ("GET", "/api/v1/no_such_thing/"),
        ("POST", "/api/v1/lead/merge/"),
        ("GET", "/api/v1/opportunity/search/"),
        ("GET", "/api/v1/user/me/"),
    ] {
        let (status, body) = send(&sb, method, path, auth).await;
        assert_eq!((status, body), (404, Value::Null), "{method} {path}");
    }
    // A record id that does not exist is a record lookup, with Close's JSON error.
    let id = format!("lead_{}", "a".repeat(43));
    let (status, body) = send(&sb, "GET", &format!("/api/v1/lead/{id}/"), auth).await;
    assert_eq!(status, 404);
    assert!(body["error"].is_string(), "{body}");
}
