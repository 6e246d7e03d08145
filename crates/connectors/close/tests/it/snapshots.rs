//! Snapshot tests of the pure mapping, both directions, over the fixtures, and of every
//! documented error answer:
//! * unified request bodies (`fixtures/requests/<resource>/<dialect>_*.json`) → Close bodies;
//! * Close records (`fixtures/{contact,lead,opportunity,meeting}/*.json`) → both dialects (a Close
//!   lead is shown as the unified account and as the unified lead);
//! * error answers (`fixtures/errors/*.json`: status, headers, body) → unicrm errors.

use std::path::Path;

use connector_close::{parse_error, Close};
use serde_json::{json, Value};
use unicrm_core::dialect::{self, Dialect};
use unicrm_core::{Connector, Error, Resource};
use unicrm_testkit::snapshot;
use unicrm_testkit::snapshot::render_both;

fn error_json(e: &Error) -> Value {
    let retry_after = match e {
        Error::RateLimited { retry_after, .. } => retry_after.map(|d| d.as_secs_f64()),
        _ => None,
    };
    json!({
        "error": e.kind(),
        "http_status": e.http_status(),
        "message": e.to_string(),
        "retry_after_secs": retry_after,
        "provider": e.provider_details(),
    })
}

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("fixture is JSON")
}

#[test]
fn unified_requests_to_close_bodies() {
    insta::glob!("../../fixtures", "requests/*/*.json", |path| {
        let out = snapshot::request_to_provider(&Close, path, error_json);
        insta::assert_json_snapshot!(out);
    });
}

#[test]
fn close_records_to_both_dialects() {
    insta::glob!(
        "../../fixtures",
        "{contact,lead,opportunity,meeting}/*.json",
        |path| {
            let payload = read(path);
            let out = match snapshot::fixture_folder(path).as_str() {
                "lead" => json!({
                    "as_account": render_both(&Close.from_provider(Resource::Account, &payload).expect("account")),
                    "as_lead": render_both(&Close.from_provider(Resource::Lead, &payload).expect("lead")),
                }),
                "contact" => render_both(
                    &Close
                        .from_provider(Resource::Contact, &payload)
                        .expect("maps"),
                ),
                "opportunity" => {
                    render_both(&Close.from_provider(Resource::Deal, &payload).expect("maps"))
                }
                _ => render_both(
                    &Close
                        .from_provider(Resource::Meeting, &payload)
                        .expect("maps"),
                ),
            };
            insta::assert_json_snapshot!(out);
        }
    );
}

#[test]
fn documented_errors() {
    insta::glob!("../../fixtures", "errors/*.json", |path| {
        let f = snapshot::error_fixture(path);
        insta::assert_json_snapshot!(error_json(&parse_error(f.status, &f.headers, &f.body)));
    });
}

#[test]
fn a_read_record_written_back_gives_the_same_fields() {
    // from_provider → to_provider → from_provider keeps every mapped value.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for (file, resource) in [
        (
            "contact/update_contact_response_custom_field.json",
            Resource::Contact,
        ),
        ("lead/list_item_custom_field.json", Resource::Account),
        ("opportunity/list_item.json", Resource::Deal),
    ] {
        let payload = read(&dir.join(file));
        let first = Close.from_provider(resource, &payload).expect("read");
        let mut body = Close.to_provider(&first).expect("write");
        let echoed = body.as_object_mut().expect("object");
        for (k, v) in payload.as_object().expect("object") {
            // What Close adds on its own side (ids, timestamps, derived fields).
            echoed.entry(k.clone()).or_insert_with(|| v.clone());
        }
        let second = Close
            .from_provider(resource, &Value::Object(echoed.clone()))
            .expect("read again");
        assert_eq!(
            dialect::render(Dialect::V1, &first),
            dialect::render(Dialect::V1, &second),
            "{file}"
        );
    }
}

#[test]
fn custom_field_definitions_from_close() {
    insta::glob!("../../fixtures", "custom_fields/*.json", |path| {
        let list: connector_close::wire::ListResponse<connector_close::wire::CustomFieldDef> =
            serde_json::from_value(read(path)).expect("a Close custom field list");
        let defs: Vec<_> = list
            .data
            .iter()
            .map(connector_close::mapping::definitions::definition_from_wire)
            .collect();
        insta::assert_json_snapshot!(defs);
    });
}

#[test]
fn opportunity_statuses_parse() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/statuses/opportunity_list.json");
    let list: connector_close::wire::ListResponse<connector_close::wire::Status> =
        serde_json::from_value(read(&path)).expect("a Close status list");
    let types: Vec<_> = list
        .data
        .iter()
        .map(|s| (s.label.as_str(), s.status_type.as_deref()))
        .collect();
    assert_eq!(
        types,
        [
            ("Active", Some("active")),
            ("Won", Some("won")),
            ("Lost", Some("lost")),
            ("On hold", Some("active"))
        ]
    );
}
