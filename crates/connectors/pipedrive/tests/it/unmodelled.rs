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

const EMULATOR: &str = "pipedrive";

#[tokio::test]
async fn unknown_endpoints_are_pipedrives_error_envelope() {
    let sb = sandbox().await;
    for (method, path) in [
        ("GET", "/api/v2/no-such-api"),
        ("GET", "/api/v2/deals/search"),
        ("GET", "/v1/users/me"),
        ("GET", "/v1/leads/search"),
        ("PATCH", "/api/v2/persons/collection"),
    ] {
        let (status, body) = send(&sb, method, path, "Bearer tok-404").await;
        assert_eq!(status, 404, "{method} {path}: {body}");
        assert_eq!(body["success"], false, "{method} {path}: {body}");
        assert_eq!(
            body["error"], "Resource unavailable",
            "{method} {path}: {body}"
        );
        assert!(body["error_info"].is_string(), "{body}");
    }
    // A record id that does not exist is a record lookup.
    let (status, body) = send(&sb, "GET", "/api/v2/deals/987654", "Bearer tok-404").await;
    assert_eq!(status, 404);
    assert_ne!(body["error"], "Resource unavailable", "{body}");
}
