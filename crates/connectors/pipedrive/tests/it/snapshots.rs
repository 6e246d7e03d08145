//! Snapshot tests of the pure mapping, both directions, and of `parse_error`, over the cited
//! fixtures (`fixtures/_source.md`):
//! * Pipedrive records (`fixtures/{contact,account,deal,meeting,lead}/*.json`) → both dialects;
//! * unified request bodies (`fixtures/requests/<resource>/{v1,unified}_*.json`) → Pipedrive bodies;
//! * documented error bodies (`fixtures/errors/<status>_*.json`) → unicrm errors;
//! * field definitions, paging envelopes, users and OAuth answers → what the connector reads.

use std::path::Path;

use connector_pipedrive::mapping::definitions::definitions_from_wire;
use connector_pipedrive::wire::{Envelope, Field, TokenResponse, User};
use connector_pipedrive::{parse_error, Pipedrive};
use http::{HeaderMap, HeaderValue};
use serde_json::{json, Map, Value};
use unicrm_core::{Connector, Error, Record, Resource};
use unicrm_testkit::snapshot;

fn error_json(e: &Error) -> Value {
    json!({
        "error": e.kind(),
        "http_status": e.http_status(),
        "message": e.to_string(),
        "provider": e.provider_details(),
    })
}

fn load(path: &Path) -> Value {
    unicrm_testkit::load_fixture(path)
}

#[test]
fn pipedrive_records_to_both_dialects() {
    insta::glob!(
        "../../fixtures",
        "{contact,account,deal,meeting,lead}/*.json",
        |path| {
            let resource = snapshot::fixture_resource(path);
            let record = Pipedrive::default()
                .from_provider(resource, &load(path))
                .expect("maps");
            insta::assert_json_snapshot!(snapshot::render_both(&record));
        }
    );
}

#[test]
fn unified_requests_to_pipedrive_bodies() {
    insta::glob!("../../fixtures", "requests/*/*.json", |path| {
        let out = snapshot::request_to_provider(&Pipedrive::default(), path, error_json);
        insta::assert_json_snapshot!(out);
    });
}

#[test]
fn documented_errors() {
    insta::glob!("../../fixtures", "errors/*.json", |path| {
        let status = snapshot::fixture_status(path);
        let body = std::fs::read(path).expect("fixture");
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-correlation-id",
            HeaderValue::from_static("4fcd6f7f-3b89-4568-891f-6f45382685fa"),
        );
        if status == 429 {
            headers.insert("x-ratelimit-limit", HeaderValue::from_static("40"));
            headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
            headers.insert("x-ratelimit-reset", HeaderValue::from_static("2"));
        }
        let e = parse_error(status, &headers, &body);
        let extra = match &e {
            Error::RateLimited { retry_after, .. } => {
                json!({ "retry_after_secs": retry_after.map(|d| d.as_secs_f64()) })
            }
            Error::InvalidInput { field, .. } => json!({ "field": field }),
            _ => json!({}),
        };
        insta::assert_json_snapshot!(snapshot::error_view(&e, extra));
    });
}

#[test]
fn a_body_that_is_not_json_is_kept() {
    let e = parse_error(502, &HeaderMap::new(), b"<html>Bad gateway</html>");
    assert_eq!(e.kind(), "provider_error");
    assert!(e.is_temporary());
    assert!(e.to_string().contains("Bad gateway"), "{e}");
}

#[test]
fn field_definitions() {
    let env: Envelope<Vec<Field>> = serde_json::from_value(load(Path::new(
        "fixtures/fields/organization_fields_200.json",
    )))
    .expect("fields");
    insta::assert_json_snapshot!(definitions_from_wire(&env.data));
}

#[test]
fn paging_envelopes() {
    for f in [
        "v2_persons_list_200",
        "v2_deals_list_200",
        "v2_activities_list_200",
    ] {
        let env: Envelope<Vec<Map<String, Value>>> =
            serde_json::from_value(load(Path::new(&format!("fixtures/paging/{f}.json"))))
                .expect("v2 list");
        assert!(env.success);
        assert_eq!(env.data.len(), 1);
        assert_eq!(
            env.additional_data.and_then(|a| a.next_cursor).as_deref(),
            Some("eyJmaWVsZCI6ImlkIiwiZmllbGRWYWx1ZSI6Nywic29ydERpcmVjdGlvbiI6ImFzYyIsImlkIjo3fQ"),
            "{f}"
        );
    }
    let env: Envelope<Option<Vec<Map<String, Value>>>> = serde_json::from_value(load(Path::new(
        "fixtures/paging/v1_pagination_last_page.json",
    )))
    .expect("v1 page");
    let p = env
        .additional_data
        .and_then(|a| a.pagination)
        .expect("pagination");
    assert!(!p.more_items_in_collection);
    assert_eq!((p.start, p.limit), (0, 100));
    // Every record of a list page maps.
    let env: Envelope<Vec<Value>> =
        serde_json::from_value(load(Path::new("fixtures/paging/v1_leads_list_200.json")))
            .expect("v1 leads");
    for lead in &env.data {
        Pipedrive::default()
            .from_provider(Resource::Lead, lead)
            .expect("lead maps");
    }
    for f in ["v2_persons_delete_200", "v1_leads_delete_200"] {
        let env: Envelope<Value> =
            serde_json::from_value(load(Path::new(&format!("fixtures/paging/{f}.json"))))
                .expect("delete");
        assert!(env.success && env.data.get("id").is_some(), "{f}");
    }
}

#[test]
fn users_and_tokens() {
    let user: Envelope<User> =
        serde_json::from_value(load(Path::new("fixtures/users/get_200.json"))).expect("user");
    assert_eq!(user.data.id, 123);
    assert_eq!(user.data.name.as_deref(), Some("Jane Doe"));
    assert_eq!(user.data.email.as_deref(), Some("jane@pipedrive.com"));
    let token: TokenResponse =
        serde_json::from_value(load(Path::new("fixtures/oauth/token_200.json"))).expect("token");
    assert_eq!(token.expires_in, Some(3600));
    assert_eq!(token.refresh_token.as_deref(), Some("REFRESH_TOKEN"));
}

#[test]
fn a_read_record_written_back_gives_the_same_fields() {
    // from_provider → to_provider → (as the provider would store it) → from_provider keeps every
    // mapped value.
    for (dir, resource) in [
        ("contact/create_200.json", Resource::Contact),
        ("account/list_item_200.json", Resource::Account),
        ("account/assembled_tallinn_address.json", Resource::Account),
        ("deal/create_200.json", Resource::Deal),
        ("meeting/meeting_get_200.json", Resource::Meeting),
        ("lead/get_200.json", Resource::Lead),
    ] {
        let payload = load(&Path::new("fixtures").join(dir));
        let first = Pipedrive::default()
            .from_provider(resource, &payload)
            .expect("maps");
        let body = Pipedrive::default()
            .to_provider(&first)
            .expect("writes back");
        let mut stored = payload["data"].as_object().cloned().expect("record");
        for (k, v) in body.as_object().expect("object") {
            stored.insert(k.clone(), v.clone());
        }
        let second = Pipedrive::default()
            .from_provider(resource, &Value::Object(stored))
            .expect("maps again");
        let strip = |r: &Record| {
            let mut v = serde_json::to_value(r).unwrap();
            v.as_object_mut().unwrap().remove("custom_fields");
            v
        };
        assert_eq!(strip(&first), strip(&second), "{dir}");
    }
}
