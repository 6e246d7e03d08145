//! The OpenAPI 3 document of both dialects, generated from the route table ([`crate::routes`])
//! and from the dialects' own renderers: record schemas are inferred from a fully filled sample
//! record rendered by `unicrm_core::dialect`, error schemas from the dialects' error bodies.

use crate::render;
use crate::routes::{Handler, ROUTES};
use chrono::{TimeZone, Utc};
use serde_json::{json, Map, Value};
use unicrm_core::dialect::{unified, v1, Dialect};
use unicrm_core::{Error, Record, Resource};

/// A record of `resource` with every field set (core model JSON), for schema inference.
fn sample(resource: Resource) -> Option<Record> {
    let common = json!({
        "id": "12345", "remote_id": "12345",
        "owner": {"id": "67823451", "name": "John Smith", "email": "john.smith@acme.com"},
        "custom_fields": [{"id": "loyalty_score", "remote_id": "loyalty_score", "name": "Loyalty score",
                           "value": "85", "value_id": null, "remote_value_id": null}],
        "created_at": "2025-01-15T10:00:00Z", "updated_at": "2025-03-01T14:30:00Z"
    });
    let address = json!({"street": "123 Main St", "city": "San Francisco", "state": "CA",
                         "postal_code": "94105", "country": "US"});
    let specific = match resource {
        Resource::Contact => json!({
            "resource": "contact", "first_name": "Jane", "last_name": "Doe",
            "emails": ["jane.doe@example.com", "jane@home.example"], "phone_numbers": ["+1-555-0100", "+1-555-0101"],
            "company_name": "Acme Corp", "job_title": "VP of Sales", "address": address,
            "tags": ["vip"], "lifecycle_stage": {"value": "customer", "source_value": "customer"},
            "source": "website", "account_ids": ["987"], "deal_ids": ["654"]
        }),
        Resource::Lead => json!({
            "resource": "lead", "first_name": "Jane", "last_name": "Doe",
            "emails": ["jane.doe@example.com", "jane@home.example"], "phone_numbers": ["+1-555-0100", "+1-555-0101"],
            "company_name": "Acme Corp", "job_title": "VP of Sales", "address": address,
            "status": {"value": "new", "source_value": "NEW"}, "source": "website", "tags": ["vip"],
            "contact_id": "111", "account_id": "222"
        }),
        Resource::Deal => json!({
            "resource": "deal", "name": "Acme renewal", "amount": "1500.5", "currency": "USD",
            "stage": {"value": "won", "source_value": "closedwon"}, "pipeline": "default",
            "close_date": "2025-06-30", "probability": "40", "account_id": "222", "contact_ids": ["111"]
        }),
        Resource::Meeting => json!({
            "resource": "meeting", "title": "Kick-off", "description": "Agenda",
            "start_time": "2025-05-01T09:00:00Z", "end_time": "2025-05-01T10:00:00Z",
            "location": "Room 1", "contact_ids": ["111"], "account_id": "222", "deal_id": "333",
            "outcome": {"value": "completed", "source_value": "COMPLETED"}
        }),
        Resource::Account => json!({
            "resource": "account", "name": "Acme Corp", "website": "https://acme.example",
            "industry": "Software", "annual_revenue": "1500000", "phone_numbers": ["+1-555-0100", "+1-555-0101"],
            "address": address, "description": "Maker of everything"
        }),
    };
    let mut v = common;
    if let (Some(o), Value::Object(s)) = (v.as_object_mut(), specific) {
        o.extend(s);
    }
    serde_json::from_value(v).ok()
}

/// A JSON schema describing `v` (types, nested properties, arrays), `v` as the example.
fn infer(v: &Value) -> Value {
    match v {
        Value::Null => json!({"nullable": true}),
        Value::Bool(_) => json!({"type": "boolean", "nullable": true}),
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            json!({"type": "integer", "nullable": true})
        }
        Value::Number(_) => json!({"type": "number", "nullable": true}),
        Value::String(s) => {
            if chrono::DateTime::parse_from_rfc3339(s).is_ok() {
                json!({"type": "string", "format": "date-time", "nullable": true, "example": s})
            } else {
                json!({"type": "string", "nullable": true, "example": s})
            }
        }
        Value::Array(a) => json!({
            "type": "array", "nullable": true,
            "items": a.first().map(infer).unwrap_or(json!({})),
        }),
        Value::Object(o) => {
            let props: Map<String, Value> = o.iter().map(|(k, v)| (k.clone(), infer(v))).collect();
            json!({"type": "object", "nullable": true, "properties": props})
        }
    }
}

