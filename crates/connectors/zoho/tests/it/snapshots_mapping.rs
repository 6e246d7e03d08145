//! Snapshot tests of the pure mapping, both directions, over the fixtures:
//! unified request bodies (`fixtures/requests/<resource>/<dialect>_*.json`) → Zoho records, and
//! Zoho records (`fixtures/<resource>/*.json`) → both dialects.

use std::path::Path;

use connector_zoho::Zoho;
use serde_json::{json, Value};
use unicrm_core::{Connector, Error, Record, Resource};
use unicrm_testkit::snapshot;

fn error_json(e: &Error) -> Value {
    let field = match e {
        Error::InvalidInput { field, .. } => Some(field.clone()),
        _ => None,
    };
    json!({
        "error": e.kind(),
        "field": field,
        "http_status": e.http_status(),
        "message": e.to_string(),
    })
}

#[test]
fn unified_requests_to_zoho_records() {
    insta::glob!("../../fixtures", "requests/*/*.json", |path| {
        let out = snapshot::request_to_provider(&Zoho, path, error_json);
        insta::assert_json_snapshot!(out);
    });
}

#[test]
fn zoho_records_to_both_dialects() {
    insta::glob!(
        "../../fixtures",
        "{contact,lead,deal,meeting,account}/*.json",
        |path| {
            let resource = snapshot::fixture_resource(path);
            let payload: Value = serde_json::from_slice(&std::fs::read(path).expect("fixture"))
                .expect("fixture is JSON");
            let record = Zoho.from_provider(resource, &payload).expect("maps");
            insta::assert_json_snapshot!(snapshot::render_both(&record));
        }
    );
}

fn without_read_only(record: &mut Record) {
    // Fields Zoho sets: not part of what a write sends.
    match record {
        Record::Contact(r) => r.custom_fields.clear(),
        Record::Lead(r) => r.custom_fields.clear(),
        Record::Deal(r) => r.custom_fields.clear(),
        Record::Meeting(r) => r.custom_fields.clear(),
        Record::Account(r) => r.custom_fields.clear(),
    }
}

#[test]
fn a_read_record_written_back_gives_the_same_fields() {
    for (file, resource) in [
        ("contact/record_full.json", Resource::Contact),
        ("lead/get_response_oas.json", Resource::Lead),
        ("deal/record_full.json", Resource::Deal),
        ("meeting/events_response_doc.json", Resource::Meeting),
        ("account/record_full.json", Resource::Account),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(file);
        let payload: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let mut first = Zoho.from_provider(resource, &payload).unwrap();
        without_read_only(&mut first);
        let written = Zoho.to_provider(&first).unwrap();
        let mut again = Zoho.from_provider(resource, &written).unwrap();
        without_read_only(&mut again);
        let strip = |r: &Record| {
            let mut v = serde_json::to_value(r).unwrap();
            let o = v.as_object_mut().unwrap();
            // `company_name` of a contact is the Account lookup's name: Zoho fills it on read.
            for k in [
                "id",
                "remote_id",
                "created_at",
                "updated_at",
                "company_name",
            ] {
                o.remove(k);
            }
            // The owner's name and e-mail are read-only (resolved through the users API).
            if let Some(owner) = o.get_mut("owner").and_then(Value::as_object_mut) {
                owner.remove("name");
                owner.remove("email");
            }
            v
        };
        assert_eq!(strip(&first), strip(&again), "{file}");
    }
}
