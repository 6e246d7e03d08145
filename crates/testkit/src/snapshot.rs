//! The snapshot harness every connector's `tests/it/snapshots*.rs` share: reading fixtures by
//! folder (`fixtures/<resource>/*.json`, `fixtures/requests/<resource>/<dialect>_*.json`,
//! `fixtures/errors/<status>_*.json` or `{status, headers, body}` wrappers) and the views the
//! snapshots store (a record in both dialects, a unified request as the provider body, an error
//! with its kind, gateway status and provider details).
//!
//! ```ignore
//! insta::glob!("../../fixtures", "requests/*/*.json", |path| {
//!     let out = unicrm_testkit::snapshot::request_to_provider(&Acme, path, error_json);
//!     insta::assert_json_snapshot!(out);
//! });
//! ```

use std::path::Path;

use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{json, Value};
use unicrm_core::dialect::{self, Dialect};
use unicrm_core::{Connector, Error, Record, Resource};

/// The name of the folder a fixture is in (`fixtures/contact/x.json` → `contact`).
pub fn fixture_folder(path: &Path) -> String {
    path.parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned()
}

/// The resource a folder is named after (`contact`, `deal` …); panics with the folder name for
/// one that is not a resource.
#[track_caller]
pub fn resource_named(folder: &str) -> Resource {
    Resource::parse(folder).unwrap_or_else(|| panic!("fixture folder {folder} is not a resource"))
}

/// The resource of the folder a fixture is in (see [`resource_named`]).
#[track_caller]
pub fn fixture_resource(path: &Path) -> Resource {
    resource_named(&fixture_folder(path))
}

/// The dialect a request fixture is written in: `v1_*.json` the v1 dialect, any other name the
/// unified one.
pub fn request_dialect(path: &Path) -> Dialect {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if name.starts_with("v1_") {
        Dialect::V1
    } else {
        Dialect::Unified
    }
}

/// The HTTP status an error fixture's file name starts with (`404_not_found.json` → 404).
#[track_caller]
pub fn fixture_status(path: &Path) -> u16 {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name.get(..3)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("fixture {name}: the file name does not start with a status"))
}

/// A record as both dialects render it: `{"v1": …, "unified": …}`.
pub fn render_both(record: &Record) -> Value {
    json!({
        "v1": dialect::render(Dialect::V1, record),
        "unified": dialect::render(Dialect::Unified, record),
    })
}

/// A request fixture (`requests/<resource>/<dialect>_*.json`) mapped to the provider's body:
/// `{"body": …}`, or `error_view` of the error the mapping answers.
pub fn request_to_provider(
    connector: &dyn Connector,
    path: &Path,
    error_view: impl FnOnce(&Error) -> Value,
) -> Value {
    let resource = fixture_resource(path);
    let bytes = std::fs::read(path).expect("fixture");
    match dialect::request_to_provider(connector, request_dialect(path), resource, &bytes) {
        Ok(body) => json!({ "body": body }),
        Err(e) => error_view(&e),
    }
}

/// A provider error answer as stored in an error fixture wrapper.
#[derive(Debug)]
pub struct ErrorFixture {
    /// The HTTP status.
    pub status: u16,
    /// The response headers (names lower-cased).
    pub headers: HeaderMap,
    /// The body as the provider sent it.
    pub body: Vec<u8>,
}

/// Reads an error fixture written as `{"status": 429, "headers": {…}, "body": …}`; a string body
/// is the raw text the provider sent, `null` (or none) an empty body, any other body its JSON.
#[track_caller]
pub fn error_fixture(path: &Path) -> ErrorFixture {
    let fixture = crate::load_fixture(path);
    let status = fixture["status"].as_u64().expect("status") as u16;
    let mut headers = HeaderMap::new();
    for (k, v) in fixture["headers"].as_object().expect("headers") {
        headers.insert(
            HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()).expect("name"),
            HeaderValue::from_str(v.as_str().expect("value")).expect("value"),
        );
    }
    let body = match &fixture["body"] {
        Value::Null => Vec::new(),
        Value::String(s) => s.clone().into_bytes(),
        other => serde_json::to_vec(other).expect("json"),
    };
    ErrorFixture {
        status,
        headers,
        body,
    }
}

/// The view of a parsed provider error the `documented_errors` snapshots store: its kind,
/// gateway status, message, whether it is temporary, the provider's details, and `extra` (see
/// [`error_extra`]).
pub fn error_view(e: &Error, extra: Value) -> Value {
    json!({
        "error": e.kind(),
        "http_status": e.http_status(),
        "message": e.to_string(),
        "temporary": e.is_temporary(),
        "extra": extra,
        "provider": e.provider_details(),
    })
}

/// What an error carries beyond its kind: the existing record of a `Conflict`, the whole seconds
/// of a `RateLimited`'s `retry_after`, the field of an `InvalidInput`; `{}` otherwise.
pub fn error_extra(e: &Error) -> Value {
    match e {
        Error::Conflict { existing_id, .. } => json!({ "existing_id": existing_id }),
        Error::RateLimited { retry_after, .. } => {
            json!({ "retry_after": retry_after.map(|d| d.as_secs()) })
        }
        Error::InvalidInput { field, .. } => json!({ "field": field }),
        _ => json!({}),
    }
}
