//! The gateway's rendering ([`unicrm_server::render`]): the v1 example response is the v1 view
//! of a core record in the v1 envelope; both dialects' error bodies (moved here from
//! unicrm-core's dialect tests with the rendering).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use unicrm_core::dialect::v1 as v1_view;
use unicrm_core::{Address, Contact, EnumValue, Error, Owner, Record, Resource};
use unicrm_server::render::{unified, v1};

fn fixture(path: &str) -> Value {
    let full = format!("{}/../../fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&full).expect(&full)).expect("valid JSON")
}

fn ts(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[test]
fn v1_example_response_is_rendered_from_a_core_record() {
    let expected = fixture("v1/contact/create_response.json");
    let c = Contact {
        id: Some("12345".into()),
        remote_id: Some("12345".into()),
        first_name: Some("Jane".into()),
        last_name: Some("Doe".into()),
        emails: Some(vec!["jane.doe@example.com".into()]),
        phone_numbers: Some(vec!["+1-555-0100".into()]),
        company_name: Some("Acme Corp".into()),
        job_title: Some("VP of Sales".into()),
        address: Some(Address {
            street: Some("123 Main St".into()),
            city: Some("San Francisco".into()),
            state: Some("CA".into()),
            postal_code: Some("94105".into()),
            country: Some("US".into()),
        }),
        lifecycle_stage: Some(EnumValue::from_source("customer", Some("customer"))),
        owner: Some(Owner {
            id: "67823451".into(),
            name: Some("John Smith".into()),
            email: Some("john.smith@acme.com".into()),
        }),
        created_at: Some(ts("2025-01-15T10:00:00.000Z")),
        updated_at: Some(ts("2025-03-01T14:30:00.000Z")),
        ..Default::default()
    };
    let body = v1::envelope(201, v1_view::render(&Record::Contact(c)));
    assert_eq!(body, expected);
}

#[test]
fn error_envelopes() {
    let err = Error::invalid("emails[1]", "invalid type: integer `5`, expected a string");
    let (status, body) = v1::error_body(&err);
    assert_eq!(status, 400);
    assert_eq!(body["success"], json!(false));
    assert_eq!(body["statusCode"], json!(400));
    assert_eq!(body["error"]["field"], json!("emails[1]"));
    let (status, body) = unified::error_body(&err, ts("2025-01-01T00:00:00Z"));
    assert_eq!(status, 400);
    assert_eq!(body["statusCode"], json!(400));
    assert_eq!(body["timestamp"], json!("2025-01-01T00:00:00.000Z"));
    assert!(body["message"].as_str().unwrap().starts_with("emails[1]: "));
    let err = Error::unsupported(
        "example-crm",
        Resource::Lead,
        unicrm_core::Operation::Delete,
    );
    let (status, body) = v1::error_body(&err);
    assert_eq!(status, 501);
    assert_eq!(body["error"]["operation"], json!("delete"));
    assert_eq!(body["error"]["provider"], json!("example-crm"));
}
