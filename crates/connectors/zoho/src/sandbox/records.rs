//! `/crm/v8/{module}[/{id}]`: insert, update, delete and get.

use super::*;

pub(super) async fn create_records(
    State(sb): State<Sandbox>,
    ZohoToken(token): ZohoToken,
    _: Checked<ModuleName>,
    Path(module): Path<String>,
    body: Bytes,
) -> Response {
    let Some(module) = parse_module(&module) else {
        return invalid_module();
    };
    let data = match data_array(&body) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let store = sb.tenant(&token);
    let mut entries = Vec::with_capacity(data.len());
    for (i, input) in data.iter().enumerate() {
        let entry = match check_record(&sb, &store, module, i, input, None) {
            Ok(fields) => {
                match store.insert(module.api_name(), zoho_id(&sb), Value::Object(fields)) {
                    Ok(rec) => success("record added", &rec),
                    Err(e) => error_entry_internal(&e.to_string()),
                }
            }
            Err(e) => e,
        };
        entries.push(entry);
    }
    results(entries, StatusCode::CREATED)
}

pub(super) fn error_entry_internal(message: &str) -> Value {
    json!({"code": "INTERNAL_ERROR", "details": {}, "message": message, "status": "error"})
}

pub(super) async fn update_record(
    State(sb): State<Sandbox>,
    ZohoToken(token): ZohoToken,
    _: Checked<ModuleName>,
    _: Checked<RecordId>,
    Path((module, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let Some(module) = parse_module(&module) else {
        return invalid_module();
    };
    let data = match data_array(&body) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let store = sb.tenant(&token);
    let Some(existing) = store.get(module.api_name(), &id) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"data": [{
                "code": "INVALID_DATA",
                "details": {"resource_path_index": 1},
                "message": "invalid record id",
                "status": "error"
            }]})),
        )
            .into_response();
    };
    let Some(input) = data.first() else {
        return invalid_module();
    };
    let entry = match check_record(&sb, &store, module, 0, input, Some(&existing)) {
        Ok(fields) => match store.replace(module.api_name(), &id, Value::Object(fields)) {
            Ok(rec) => success("record updated", &rec),
            Err(e) => error_entry_internal(&e.to_string()),
        },
        Err(e) => e,
    };
    results(vec![entry], StatusCode::OK)
}

pub(super) async fn delete_record(
    State(sb): State<Sandbox>,
    ZohoToken(token): ZohoToken,
    _: Checked<ModuleName>,
    _: Checked<RecordId>,
    Path((module, id)): Path<(String, String)>,
) -> Response {
    let Some(module) = parse_module(&module) else {
        return invalid_module();
    };
    match sb.tenant(&token).delete(module.api_name(), &id) {
        Ok(_) => Json(json!({"data": [{
            "code": "SUCCESS",
            "details": {"id": id},
            "message": "record deleted",
            "status": "success"
        }]}))
        .into_response(),
        Err(_) => error(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "record not deleted",
            json!({"resource_path_index": 1}),
        ),
    }
}

pub(super) async fn get_record(
    State(sb): State<Sandbox>,
    ZohoToken(token): ZohoToken,
    _: Checked<ModuleName>,
    _: Checked<RecordId>,
    Path((module, id)): Path<(String, String)>,
) -> Response {
    let Some(module) = parse_module(&module) else {
        return invalid_module();
    };
    let store = sb.tenant(&token);
    match store.get(module.api_name(), &id) {
        Some(rec) => Json(json!({"data": [render(&store, module, &rec)]})).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}
