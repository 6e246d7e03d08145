//! Validation of write bodies, per record, with Zoho's per-record error entries.

use super::*;

/// Checks one record of a write body and answers the fields to store (lookups as `{"id"}`), or
/// the per-record error entry.
pub(super) fn check_record(
    sb: &Sandbox,
    store: &TenantStore,
    module: Module,
    index: usize,
    input: &Value,
    existing: Option<&StoredRecord>,
) -> Result<Map<String, Value>, Value> {
    let Value::Object(input) = input else {
        return Err(json!({
            "code": "INVALID_DATA",
            "details": {"expected_data_type": "jsonobject", "json_path": format!("$.data[{index}]")},
            "message": "invalid data",
            "status": "error"
        }));
    };
    let invalid = |field: &str, extra: Value| {
        record_error("INVALID_DATA", "invalid data", field, index, extra)
    };
    let mut merged: Map<String, Value> = match existing.map(|r| &r.data) {
        Some(Value::Object(o)) => o.clone(),
        _ => Map::new(),
    };
    for (key, value) in input {
        if READ_ONLY.contains(&key.as_str()) {
            continue;
        }
        if key.starts_with('$') && key != "$se_module" {
            continue;
        }
        if !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
        {
            return Err(record_error(
                "INVALID_DATA",
                "the field api name given seems to be invalid",
                key,
                index,
                json!({}),
            ));
        }
        if value.is_null() {
            merged.remove(key);
            continue;
        }
        let stored = if key == "Owner" {
            let id = value.get("id").and_then(Value::as_str).unwrap_or_default();
            if user_json(id).is_none() {
                return Err(invalid(key, json!({"expected_data_type": "ownerlookup"})));
            }
            json!({ "id": id })
        } else if let Some((_, target)) = lookups(module).iter().find(|(f, _)| f == key) {
            let id = value.get("id").and_then(Value::as_str).unwrap_or_default();
            if id.is_empty() || store.get(target.api_name(), id).is_none() {
                return Err(invalid(key, json!({"expected_data_type": "lookup"})));
            }
            json!({ "id": id })
        } else if key == "What_Id" && module == Module::Events {
            let id = match value {
                Value::String(s) => s.clone(),
                other => other
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            };
            json!({ "id": id })
        } else if key == "Participants" && module == Module::Events {
            let Value::Array(ps) = value else {
                return Err(invalid(key, json!({"expected_data_type": "jsonarray"})));
            };
            let mut out = Vec::with_capacity(ps.len());
            for p in ps {
                let kind = p.get("type").and_then(Value::as_str).unwrap_or_default();
                let id = p
                    .get("participant")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let ok = match kind {
                    "contact" => store.get(Module::Contacts.api_name(), id).is_some(),
                    "lead" => store.get(Module::Leads.api_name(), id).is_some(),
                    "user" => user_json(id).is_some(),
                    "email" => id.contains('@'),
                    _ => false,
                };
                if !ok {
                    return Err(invalid(key, json!({"expected_data_type": "jsonarray"})));
                }
                out.push(json!({"type": kind, "participant": id}));
            }
            Value::Array(out)
        } else if key == "Tag" {
            let Value::Array(tags) = value else {
                return Err(invalid(key, json!({"expected_data_type": "jsonarray"})));
            };
            let mut out = Vec::with_capacity(tags.len());
            for t in tags {
                let Some(name) = t
                    .get("name")
                    .and_then(Value::as_str)
                    .filter(|n| !n.is_empty())
                else {
                    return Err(invalid(key, json!({"expected_data_type": "jsonarray"})));
                };
                out.push(json!({"name": name, "id": zoho_id(sb)}));
            }
            Value::Array(out)
        } else if EMAIL_FIELDS.contains(&key.as_str()) {
            let ok = value.as_str().is_some_and(|s| {
                s.split_once('@')
                    .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
            });
            if !ok {
                return Err(invalid(key, json!({"expected_data_type": "email"})));
            }
            value.clone()
        } else if NUMBER_FIELDS.contains(&key.as_str()) {
            if !value.is_number() {
                return Err(invalid(key, json!({"expected_data_type": "double"})));
            }
            value.clone()
        } else if DATE_FIELDS.contains(&key.as_str()) {
            let ok = value
                .as_str()
                .is_some_and(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok());
            if !ok {
                return Err(invalid(key, json!({"expected_data_type": "date"})));
            }
            value.clone()
        } else if DATETIME_FIELDS.contains(&key.as_str()) {
            let ok = value
                .as_str()
                .is_some_and(|s| DateTime::parse_from_rfc3339(s).is_ok());
            if !ok {
                return Err(invalid(key, json!({"expected_data_type": "datetime"})));
            }
            value.clone()
        } else {
            let too_long = match (key.as_str(), value.as_str()) {
                ("First_Name", Some(s)) => s.chars().count() > 40,
                ("Last_Name", Some(s)) => s.chars().count() > 80,
                (_, Some(s)) => s.chars().count() > 32_000,
                _ => false,
            };
            if too_long {
                return Err(invalid(
                    key,
                    json!({"maximum_length": if key == "First_Name" { 40 } else { 80 }}),
                ));
            }
            value.clone()
        };
        merged.insert(key.clone(), stored);
    }
    for field in mandatory(module) {
        let present = merged.get(*field).is_some_and(|v| match v {
            Value::String(s) => !s.trim().is_empty(),
            Value::Null => false,
            _ => true,
        });
        if !present {
            return Err(record_error(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                field,
                index,
                json!({}),
            ));
        }
    }
    if module == Module::Events {
        let at = |k: &str| {
            merged
                .get(k)
                .and_then(Value::as_str)
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        };
        if let (Some(start), Some(end)) = (at("Start_DateTime"), at("End_DateTime")) {
            if end < start {
                return Err(invalid("End_DateTime", json!({})));
            }
        }
        if let Some(what) = merged
            .get("What_Id")
            .and_then(|v| v.get("id"))
            .and_then(Value::as_str)
        {
            let target = merged
                .get("$se_module")
                .and_then(Value::as_str)
                .and_then(parse_module);
            let Some(target) = target else {
                return Err(record_error(
                    "MANDATORY_NOT_FOUND",
                    "required field not found",
                    "$se_module",
                    index,
                    json!({}),
                ));
            };
            if store.get(target.api_name(), what).is_none() {
                return Err(invalid("What_Id", json!({"expected_data_type": "lookup"})));
            }
        } else {
            merged.remove("$se_module");
        }
    }
    if matches!(module, Module::Contacts | Module::Leads) {
        if let Some(email) = merged.get("Email").and_then(Value::as_str) {
            let own = existing.map(|r| r.id.as_str());
            let dup = store.find_one(module.api_name(), |r| {
                Some(r.id.as_str()) != own
                    && r.data
                        .get("Email")
                        .and_then(Value::as_str)
                        .is_some_and(|e| e.eq_ignore_ascii_case(email))
            });
            if let Some(dup) = dup {
                let owner = dup
                    .data
                    .get("Owner")
                    .and_then(|o| o.get("id"))
                    .and_then(Value::as_str)
                    .unwrap_or(USERS[0].0)
                    .to_owned();
                let owner = owner_json(&owner);
                return Err(record_error(
                    "DUPLICATE_DATA",
                    "duplicate data",
                    "Email",
                    index,
                    json!({
                        "duplicate_record": {
                            "Owner": {"name": owner.get("name"), "id": owner.get("id")},
                            "id": dup.id,
                            "module": {"api_name": module.api_name()}
                        },
                        "id": dup.id,
                        "more_records": false
                    }),
                ));
            }
        }
    }
    if !merged.contains_key("Owner") {
        merged.insert("Owner".into(), json!({"id": USERS[0].0}));
    }
    Ok(merged)
}

