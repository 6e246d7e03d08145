//! API v2 records: `/api/v2/{persons,organizations,deals,activities}[/{id}]` with cursor paging.

use super::*;

/// A stored record as Pipedrive answers it: numeric id and v2 times.
pub(super) fn render_v2(rec: &StoredRecord) -> Value {
    let mut data = match &rec.data {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    data.insert(
        "id".into(),
        rec.id.parse::<i64>().map_or(Value::Null, Value::from),
    );
    data.insert("add_time".into(), Value::String(v2_time(rec.created_at)));
    data.insert("update_time".into(), Value::String(v2_time(rec.updated_at)));
    Value::Object(data)
}

pub(super) fn render_lead(rec: &StoredRecord) -> Value {
    let mut data = match &rec.data {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    data.insert("id".into(), Value::String(rec.id.clone()));
    data.insert("add_time".into(), Value::String(v1_time(rec.created_at)));
    data.insert("update_time".into(), Value::String(v1_time(rec.updated_at)));
    Value::Object(data)
}

pub(super) fn v2_id(id: &str) -> Option<String> {
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(|n| n.to_string())
}

pub(super) async fn list_v2(sb: Sandbox, token: String, q: Option<String>, obj: Obj) -> Response {
    let store = sb.tenant(&token);
    let pairs = query_pairs(&q);
    let limit = match param(&pairs, "limit") {
        None => PAGE_DEFAULT,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=PAGE_MAX).contains(&n) => n,
            _ => return bad(
                "Validation failed: limit: Parameter 'limit' must be an integer between 1 and 500",
            ),
        },
    };
    let since = match param(&pairs, "updated_since") {
        None => None,
        Some(s) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                return bad(
                    "Validation failed: updated_since: Parameter 'updated_since' must be in RFC3339 format",
                )
            }
        },
    };
    let sort_by = param(&pairs, "sort_by").unwrap_or("id");
    if !matches!(sort_by, "id" | "update_time" | "add_time") {
        return bad("Validation failed: sort_by: Parameter 'sort_by' must be one of id, update_time, add_time");
    }
    let desc =
        match param(&pairs, "sort_direction").unwrap_or("asc") {
            "asc" => false,
            "desc" => true,
            _ => return bad(
                "Validation failed: sort_direction: Parameter 'sort_direction' must be asc or desc",
            ),
        };
    let filters: Vec<(&str, i64)> = ["person_id", "org_id", "owner_id", "deal_id"]
        .iter()
        .filter_map(|k| {
            param(&pairs, k)
                .and_then(|v| v.parse().ok())
                .map(|v| (*k, v))
        })
        .collect();
    let ids: Option<Vec<String>> = param(&pairs, "ids").map(|v| {
        v.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    });
    if ids.as_ref().is_some_and(|i| i.len() > 100) {
        return bad("Validation failed: ids: Parameter 'ids' must have at most 100 items");
    }
    let mut records = store.find(obj.collection(), |r| {
        ids.as_ref().is_none_or(|i| i.contains(&r.id))
            && since.is_none_or(|s| r.updated_at >= s)
            && filters
                .iter()
                .all(|(k, v)| r.data.get(*k).and_then(Value::as_i64) == Some(*v))
    });
    let key = |r: &StoredRecord| -> u64 {
        let raw = match sort_by {
            "update_time" => r.updated_at.timestamp_millis().max(0) as u64,
            "add_time" => r.created_at.timestamp_millis().max(0) as u64,
            _ => r.id.parse::<u64>().unwrap_or(0),
        };
        if desc {
            u64::MAX - raw
        } else {
            raw
        }
    };
    records.sort_by_key(|r| key(r));
    let page = match after_cursor(records, key, param(&pairs, "cursor"), limit) {
        Ok(p) => p,
        Err(_) => return bad("Validation failed: cursor: Invalid cursor"),
    };
    let data: Vec<Value> = page.items.iter().map(render_v2).collect();
    Json(json!({
        "success": true,
        "data": data,
        "additional_data": {"next_cursor": page.next},
    }))
    .into_response()
}

pub(super) async fn get_v2(sb: Sandbox, token: String, id: String, obj: Obj) -> Response {
    let store = sb.tenant(&token);
    match v2_id(&id).and_then(|id| store.get(obj.collection(), &id)) {
        Some(rec) => ok(StatusCode::OK, render_v2(&rec)),
        None => not_found(obj.noun()),
    }
}

pub(super) async fn create_v2(sb: Sandbox, token: String, body: Bytes, obj: Obj) -> Response {
    let store = sb.tenant(&token);
    let body = match parse_object(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = validate(obj, &store, &body, true) {
        return r;
    }
    let mut data = defaults(obj);
    data.extend(writable(obj, body));
    derive(obj, &mut data);
    match store.insert(obj.collection(), sb.numeric_id(), Value::Object(data)) {
        Ok(rec) => ok(StatusCode::OK, render_v2(&rec)),
        Err(e) => err(StatusCode::CONFLICT, e.to_string()),
    }
}

pub(super) async fn update_v2(
    sb: Sandbox,
    token: String,
    id: String,
    body: Bytes,
    obj: Obj,
) -> Response {
    let store = sb.tenant(&token);
    let Some(id) = v2_id(&id).filter(|id| store.get(obj.collection(), id).is_some()) else {
        return not_found(obj.noun());
    };
    let body = match parse_object(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = validate(obj, &store, &body, false) {
        return r;
    }
    let changes = writable(obj, body);
    let result = store.update(obj.collection(), &id, |data| {
        if let Value::Object(m) = data {
            for (k, v) in changes {
                if k == "custom_fields" {
                    let cf = m
                        .entry("custom_fields")
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let (Value::Object(cf), Value::Object(new)) = (cf, v) {
                        cf.extend(new);
                    }
                } else {
                    m.insert(k, v);
                }
            }
            derive(obj, m);
        }
    });
    match result {
        Ok(rec) => ok(StatusCode::OK, render_v2(&rec)),
        Err(_) => not_found(obj.noun()),
    }
}

pub(super) async fn delete_v2(sb: Sandbox, token: String, id: String, obj: Obj) -> Response {
    let store = sb.tenant(&token);
    match v2_id(&id).and_then(|id| store.delete(obj.collection(), &id).ok()) {
        Some(rec) => ok(
            StatusCode::OK,
            json!({"id": rec.id.parse::<i64>().unwrap_or_default()}),
        ),
        None => not_found(obj.noun()),
    }
}