/// Output-only keys, dropped from the request-body schemas.
const OUTPUT_ONLY: &[&str] = &[
    "id",
    "remote_id",
    "remoteId",
    "created_at",
    "updated_at",
    "createdAt",
    "updatedAt",
    "ownerName",
    "ownerEmail",
    "unified_custom_fields",
    "remote_deal_ids",
    "remote_account_ids",
    "remote_owner_id",
];

fn input_schema(mut output: Value) -> Value {
    if let Some(props) = output.get_mut("properties").and_then(Value::as_object_mut) {
        props.retain(|k, _| !OUTPUT_ONLY.contains(&k.as_str()));
    }
    output
}

fn name(r: Resource) -> String {
    let s = r.as_str();
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn schemas() -> Map<String, Value> {
    let mut s = Map::new();
    for r in Resource::ALL {
        let Some(rec) = sample(r) else { continue };
        let uni = infer(&unified::render(
            &rec,
            Some(
                [("my_project_custom_field_1".to_owned(), json!("REF-1236"))]
                    .into_iter()
                    .collect(),
            ),
        ));
        let v1o = infer(&v1::render(&rec));
        s.insert(format!("Unified{}", name(r)), uni.clone());
        s.insert(format!("Unified{}Input", name(r)), input_schema(uni));
        s.insert(format!("V1{}", name(r)), v1o.clone());
        s.insert(format!("V1{}Input", name(r)), input_schema(v1o));
    }
    let sample_err = Error::invalid("emails[0]", "invalid type: integer `1`, expected a string");
    s.insert(
        "UnifiedError".into(),
        infer(
            &render::unified::error_body(
                &sample_err,
                Utc.timestamp_opt(0, 0).single().unwrap_or_default(),
            )
            .1,
        ),
    );
    s.insert(
        "V1Error".into(),
        infer(&render::v1::error_body(&sample_err).1),
    );
    s.insert(
        "RawResponse".into(),
        json!({"type": "object", "properties": {
            "method": {"type": "string"}, "url": {"type": "string"},
            "body": {"nullable": true}, "response": {"nullable": true}}}),
    );
    s.insert(
        "CustomFieldDefinition".into(),
        json!({"type": "object", "properties": {
            "id": {"type": "string"}, "remote_id": {"type": "string"}, "name": {"type": "string"},
            "description": {"type": "string", "nullable": true},
            "type": {"type": "object", "properties": {
                "value": {"type": "string", "enum": unicrm_core::FieldType::ALL.map(unicrm_core::FieldType::as_str)},
                "source_value": {"type": "string", "description": "The provider's own type name (e.g. `number`, `double`, `picklist`)."}}},
            "options": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}, "value": {"type": "string"}}}}}}),
    );
    s.insert(
        "LinkedAccount".into(),
        json!({"type": "object", "properties": {
            "id": {"type": "string"}, "projectId": {"type": "string"}, "endUserId": {"type": "string"},
            "provider": {"type": "string"}, "environment": {"type": "string", "enum": ["live", "test"]},
            "credentialKeys": {"type": "array", "items": {"type": "string"}},
            "fieldMapping": {"type": "object"}, "createdAt": {"type": "string"}, "updatedAt": {"type": "string"}}}),
    );
    let key_props = json!({
        "id": {"type": "string"}, "projectId": {"type": "string"},
        "environment": {"type": "string", "enum": ["live", "test"]}, "name": {"type": "string"},
        "createdAt": {"type": "string"}, "lastUsedAt": {"type": "string", "nullable": true},
        "expiresAt": {"type": "string", "nullable": true}, "revokedAt": {"type": "string", "nullable": true},
        "status": {"type": "string", "enum": ["active", "expiring", "expired", "revoked"]}});
    s.insert(
        "ApiKey".into(),
        json!({"type": "object", "properties": key_props.clone()}),
    );
    let mut created = key_props;
    created["secret"] = json!({"type": "string", "description": "sk_live_… / sk_test_…: shown in this answer only"});
    s.insert(
        "CreatedApiKey".into(),
        json!({"type": "object", "properties": created}),
    );
    s.insert(
        "LinkAccountInput".into(),
        json!({"type": "object", "required": ["provider", "endUserId"], "properties": {
            "provider": {"type": "string"}, "endUserId": {"type": "string"},
            "credentials": {"type": "object", "additionalProperties": {"type": "string"},
                "description": "access_token, api_key, refresh_token, client_id, client_secret, instance_url, expires_at, base_url, setting.<name>; optional with a test key (a sandbox account is linked)"},
            "fieldMapping": {"type": "object", "description": "unified custom field name → provider field (or per resource: {\"contact\": {…}})"}}}),
    );
    s
}

fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn query(name: &str, required: bool, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": required, "schema": schema, "description": description})
}

fn errors(dialect: Dialect, codes: &[u16]) -> Map<String, Value> {
    let schema = match dialect {
        Dialect::Unified => r("UnifiedError"),
        Dialect::V1 => r("V1Error"),
    };
    codes
        .iter()
        .map(|c| {
            (
                c.to_string(),
                json!({"description": render::v1::status_message(*c), "content": {"application/json": {"schema": schema}}}),
            )
        })
        .collect()
}

const ERROR_CODES: &[u16] = &[400, 401, 404, 409, 413, 422, 429, 501, 502, 504];

fn json_response(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn v1_envelope(status: u16, data: Value) -> Value {
    json!({"type": "object", "properties": {
        "success": {"type": "boolean"}, "statusCode": {"type": "integer", "example": status},
        "message": {"type": "string", "example": render::v1::status_message(status)},
        "data": {"type": "object", "properties": {"data": data, "next": {"type": "string", "nullable": true},
                 "raw": {"type": "array", "items": r("RawResponse"), "nullable": true}}}}})
}

fn unified_result(data: Value, list: bool) -> Value {
    let mut props = json!({"data": data, "raw": {"type": "array", "items": r("RawResponse"), "nullable": true}});
    if list {
        props["next"] = json!({"type": "string", "nullable": true});
    }
    json!({"type": "object", "required": ["data"], "properties": props})
}

#[allow(clippy::too_many_arguments)] // one flat call per documented operation
fn operation(
    method: &str,
    summary: &str,
    op_id: String,
    tag: &str,
    params: Vec<Value>,
    body: Option<Value>,
    ok: (u16, Value),
    dialect: Option<Dialect>,
) -> (String, Value) {
    let mut responses = Map::new();
    responses.insert(ok.0.to_string(), ok.1);
    if let Some(d) = dialect {
        responses.extend(errors(d, ERROR_CODES));
    }
    let mut op = json!({"summary": summary, "operationId": op_id, "tags": [tag], "parameters": params, "responses": responses});
    if let Some(b) = body {
        op["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": b}}});
    }
    match dialect {
        Some(Dialect::V1) => op["security"] = json!([{"bearer": []}]),
        Some(Dialect::Unified) => op["security"] = json!([{"basic": []}]),
        None => {}
    }
    (method.to_ascii_lowercase(), op)
}

