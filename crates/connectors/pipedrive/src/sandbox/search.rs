//! `/api/v2/{persons,organizations}/search`.

use super::*;

pub(super) async fn search(sb: Sandbox, token: String, q: Option<String>, obj: Obj) -> Response {
    let store = sb.tenant(&token);
    let pairs = query_pairs(&q);
    let term = param(&pairs, "term").unwrap_or_default().trim().to_owned();
    let exact = param(&pairs, "exact_match") == Some("true");
    if term.chars().count() < if exact { 1 } else { 2 } {
        return bad("Validation failed: term: Parameter 'term' must be at least 2 characters long");
    }
    let fields: Vec<String> = param(&pairs, "fields")
        .map(|f| f.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_else(|| vec!["name".into(), "email".into(), "phone".into()]);
    let limit = param(&pairs, "limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(PAGE_DEFAULT)
        .clamp(1, PAGE_MAX);
    let needle = term.to_lowercase();
    let matches = |s: &str| {
        let s = s.to_lowercase();
        if exact {
            s == needle
        } else {
            s.contains(&needle)
        }
    };
    let values = |r: &StoredRecord, key: &str| -> Vec<String> {
        r.data
            .get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|i| i.get("value").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let hits = store.find(obj.collection(), |r| {
        fields.iter().any(|f| match f.as_str() {
            "name" => r
                .data
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(matches),
            "email" => values(r, "emails").iter().any(|e| matches(e)),
            "phone" => values(r, "phones").iter().any(|p| matches(p)),
            _ => false,
        })
    });
    let items: Vec<Value> = hits
        .iter()
        .take(limit)
        .map(|r| {
            let mut item = json!({
                "id": r.id.parse::<i64>().unwrap_or_default(),
                "type": if obj == Obj::Persons { "person" } else { "organization" },
                "name": r.data.get("name").cloned().unwrap_or(Value::Null),
                "visible_to": r.data.get("visible_to").cloned().unwrap_or(Value::Null),
                "owner": {"id": r.data.get("owner_id").cloned().unwrap_or(Value::Null)},
                "custom_fields": [],
            });
            if obj == Obj::Persons {
                item["emails"] = json!(values(r, "emails"));
                item["phones"] = json!(values(r, "phones"));
            }
            json!({"result_score": 1.0, "item": item})
        })
        .collect();
    Json(json!({
        "success": true,
        "data": {"items": items},
        "additional_data": {"next_cursor": null},
    }))
    .into_response()
}
