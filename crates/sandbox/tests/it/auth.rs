use http::{HeaderMap, HeaderValue, Uri};
use serde_json::{json, Value};
use unicrm_sandbox::auth::{credential, is_reserved_rejected, Credential};

use crate::{client, get_json, start, url};

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, HeaderValue::from_str(v).unwrap());
    }
    h
}

#[test]
fn credentials_are_found_in_every_usual_place() {
    let plain: Uri = "/x".parse().unwrap();
    let c = credential(&headers(&[("authorization", "Bearer pat-na1-123")]), &plain).unwrap();
    assert_eq!(c, Credential::Bearer("pat-na1-123".into()));
    assert_eq!(c.token(), "pat-na1-123");
    let c = credential(&headers(&[("authorization", "bearer  spaced ")]), &plain).unwrap();
    assert_eq!(c.token(), "spaced");
    // StackOne style: Basic base64("<key>:")
    let c = credential(
        &headers(&[("authorization", "Basic c2tfdGVzdF8xOg==")]),
        &plain,
    )
    .unwrap();
    assert_eq!(c.token(), "sk_test_1");
    // Basic with an empty user: the password names the account.
    let c = credential(&headers(&[("authorization", "Basic OmtleTI=")]), &plain).unwrap();
    assert_eq!(c.token(), "key2");
    let c = credential(
        &headers(&[("authorization", "Zoho-oauthtoken 1000.abc")]),
        &plain,
    )
    .unwrap();
    assert_eq!(c.token(), "1000.abc");
    let c = credential(&headers(&[("x-api-token", "pd-key")]), &plain).unwrap();
    assert_eq!(c.token(), "pd-key");
    let q: Uri = "/v1/persons?start=0&api_token=a%2Bb%20c".parse().unwrap();
    let c = credential(&HeaderMap::new(), &q).unwrap();
    assert_eq!(c.token(), "a+b c");
    assert!(credential(&HeaderMap::new(), &plain).is_none());
    assert!(credential(&HeaderMap::new(), &"/x?other=1".parse().unwrap()).is_none());
    // Debug never shows the secret.
    let dbg = format!("{:?}", Credential::Bearer("secret-value".into()));
    assert!(!dbg.contains("secret-value"), "{dbg}");
}

#[test]
fn reserved_tokens_are_rejected() {
    for t in [
        "",
        "  ",
        "invalid",
        "INVALID-token",
        "expired-1",
        "revoked_x",
    ] {
        assert!(is_reserved_rejected(t), "{t:?}");
    }
    for t in ["valid", "sk_test_invalid", "tok"] {
        assert!(!is_reserved_rejected(t), "{t:?}");
    }
}

#[tokio::test]
async fn missing_and_rejected_credentials_get_the_providers_401() {
    let sb = start().await;
    let resp = client().get(url(&sb, "/v1/items")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body, json!({"kind": "auth", "problem": "missing"}));

    let (status, body) = get_json(&sb, "invalid-token", "/v1/items").await;
    assert_eq!(
        (status, body),
        (401, json!({"kind": "auth", "problem": "rejected"}))
    );

    let (status, _) = get_json(&sb, "good", "/v1/items").await;
    assert_eq!(status, 200);
    sb.sandbox.revoke_token("good");
    let (status, body) = get_json(&sb, "good", "/v1/items").await;
    assert_eq!((status, body["problem"].clone()), (401, json!("rejected")));
    sb.sandbox.restore_token("good");
    let (status, _) = get_json(&sb, "good", "/v1/items").await;
    assert_eq!(status, 200);

    // The extractor exposes the token and the emulator's public base URL.
    let (_, who) = get_json(&sb, "tok-who", "/v1/whoami").await;
    assert_eq!(who["token"], "tok-who");
    assert_eq!(who["base"], sb.base_url("testemu"));
}
