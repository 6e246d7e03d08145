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

const EMULATOR: &str = "hubspot";

#[tokio::test]
async fn unknown_endpoints_are_hubspots_bodyless_404() {
    let sb = sandbox().await;
    for (method, path) in [
        ("GET", "/crm/v3/no-such-api"),
        ("GET", "/crm/v3/objects/contacts/search"),
        ("DELETE", "/crm/v3/objects/deals/batch"),
        ("GET", "/crm/v3/objects/companies/merge"),
    ] {
        let (status, body) = send(&sb, method, path, "Bearer tok-404").await;
        assert_eq!((status, body), (404, Value::Null), "{method} {path}");
    }
    // A record id that does not exist is a record lookup: HubSpot's JSON OBJECT_NOT_FOUND.
    let (status, body) = send(
        &sb,
        "GET",
        "/crm/v3/objects/contacts/987654",
        "Bearer tok-404",
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["category"], "OBJECT_NOT_FOUND", "{body}");
}
