//! Validation of v2 bodies (references, owners, labelled values, dates, custom fields), the
//! writable fields and derived values.

use super::*;

pub(super) fn parse_object(body: &Bytes) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(bad(
            "Validation failed: body: the request body must be a JSON object",
        )),
        Err(e) => Err(bad(format!("Validation failed: body: invalid JSON: {e}"))),
    }
}

pub(super) fn int_param(name: &str, v: &Value) -> Result<Option<i64>, Response> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) if n.as_i64().is_some_and(|n| n > 0) => Ok(n.as_i64()),
        _ => Err(bad(format!(
            "Validation failed: {name}: Parameter '{name}' must be a positive integer"
        ))),
    }
}

pub(super) fn exists(store: &TenantStore, collection: &str, id: i64) -> bool {
    store.get(collection, &id.to_string()).is_some()
}

pub(super) fn check_ref(
    store: &TenantStore,
    field: &str,
    v: &Value,
    collection: &str,
    noun: &str,
) -> Result<(), Response> {
    if let Some(id) = int_param(field, v)? {
        if !exists(store, collection, id) {
            return Err(bad(format!(
                "Validation failed: {field}: {noun} with id {id} does not exist"
            )));
        }
    }
    Ok(())
}

pub(super) fn check_owner(v: &Value) -> Result<(), Response> {
    if let Some(id) = int_param("owner_id", v)? {
        if user(id).is_none() {
            return Err(bad(format!(
                "Validation failed: owner_id: User with id {id} does not exist"
            )));
        }
    }
    Ok(())
}

pub(super) fn check_labeled(name: &str, v: &Value) -> Result<(), Response> {
    let ok = match v {
        Value::Null => true,
        Value::Array(items) => items.iter().all(|i| {
            i.get("value").and_then(Value::as_str).is_some()
                && i.get("primary").is_none_or(Value::is_boolean)
                && i.get("label").is_none_or(|l| l.is_string() || l.is_null())
        }),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(bad(format!(
            "Validation failed: {name}: Parameter '{name}' must be an array of objects with value, primary and label"
        )))
    }
}

pub(super) fn check_date(name: &str, v: &Value) -> Result<(), Response> {
    match v {
        Value::Null => Ok(()),
        Value::String(s) if NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => Ok(()),
        _ => Err(bad(format!(
            "Validation failed: {name}: Parameter '{name}' must be a date in YYYY-MM-DD format"
        ))),
    }
}

pub(super) fn check_hms(name: &str, v: &Value) -> Result<(), Response> {
    let valid = |s: &str| {
        NaiveTime::parse_from_str(s, "%H:%M:%S").is_ok()
            || NaiveTime::parse_from_str(s, "%H:%M").is_ok()
    };
    match v {
        Value::Null => Ok(()),
        Value::String(s) if valid(s) => Ok(()),
        _ => Err(bad(format!(
            "Validation failed: {name}: Parameter '{name}' must be a time in HH:MM:SS format"
        ))),
    }
}

pub(super) fn check_duration(v: &Value) -> Result<(), Response> {
    match v {
        Value::Null => Ok(()),
        Value::String(s) if crate::mapping::meeting::parse_duration(s).is_ok() => Ok(()),
        _ => Err(bad(
            "Validation failed: duration: Parameter 'duration' must be a duration in HH:MM:SS format",
        )),
    }
}

/// Whether `key` is a custom field of `obj` in the sandbox account.
pub(super) fn defined_custom_key(obj: Obj, key: &str) -> bool {
    fields_of(obj).iter().any(|f| {
        f.get("is_custom_field") == Some(&Value::Bool(true))
            && f.get("field_code").and_then(Value::as_str) == Some(key)
    })
}

pub(super) fn check_custom_fields(obj: Obj, v: &Value) -> Result<(), Response> {
    match v {
        Value::Null => Ok(()),
        Value::Object(m) => match m.keys().find(|k| !defined_custom_key(obj, k)) {
            Some(k) => Err(bad(format!(
                "Validation failed: custom_fields: Unknown custom field key '{k}'"
            ))),
            None => Ok(()),
        },
        _ => Err(bad(
            "Validation failed: custom_fields: Parameter 'custom_fields' must be an object",
        )),
    }
}

