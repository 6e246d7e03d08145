//! `/api/v2/{person,organization,deal,activity}Fields`.

use super::*;

pub(super) fn field(name: &str, code: &str, kind: &str, custom: bool, options: Value) -> Value {
    json!({
        "field_name": name,
        "field_code": code,
        "field_type": kind,
        "options": options,
        "subfields": null,
        "is_custom_field": custom,
        "is_optional_response_field": false,
    })
}

/// The fields of an object: a few standard ones and the sandbox account's custom fields.
pub(super) fn fields_of(obj: Obj) -> Vec<Value> {
    let enum_opts =
        json!([{"id": 190, "label": "Private person"}, {"id": 191, "label": "Company"}]);
    match obj {
        Obj::Persons => vec![
            field("Name", "name", "varchar", false, Value::Null),
            field("Email", "emails", "varchar", false, Value::Null),
            field("Phone", "phones", "phone", false, Value::Null),
            field("Organization", "org_id", "org", false, Value::Null),
            field(
                "Customer Type",
                "9dc80c50d78a15643bfc4ca79d76156a73a1ca0e",
                "enum",
                true,
                enum_opts,
            ),
            field(
                "LinkedIn",
                "5f3a0c1be4a2a9b4c0e1d2f3a4b5c6d7e8f90123",
                "varchar",
                true,
                Value::Null,
            ),
        ],
        Obj::Organizations => vec![
            field("Organization Name", "name", "varchar", false, Value::Null),
            field("Address", "address", "address", false, Value::Null),
            field("Website", "website", "varchar", false, Value::Null),
            field(
                "Industry",
                "industry",
                "enum",
                false,
                Value::Array(
                    INDUSTRIES
                        .iter()
                        .map(|(id, label)| json!({"id": id, "label": label}))
                        .collect(),
                ),
            ),
            field(
                "Annual revenue",
                "annual_revenue",
                "int",
                false,
                Value::Null,
            ),
            field(
                "Segment",
                "40c7e2f1a3b5d7e9f0a1b2c3d4e5f6a7b8c9d0e1",
                "enum",
                true,
                json!([{"id": 21, "label": "SMB"}, {"id": 22, "label": "Enterprise"}]),
            ),
            field(
                "Account number",
                "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
                "varchar",
                true,
                Value::Null,
            ),
        ],
        Obj::Deals => vec![
            field("Title", "title", "varchar", false, Value::Null),
            field("Value", "value", "monetary", false, Value::Null),
            field(
                "Contract length",
                "b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1",
                "double",
                true,
                Value::Null,
            ),
            field(
                "Regions",
                "c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2",
                "set",
                true,
                json!([{"id": 11, "label": "EMEA"}, {"id": 12, "label": "APAC"}]),
            ),
            field(
                "Purchase order",
                "e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4",
                "varchar",
                true,
                Value::Null,
            ),
        ],
        Obj::Activities => vec![
            field("Subject", "subject", "varchar", false, Value::Null),
            field("Type", "type", "enum", false, Value::Null),
            field(
                "Meeting room",
                "d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3",
                "varchar",
                true,
                Value::Null,
            ),
        ],
    }
}

pub(super) async fn list_fields(obj: Obj) -> Response {
    Json(json!({
        "success": true,
        "data": fields_of(obj),
        "additional_data": {"next_cursor": null},
    }))
    .into_response()
}
