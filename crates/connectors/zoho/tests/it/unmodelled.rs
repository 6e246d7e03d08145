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

const EMULATOR: &str = "zoho";

#[tokio::test]
async fn unknown_endpoints_are_zohos_invalid_url_pattern() {
    let sb = sandbox().await;
    let auth = "Zoho-oauthtoken tok-404";
    for (method, path) in [
        ("GET", "/crm/v8/no/such/api"),
        ("GET", "/crm/v8/settings/modules"),
        ("POST", "/crm/v8/coql"),
        ("GET", "/crm/v8/users"),
        ("GET", "/crm/v8/Leads/actions"),
    ] {
        let (status, body) = send(&sb, method, path, auth).await;
        assert_eq!(status, 404, "{method} {path}: {body}");
        assert_eq!(
            body["code"], "INVALID_URL_PATTERN",
            "{method} {path}: {body}"
        );
        assert_eq!(body["status"], "error");
    }
    // An unknown module name is still Zoho's INVALID_MODULE.
    let (status, body) = send(&sb, "GET", "/crm/v8/Widgets", auth).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "INVALID_MODULE", "{body}");
}
