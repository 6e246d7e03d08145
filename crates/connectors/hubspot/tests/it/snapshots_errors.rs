//! Snapshots of `parse_error` over every documented HubSpot error in `fixtures/errors/`
//! (each file: `{status, headers, body}`; the body is HubSpot's, the wrapper ours).

use connector_hubspot::error::parse_error;
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
        let f = unicrm_testkit::snapshot::error_fixture(path);
        insta::assert_json_snapshot!(view(&parse_error(f.status, &f.headers, &f.body)));
    });
}
