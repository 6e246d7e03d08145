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

const EMULATOR: &str = "attio";

#[tokio::test]
async fn unknown_endpoints_are_attios_not_found() {
    let sb = sandbox().await;
    for (method, path) in [
        ("GET", "/v2/no-such-api"),
        ("GET", "/v2/objects/people/records/query"),
        ("POST", "/v2/objects/people/records/search"),
        ("GET", "/v2/meetings/search"),
        ("GET", "/v2/workspace_members/me"),
    ] {
        let (status, body) = send(&sb, method, path, "Bearer tok-404").await;
        assert_eq!(status, 404, "{method} {path}: {body}");
        assert_eq!(body["status_code"], 404);
        assert_eq!(body["type"], "invalid_request_error");
        assert_eq!(body["code"], "not_found");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(path), "{method} {path}: {body}");
    }
    // A record id that does not exist is a record lookup, naming the record.
    let id = "00000000-0000-4000-8000-000000000000";
    let (status, body) = send(
        &sb,
        "GET",
        &format!("/v2/objects/people/records/{id}"),
        "Bearer tok-404",
    )
    .await;
    assert_eq!(status, 404);
    assert!(
        !body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("route"),
        "{body}"
    );
}
