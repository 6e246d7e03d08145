//! # unicrm-testkit
//!
//! What every connector's tests share:
//!
//! * [`run_conformance`]: the conformance suite every connector passes against its own sandbox
//!   emulator (see the function for the list of checks);
//! * [`insta_settings`] / [`redact`]: snapshot settings that redact ids and timestamps;
//! * [`load_fixture`]: reads a JSON fixture with a clear message when it is missing or invalid;
//! * [`snapshot`]: the fixture readers and views the connectors' snapshot tests share;
//! * [`conformance_test!`]: the one line a connector crate's test binary runs the suite with;
//! * [`testcrm`]: the one test-only CRM (connector and emulator) of the gateway's end-to-end
//!   tests and of the suite's own tests, registered where wanted with [`register_testcrm!`].
//!
//! ```no_run
//! # async fn run(connector: std::sync::Arc<dyn unicrm_core::Connector>) {
//! let sandbox = unicrm_sandbox::spawn("127.0.0.1:0").await.expect("sandbox");
//! match unicrm_testkit::run_conformance(connector, &sandbox).await {
//!     Ok(report) => println!("{report}"),
//!     Err(failure) => panic!("{failure}"),
//! }
//! # }
//! ```
#![deny(missing_docs)]

mod conformance;
mod samples;
pub mod snapshot;
pub mod testcrm;

#[doc(hidden)]
pub use unicrm_core as __unicrm_core;
#[doc(hidden)]
pub use unicrm_sandbox as __unicrm_sandbox;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use conformance::{
    run_conformance, run_conformance_with, sandbox_context, Check, Failure, Options, Outcome,
    Report,
};

/// The one line a connector crate's test binary needs to run the whole conformance suite: a
/// `#[tokio::test] fn conformance` that spawns a sandbox with every linked emulator, runs
/// [`assert_conformance`] for the connector against the emulator registered under its id, and
/// fails when a check fails or a check its declared capabilities require did not pass
/// ([`Report::required`]). Known gaps and uniqueness rules come from the connector's
/// [`ConnectorInfo`](unicrm_core::ConnectorInfo) (`with_known_gaps`, `with_unique_fields`), so
/// they are declared once, next to its capabilities. The crate needs `tokio` as a
/// dev-dependency and itself with its `sandbox` feature (to link its emulator).
///
/// ```ignore
/// // crates/connectors/acme/tests/it/main.rs
/// unicrm_testkit::conformance_test!(connector_acme::Acme::default());
/// ```
#[macro_export]
macro_rules! conformance_test {
    ($connector:expr $(,)?) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn conformance() {
            $crate::assert_conformance(::std::sync::Arc::new($connector)).await;
        }
    };
}

/// Spawns a fresh sandbox, runs the conformance suite for `connector` against its emulator,
/// prints the report and returns it; panics with the report when a check fails. For a
/// connector crate's own test: `unicrm_testkit::assert_conformance(Arc::new(Acme::default())).await;`
pub async fn assert_conformance(connector: std::sync::Arc<dyn unicrm_core::Connector>) -> Report {
    assert_conformance_with(connector, Options::default()).await
}

/// [`assert_conformance`] with options (e.g. [`Options::known_failure`]).
pub async fn assert_conformance_with(
    connector: std::sync::Arc<dyn unicrm_core::Connector>,
    options: Options,
) -> Report {
    let sandbox = match unicrm_sandbox::spawn("127.0.0.1:0").await {
        Ok(sandbox) => sandbox,
        Err(e) => panic!("cannot start the sandbox: {e}"),
    };
    let result = run_conformance_with(connector, &sandbox, options).await;
    sandbox.shutdown().await;
    match result {
        Ok(report) => {
            println!("{report}");
            report
        }
        Err(failure) => panic!("{failure}"),
    }
}

/// Keys whose values differ on every run: ids and timestamps, in both the unified spellings and
/// the common provider spellings. [`insta_settings`] and [`redact`] replace them.
pub const REDACTED_KEYS: &[(&str, &str)] = &[
    ("id", "[id]"),
    ("remote_id", "[id]"),
    ("Id", "[id]"),
    ("hs_object_id", "[id]"),
    ("correlationId", "[id]"),
    ("requestId", "[id]"),
    ("created_at", "[timestamp]"),
    ("updated_at", "[timestamp]"),
    ("createdAt", "[timestamp]"),
    ("updatedAt", "[timestamp]"),
    ("CreatedDate", "[timestamp]"),
    ("LastModifiedDate", "[timestamp]"),
    ("SystemModstamp", "[timestamp]"),
    ("createdate", "[timestamp]"),
    ("lastmodifieddate", "[timestamp]"),
    ("hs_lastmodifieddate", "[timestamp]"),
];

/// insta settings for snapshots of unified records and provider payloads: every key of
/// [`REDACTED_KEYS`] at any depth is redacted, and maps are sorted.
///
/// ```ignore
/// unicrm_testkit::insta_settings().bind(|| insta::assert_json_snapshot!(record));
/// ```
pub fn insta_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_sort_maps(true);
    for (key, replacement) in REDACTED_KEYS {
        settings.add_redaction(&format!(".**.{key}"), *replacement);
        settings.add_redaction(&format!(".{key}"), *replacement);
    }
    settings
}

/// Redacts every key of [`REDACTED_KEYS`] (at any depth, non-null values only) in a JSON value,
/// for assertions or snapshots outside insta settings.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match REDACTED_KEYS.iter().find(|(k, _)| k == key) {
                    Some((_, replacement)) if !v.is_null() => {
                        *v = Value::String((*replacement).to_owned());
                    }
                    _ => redact(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// Why a fixture could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FixtureError {
    /// The file could not be read.
    #[error("fixture {path}: cannot read: {source}")]
    Read {
        /// The path tried.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid JSON.
    #[error("fixture {path}: invalid JSON: {source}")]
    Json {
        /// The path tried.
        path: PathBuf,
        /// The parse error (with line and column).
        source: serde_json::Error,
    },
}

/// Reads and parses a JSON fixture (a relative path is relative to the current directory, which
/// `cargo test` sets to the package root).
pub fn try_load_fixture(path: impl AsRef<Path>) -> Result<Value, FixtureError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| FixtureError::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| FixtureError::Json {
        path: path.to_owned(),
        source,
    })
}

/// Reads and parses a JSON fixture, panicking with the path and reason when it cannot (for tests).
#[track_caller]
pub fn load_fixture(path: impl AsRef<Path>) -> Value {
    match try_load_fixture(path) {
        Ok(value) => value,
        Err(e) => panic!("{e}"),
    }
}

/// Sends `method path` with `auth` as the `Authorization` header and a `{}` JSON body straight
/// to emulator `emulator` of `sb` (no connector in between, for checks of the emulator's own
/// answers); answers the status and the body (`Value::Null` when empty). Panics on a transport
/// failure or a non-JSON body: test use only.
pub async fn send_raw(
    sb: &unicrm_sandbox::RunningSandbox,
    emulator: &str,
    method: &str,
    path: &str,
    auth: &str,
) -> (u16, serde_json::Value) {
    let url = format!("{}{path}", sb.base_url(emulator));
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let response = reqwest::Client::new()
        .request(method, url)
        .header("authorization", auth)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("JSON body")
    };
    (status, body)
}
