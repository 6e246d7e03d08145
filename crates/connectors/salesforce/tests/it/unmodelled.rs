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

const EMULATOR: &str = "salesforce";

#[tokio::test]
async fn unknown_endpoints_are_salesforces_not_found_array() {
    let sb = sandbox().await;
    for (method, path) in [
        ("GET", "/services/data/v62.0/no-such-resource"),
        ("GET", "/services/data/v62.0/sobjects/Contact/updated"),
        ("GET", "/services/data/v62.0/sobjects/Account/listviews"),
        ("GET", "/services/apexrest/anything"),
    ] {
        let (status, body) = send(&sb, method, path, "Bearer tok-404").await;
        assert_eq!(status, 404, "{method} {path}: {body}");
        assert_eq!(body[0]["errorCode"], "NOT_FOUND", "{method} {path}: {body}");
        assert_eq!(body[0]["message"], "The requested resource does not exist");
    }
}
