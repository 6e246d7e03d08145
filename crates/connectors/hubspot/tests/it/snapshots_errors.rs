//! Snapshots of `parse_error` over every documented HubSpot error in `fixtures/errors/`
//! (each file: `{status, headers, body}`; the body is HubSpot's, the wrapper ours).

use connector_hubspot::error::parse_error;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{json, Value};

fn view(e: &unicrm_core::Error) -> Value {
    let (field, existing_id, retry_after_ms) = match e {
        unicrm_core::Error::InvalidInput { field, .. } => (Some(field.clone()), None, None),
        unicrm_core::Error::Conflict { existing_id, .. } => (None, existing_id.clone(), None),
        unicrm_core::Error::RateLimited { retry_after, .. } => {
            (None, None, retry_after.map(|d| d.as_millis() as u64))
        }
        _ => (None, None, None),
    };
    json!({
        "kind": e.kind(),
        "gateway_status": e.http_status(),
        "temporary": e.is_temporary(),
        "display": e.to_string(),
        "field": field,
        "existing_id": existing_id,
        "retry_after_ms": retry_after_ms,
        "provider": e.provider_details(),
    })
}

#[test]
fn documented_errors() {
    insta::glob!("../../fixtures", "errors/*.json", |path| {
        let text = std::fs::read_to_string(path).expect("fixture readable");
        let f: Value = serde_json::from_str(&text).expect("fixture is JSON");
        let status = f["status"].as_u64().expect("status") as u16;
        let mut headers = HeaderMap::new();
        for (k, v) in f["headers"].as_object().expect("headers") {
            headers.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v.as_str().unwrap()).unwrap(),
            );
        }
        let body = match &f["body"] {
            Value::Null => Vec::new(),
            Value::String(s) => s.clone().into_bytes(),
            other => serde_json::to_vec(other).unwrap(),
        };
        insta::assert_json_snapshot!(view(&parse_error(status, &headers, &body)));
    });
}