pub(super) fn success(message: &str, rec: &StoredRecord) -> Value {
    let owner_id = rec
        .data
        .get("Owner")
        .and_then(|o| o.get("id"))
        .and_then(Value::as_str)
        .unwrap_or(USERS[0].0)
        .to_owned();
    let owner = owner_json(&owner_id);
    let by = json!({"name": owner.get("name"), "id": owner_id});
    json!({
        "code": "SUCCESS",
        "details": {
            "Modified_Time": time(rec.updated_at),
            "Modified_By": by,
            "Created_Time": time(rec.created_at),
            "id": rec.id,
            "Created_By": by,
            "$approval_state": "approved"
        },
        "message": message,
        "status": "success"
    })
}

/// The `data` array of a write body, or the request-level error.
pub(super) fn data_array(body: &Bytes) -> Result<Vec<Value>, Box<Response>> {
    let parsed: Value = serde_json::from_slice(body).map_err(|_| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "body",
            json!({"expected_data_type": "jsonobject"}),
        ))
    })?;
    let Some(Value::Array(data)) = parsed.get("data") else {
        return Err(Box::new(param_error(
            "REQUIRED_PARAM_MISSING",
            "required param missing",
            "data",
        )));
    };
    if data.is_empty() || data.len() > MAX_RECORDS {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "limit exceeded",
            json!({"limit": MAX_RECORDS, "param_name": "data"}),
        )));
    }
    Ok(data.clone())
}

pub(super) fn results(entries: Vec<Value>, ok_status: StatusCode) -> Response {
    let failed = entries
        .iter()
        .filter(|e| e.get("status").and_then(Value::as_str) != Some("success"))
        .count();
    let status = if failed == 0 {
        ok_status
    } else if failed == entries.len() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::MULTI_STATUS
    };
    (status, Json(json!({ "data": entries }))).into_response()
}
