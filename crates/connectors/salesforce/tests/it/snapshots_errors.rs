//! Snapshot tests of `parse_error` over every documented error body in `fixtures/errors/`
//! (file names start with the HTTP status the body comes with).

use connector_salesforce::parse_error;
use http::{HeaderMap, HeaderValue};
use serde_json::json;

#[test]
fn documented_errors() {
    insta::glob!("../../fixtures", "errors/*.json", |path| {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let status: u16 = name[..3].parse().expect("file name starts with the status");
        let body = std::fs::read(path).expect("fixture");
        let mut headers = HeaderMap::new();
        headers.insert(
            "Sforce-Limit-Info",
            HeaderValue::from_static("api-usage=100018/100000"),
        );
        let e = parse_error(status, &headers, &body);
        let extra = match &e {
            unicrm_core::Error::Conflict { existing_id, .. } => {
                json!({ "existing_id": existing_id })
            }
            unicrm_core::Error::RateLimited { retry_after, .. } => {
                json!({ "retry_after": retry_after.map(|d| d.as_secs()) })
            }
            unicrm_core::Error::InvalidInput { field, .. } => json!({ "field": field }),
            _ => json!({}),
        };
        insta::assert_json_snapshot!(json!({
            "error": e.kind(),
            "http_status": e.http_status(),
            "message": e.to_string(),
            "temporary": e.is_temporary(),
            "extra": extra,
            "provider": e.provider_details(),
        }));
    });
}

#[test]
fn a_body_that_is_not_json_is_kept() {
    let e = parse_error(503, &HeaderMap::new(), b"<html>Service Unavailable</html>");
    assert_eq!(e.kind(), "provider_error");
    assert!(e.is_temporary());
    assert!(e.to_string().contains("Service Unavailable"), "{e}");
}
