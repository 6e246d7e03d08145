//! Snapshot tests of the pure mapping, both directions, over the fixtures:
//! unified request bodies (`fixtures/requests/<resource>/<dialect>_*.json`) → Salesforce bodies, and
//! Salesforce records (`fixtures/<object>/*.json`) → both dialects.

use std::path::Path;

use connector_salesforce::Salesforce;
use serde_json::{json, Value};
use unicrm_core::dialect::{self, Dialect};
use unicrm_core::{Connector, Error, Resource};
use unicrm_testkit::snapshot;

fn error_json(e: &Error) -> Value {
    json!({
        "error": e.kind(),
        "http_status": e.http_status(),
        "message": e.to_string(),
        "provider": e.provider_details(),
    })
}

#[test]
fn unified_requests_to_salesforce_bodies() {
    insta::glob!("../../fixtures", "requests/*/*.json", |path| {
        let out = snapshot::request_to_provider(&Salesforce, path, error_json);
        insta::assert_json_snapshot!(out);
    });
}

#[test]
fn salesforce_records_to_both_dialects() {
    insta::glob!(
        "../../fixtures",
        "{contact,lead,opportunity,event,account}/*.json",
        |path| {
            let resource = match snapshot::fixture_folder(path).as_str() {
                "opportunity" => Resource::Deal,
                "event" => Resource::Meeting,
                other => snapshot::resource_named(other),
            };
            let payload: Value = serde_json::from_slice(&std::fs::read(path).expect("fixture"))
                .expect("fixture is JSON");
            let record = Salesforce.from_provider(resource, &payload).expect("maps");
            let out = snapshot::render_both(&record);
            insta::assert_json_snapshot!(out);
        }
    );
}

#[test]
fn a_read_record_written_back_gives_the_same_fields() {
    // from_provider → to_provider → from_provider keeps every mapped value.
    for (dir, resource) in [
        ("contact", Resource::Contact),
        ("lead", Resource::Lead),
        ("opportunity", Resource::Deal),
        ("event", Resource::Meeting),
        ("account", Resource::Account),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(dir)
            .join("record.json");
        let payload: Value =
            serde_json::from_slice(&std::fs::read(&path).expect("fixture")).expect("json");
        let first = Salesforce.from_provider(resource, &payload).expect("read");
        let body = Salesforce.to_provider(&first).expect("write");
        let mut echoed = body.as_object().cloned().expect("object");
        for (k, v) in payload.as_object().expect("object") {
            // What Salesforce adds on its own side (ids, timestamps, relationships, derived).
            echoed.entry(k.clone()).or_insert_with(|| v.clone());
        }
        let second = Salesforce
            .from_provider(resource, &Value::Object(echoed))
            .expect("read again");
        assert_eq!(
            dialect::render(Dialect::V1, &first),
            dialect::render(Dialect::V1, &second),
            "{dir}"
        );
    }
}