/// The OpenAPI 3.0 document of the gateway.
pub fn document() -> Value {
    let mut paths = Map::new();
    let id_param =
        json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}});
    let account_header = json!({"name": "x-account-id", "in": "header", "required": true, "schema": {"type": "string"}, "description": "The linked account id"});
    let raw = |d: &str| query("raw", false, json!({"type": "boolean"}), d);
    for route in ROUTES {
        let resources: Vec<Option<Resource>> = if route.path.contains("{resource") {
            Resource::ALL.into_iter().map(Some).collect()
        } else {
            vec![None]
        };
        for res in resources {
            let path = match res {
                Some(r) => route
                    .path
                    .replace("{resources}", r.plural())
                    .replace("{resource}", r.as_str()),
                None => route.path.to_owned(),
            };
            let mut item = Map::new();
            for (method, summary) in route.methods {
                let suffix = res.map(|r| r.as_str()).unwrap_or("");
                let op_id = format!(
                    "{}_{}_{}",
                    method.to_ascii_lowercase(),
                    format!("{:?}", route.handler).to_ascii_lowercase(),
                    suffix
                );
                let rn = res.map(name).unwrap_or_default();
                let (k, v) = match (route.handler, *method) {
                    (Handler::Health, _) => operation(
                        method,
                        summary,
                        op_id,
                        "service",
                        vec![],
                        None,
                        (
                            200,
                            json_response(
                                "OK",
                                json!({"type": "object", "properties": {"status": {"type": "string"}}}),
                            ),
                        ),
                        None,
                    ),
                    (Handler::OpenApi, _) => operation(
                        method,
                        summary,
                        op_id,
                        "service",
                        vec![],
                        None,
                        (
                            200,
                            json_response("OpenAPI 3 document", json!({"type": "object"})),
                        ),
                        None,
                    ),
                    (Handler::AccountsCollection, "POST") => operation(
                        method,
                        summary,
                        op_id,
                        "accounts",
                        vec![],
                        Some(r("LinkAccountInput")),
                        (
                            201,
                            json_response("Linked", v1_envelope(201, r("LinkedAccount"))),
                        ),
                        route.dialect,
                    ),
                    (Handler::AccountsCollection, _) => operation(
                        method,
                        summary,
                        op_id,
                        "accounts",
                        vec![
                            query(
                                "endUserId",
                                false,
                                json!({"type": "string"}),
                                "Only this end user",
                            ),
                            query(
                                "provider",
                                false,
                                json!({"type": "string"}),
                                "Only this provider",
                            ),
                        ],
                        None,
                        (
                            200,
                            json_response(
                                "OK",
                                v1_envelope(
                                    200,
                                    json!({"type": "array", "items": r("LinkedAccount")}),
                                ),
                            ),
                        ),
                        route.dialect,
                    ),
                    (Handler::AccountsItem, "PATCH") => operation(
                        method,
                        summary,
                        op_id,
                        "accounts",
                        vec![id_param.clone()],
                        Some(
                            json!({"type": "object", "properties": {"credentials": {"type": "object"}, "fieldMapping": {"type": "object"}}}),
                        ),
                        (
                            200,
                            json_response("OK", v1_envelope(200, r("LinkedAccount"))),
                        ),
                        route.dialect,
                    ),
                    (Handler::AccountsItem, _) => operation(
                        method,
                        summary,
                        op_id,
                        "accounts",
                        vec![id_param.clone()],
                        None,
                        (
                            200,
                            json_response("OK", v1_envelope(200, r("LinkedAccount"))),
                        ),
                        route.dialect,
                    ),
                    (Handler::KeysCollection | Handler::KeysItem | Handler::KeysRotate, m) => {
                        let params = if route.handler == Handler::KeysCollection {
                            vec![]
                        } else {
                            vec![id_param.clone()]
                        };
                        let (body, ok) = match (route.handler, m) {
                            (Handler::KeysCollection, "POST") => (
                                Some(
                                    json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}),
                                ),
                                (
                                    201,
                                    json_response("Created", v1_envelope(201, r("CreatedApiKey"))),
                                ),
                            ),
                            (Handler::KeysRotate, _) => (
                                Some(
                                    json!({"type": "object", "properties": {"overlapSeconds": {"type": "integer", "minimum": 0, "description": "How long the old key keeps working (default 86400)"}}}),
                                ),
                                (
                                    201,
                                    json_response("Rotated", v1_envelope(201, r("CreatedApiKey"))),
                                ),
                            ),
                            (Handler::KeysCollection, _) => (
                                None,
                                (
                                    200,
                                    json_response(
                                        "OK",
                                        v1_envelope(
                                            200,
                                            json!({"type": "array", "items": r("ApiKey")}),
                                        ),
                                    ),
                                ),
                            ),
                            _ => (
                                None,
                                (200, json_response("OK", v1_envelope(200, r("ApiKey")))),
                            ),
                        };
                        operation(
                            method,
                            summary,
                            op_id,
                            "keys",
                            params,
                            body,
                            ok,
                            route.dialect,
                        )
                    }
                    (Handler::V1Collection | Handler::V1Item, m) => {
                        let mut params = vec![];
                        if route.handler == Handler::V1Item {
                            params.push(id_param.clone());
                        }
                        params.push(query(
                            "provider",
                            true,
                            json!({"type": "string", "enum": unicrm_registry::ids()}),
                            "Connector id",
                        ));
                        params.push(query(
                            "endUserId",
                            true,
                            json!({"type": "string"}),
                            "Your id of the end user whose CRM account is used",
                        ));
                        params.push(raw("Add the provider calls as data.raw"));
                        if m == "GET" && route.handler == Handler::V1Collection {
                            params.push(query(
                                "limit",
                                false,
                                json!({"type": "integer", "minimum": 1, "maximum": 1000}),
                                "Page size",
                            ));
                            params.push(query(
                                "cursor",
                                false,
                                json!({"type": "string"}),
                                "Cursor from data.next",
                            ));
                            params.push(query(
                                "updatedAfter",
                                false,
                                json!({"type": "string", "format": "date-time"}),
                                "Only records changed since",
                            ));
                        }
                        let schema = r(&format!("V1{rn}"));
                        let (body, ok) = match (route.handler, m) {
                            (Handler::V1Collection, "POST") => (
                                Some(r(&format!("V1{rn}Input"))),
                                (201, json_response("Created", v1_envelope(201, schema))),
                            ),
                            (Handler::V1Collection, _) => (
                                None,
                                (
                                    200,
                                    json_response(
                                        "OK",
                                        v1_envelope(200, json!({"type": "array", "items": schema})),
                                    ),
                                ),
                            ),
                            (_, "PATCH") => (
                                Some(r(&format!("V1{rn}Input"))),
                                (200, json_response("OK", v1_envelope(200, schema))),
                            ),
                            (_, "DELETE") => (
                                None,
                                (
                                    200,
                                    json_response(
                                        "Deleted",
                                        v1_envelope(
                                            200,
                                            json!({"type": "object", "properties": {"id": {"type": "string"}, "deleted": {"type": "boolean"}}}),
                                        ),
                                    ),
                                ),
                            ),
                            _ => (None, (200, json_response("OK", v1_envelope(200, schema)))),
                        };
                        operation(
                            method,
                            summary,
                            op_id,
                            "v1",
                            params,
                            body,
                            ok,
                            route.dialect,
                        )
                    }
                    (h, m) => {
                        let mut params = vec![account_header.clone()];
                        if matches!(
                            h,
                            Handler::UnifiedItem | Handler::Definition | Handler::List
                        ) {
                            params.push(id_param.clone());
                        }
                        params.push(raw("Add the provider calls as raw"));
                        params.push(query(
                            "fields",
                            false,
                            json!({"type": "string"}),
                            "Comma separated fields to return",
                        ));
                        if m == "GET"
                            && matches!(
                                h,
                                Handler::UnifiedCollection | Handler::Definitions | Handler::Lists
                            )
                        {
                            params.push(query(
                                "page_size",
                                false,
                                json!({"type": "string"}),
                                "Page size (default 25)",
                            ));
                            params.push(query(
                                "next",
                                false,
                                json!({"type": "string"}),
                                "Cursor from next",
                            ));
                            params.push(json!({"name": "filter", "in": "query", "style": "deepObject", "explode": true, "required": false,
                                "schema": {"type": "object", "properties": {"updated_after": {"type": "string", "format": "date-time"}}}}));
                        }
                        let schema = r(&format!("Unified{rn}"));
                        let (body, ok) = match (h, m) {
                            (Handler::UnifiedCollection, "POST") => (
                                Some(r(&format!("Unified{rn}Input"))),
                                (200, json_response("Created", unified_result(schema, false))),
                            ),
                            (Handler::UnifiedCollection, _) => (
                                None,
                                (
                                    200,
                                    json_response(
                                        "OK",
                                        unified_result(
                                            json!({"type": "array", "items": schema}),
                                            true,
                                        ),
                                    ),
                                ),
                            ),
                            (Handler::UnifiedItem, "PATCH") => (
                                Some(r(&format!("Unified{rn}Input"))),
                                (200, json_response("Updated", unified_result(schema, false))),
                            ),
                            (Handler::UnifiedItem, "DELETE") => (
                                None,
                                (
                                    200,
                                    json_response(
                                        "Deleted",
                                        unified_result(
                                            json!({"type": "object", "properties": {"id": {"type": "string"}, "deleted": {"type": "boolean"}}}),
                                            false,
                                        ),
                                    ),
                                ),
                            ),
                            (Handler::UnifiedItem, _) => (
                                None,
                                (200, json_response("OK", unified_result(schema, false))),
                            ),
                            (Handler::Definitions, _) => (
                                None,
                                (
                                    200,
                                    json_response(
                                        "OK",
                                        unified_result(
                                            json!({"type": "array", "items": r("CustomFieldDefinition")}),
                                            true,
                                        ),
                                    ),
                                ),
                            ),
                            (Handler::Definition, _) => (
                                None,
                                (
                                    200,
                                    json_response(
                                        "OK",
                                        unified_result(r("CustomFieldDefinition"), false),
                                    ),
                                ),
                            ),
                            _ => (
                                None,
                                (
                                    501,
                                    json_response("No connector supports lists", r("UnifiedError")),
                                ),
                            ),
                        };
                        operation(
                            method,
                            summary,
                            op_id,
                            "unified",
                            params,
                            body,
                            ok,
                            route.dialect,
                        )
                    }
                };
                item.insert(k, v);
            }
            paths.insert(path, Value::Object(item));
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "unicrm gateway",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "One unified CRM API in two dialects: \"unified\" (/unified/crm, StackOne-style) and \"v1\" (/api/v1)."
        },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic", "description": "Basic base64(<api key>:) — dialect \"unified\""},
                "bearer": {"type": "http", "scheme": "bearer", "description": "Bearer sk_live_… / sk_test_… — dialect \"v1\""}
            }
        }
    })
}