pub(super) fn check_name(
    field: &str,
    body: &Map<String, Value>,
    create: bool,
) -> Result<(), Response> {
    match body.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(()),
        None if !create => Ok(()),
        _ => Err(bad(format!(
            "Validation failed: {field}: Parameter '{field}' is required and must be a non-empty string"
        ))),
    }
}

/// Validates a v2 body (`create`: a POST) against the account's records.
pub(super) fn validate(
    obj: Obj,
    store: &TenantStore,
    body: &Map<String, Value>,
    create: bool,
) -> Result<(), Response> {
    for (k, v) in body {
        match k.as_str() {
            "owner_id" => check_owner(v)?,
            "org_id" => check_ref(store, k, v, "organizations", "Organization")?,
            "person_id" => check_ref(store, k, v, "persons", "Person")?,
            "deal_id" => check_ref(store, k, v, "deals", "Deal")?,
            "emails" | "phones" => check_labeled(k, v)?,
            "custom_fields" => check_custom_fields(obj, v)?,
            "expected_close_date" | "due_date" | "birthday" => check_date(k, v)?,
            "due_time" => check_hms(k, v)?,
            "duration" => check_duration(v)?,
            _ => {}
        }
    }
    match obj {
        Obj::Persons => check_name("name", body, create)?,
        Obj::Organizations => {
            check_name("name", body, create)?;
            if let Some(v) = body.get("industry") {
                if let Some(id) = int_param("industry", v)? {
                    if !INDUSTRIES.iter().any(|(i, _)| *i == id) {
                        return Err(bad(format!(
                            "Validation failed: industry: Industry option with id {id} does not exist"
                        )));
                    }
                }
            }
            for k in ["annual_revenue", "employee_count"] {
                if let Some(v) = body.get(k) {
                    if !(v.is_null() || v.as_i64().is_some_and(|n| n >= 0)) {
                        return Err(bad(format!(
                            "Validation failed: {k}: Parameter '{k}' must be a non-negative integer"
                        )));
                    }
                }
            }
        }
        Obj::Deals => {
            check_name("title", body, create)?;
            if let Some(v) = body.get("value") {
                if !(v.is_number() || v.is_null()) {
                    return Err(bad(
                        "Validation failed: value: Parameter 'value' must be a number",
                    ));
                }
            }
            if let Some(c) = body.get("currency").and_then(Value::as_str) {
                if c.len() != 3 {
                    return Err(bad(format!(
                        "Validation failed: currency: Unknown currency '{c}'"
                    )));
                }
            }
            if let Some(s) = body.get("status") {
                if !matches!(s.as_str(), Some("open" | "won" | "lost" | "deleted")) {
                    return Err(bad(
                        "Validation failed: status: Parameter 'status' must be one of open, won, lost, deleted",
                    ));
                }
            }
            if let Some(v) = body.get("stage_id") {
                if let Some(id) = int_param("stage_id", v)? {
                    if !STAGES.iter().any(|(s, _)| *s == id) {
                        return Err(bad(format!(
                            "Validation failed: stage_id: Stage with id {id} does not exist"
                        )));
                    }
                }
            }
            if let Some(v) = body.get("pipeline_id") {
                if let Some(id) = int_param("pipeline_id", v)? {
                    if id != 1 {
                        return Err(bad(format!(
                            "Validation failed: pipeline_id: Pipeline with id {id} does not exist"
                        )));
                    }
                }
            }
            if let Some(p) = body.get("probability") {
                let fine = p.is_null() || p.as_f64().is_some_and(|p| (0.0..=100.0).contains(&p));
                if !fine {
                    return Err(bad(
                        "Validation failed: probability: Parameter 'probability' must be between 0 and 100",
                    ));
                }
            }
        }
        Obj::Activities => {
            if let Some(t) = body.get("type") {
                if !t.as_str().is_some_and(|t| ACTIVITY_TYPES.contains(&t)) {
                    return Err(bad(format!(
                        "Validation failed: type: Activity type '{}' does not exist",
                        t.as_str().unwrap_or_default()
                    )));
                }
            }
            if let Some(v) = body.get("participants") {
                let Some(list) = v.as_array() else {
                    return Err(bad(
                        "Validation failed: participants: Parameter 'participants' must be an array",
                    ));
                };
                for p in list {
                    let pid = p.get("person_id").cloned().unwrap_or(Value::Null);
                    if pid.is_null() {
                        return Err(bad(
                            "Validation failed: participants: every participant needs a person_id",
                        ));
                    }
                    check_ref(store, "participants.person_id", &pid, "persons", "Person")?;
                }
            }
            if let Some(v) = body.get("location") {
                if !(v.is_object() || v.is_null()) {
                    return Err(bad(
                        "Validation failed: location: Parameter 'location' must be an object",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The stored fields of a v2 body: writable keys only.
pub(super) fn writable(obj: Obj, body: Map<String, Value>) -> Map<String, Value> {
    body.into_iter()
        .filter(|(k, _)| obj.writable().contains(&k.as_str()))
        .collect()
}

/// Fields Pipedrive derives: a person's first/last name, an activity's primary person, a deal's
/// pipeline of its stage.
pub(super) fn derive(obj: Obj, data: &mut Map<String, Value>) {
    match obj {
        Obj::Persons => {
            if let Some(name) = data.get("name").and_then(Value::as_str).map(str::to_owned) {
                let (first, last) = match name.trim().split_once(' ') {
                    Some((f, l)) => (Value::from(f), Value::from(l.trim())),
                    None => (Value::from(name.trim()), Value::Null),
                };
                data.insert("first_name".into(), first);
                data.insert("last_name".into(), last);
            }
        }
        Obj::Activities => {
            let primary = data
                .get("participants")
                .and_then(Value::as_array)
                .and_then(|ps| {
                    ps.iter()
                        .find(|p| p.get("primary").and_then(Value::as_bool) == Some(true))
                        .or_else(|| ps.first())
                })
                .and_then(|p| p.get("person_id").cloned());
            if let Some(pid) = primary {
                data.insert("person_id".into(), pid);
            }
        }
        Obj::Deals => {
            if data.get("stage_id").is_some_and(|s| !s.is_null()) {
                data.insert("pipeline_id".into(), json!(1));
            }
        }
        Obj::Organizations => {}
    }
}

pub(super) fn defaults(obj: Obj) -> Map<String, Value> {
    let v = match obj {
        Obj::Persons => json!({
            "owner_id": API_USER, "org_id": null, "emails": [], "phones": [], "label_ids": [],
            "visible_to": 3, "picture_id": null, "custom_fields": {}, "is_deleted": false,
        }),
        Obj::Organizations => json!({
            "owner_id": API_USER, "address": null, "label_ids": [], "visible_to": 3,
            "website": null, "linkedin": null, "industry": null, "annual_revenue": null,
            "employee_count": null, "custom_fields": {}, "is_deleted": false,
        }),
        Obj::Deals => json!({
            "creator_user_id": API_USER, "owner_id": API_USER, "value": 0, "currency": "USD",
            "person_id": null, "org_id": null, "stage_id": 1, "pipeline_id": 1,
            "status": "open", "probability": null, "expected_close_date": null,
            "label_ids": [], "visible_to": 3, "is_archived": false, "is_deleted": false,
            "custom_fields": {},
        }),
        Obj::Activities => json!({
            "subject": "", "type": "task", "owner_id": API_USER, "creator_user_id": API_USER,
            "deal_id": null, "lead_id": null, "person_id": null, "org_id": null,
            "project_id": null, "due_date": null, "due_time": null, "duration": null,
            "busy": true, "done": false, "location": null, "participants": [],
            "note": null, "is_deleted": false,
        }),
    };
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
