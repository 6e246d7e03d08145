//! `GET /crm/v8/{module}`: `fields`, sorting, `page`/`per_page` and `page_token` paging.

use super::*;

pub(super) async fn list_records(
    State(sb): State<Sandbox>,
    ZohoToken(token): ZohoToken,
    _: Checked<ModuleName>,
    Path(module): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let Some(module) = parse_module(&module) else {
        return invalid_module();
    };
    let Some(fields) = q.get("fields").filter(|f| !f.trim().is_empty()) else {
        return param_error(
            "REQUIRED_PARAM_MISSING",
            "required param is missing",
            "fields",
        );
    };
    let fields: Vec<String> = fields.split(',').map(|f| f.trim().to_owned()).collect();
    if fields.len() > MAX_FIELDS {
        return error(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "limit exceeded",
            json!({"limit": MAX_FIELDS, "param_name": "fields"}),
        );
    }
    let per_page = match q.get("per_page").map(|p| p.parse::<usize>()) {
        None => MAX_PER_PAGE,
        Some(Ok(n)) if (1..=MAX_PER_PAGE).contains(&n) => n,
        Some(_) => return param_error("INVALID_DATA", "invalid data", "per_page"),
    };
    let sort_order = q.get("sort_order").map(String::as_str).unwrap_or("desc");
    if !matches!(sort_order, "asc" | "desc") {
        return param_error("INVALID_DATA", "invalid data", "sort_order");
    }
    let sort_by = q.get("sort_by").map(String::as_str).unwrap_or("id");
    if !matches!(sort_by, "id" | "Created_Time" | "Modified_Time") {
        return param_error("INVALID_DATA", "invalid data", "sort_by");
    }
    let since = match headers
        .get("if-modified-since")
        .and_then(|v| v.to_str().ok())
        .map(DateTime::parse_from_rfc3339)
    {
        None => None,
        Some(Ok(t)) => Some(t.with_timezone(&Utc)),
        Some(Err(_)) => return param_error("INVALID_DATA", "invalid data", "If-Modified-Since"),
    };
    let store = sb.tenant(&token);
    let page = match q.get("page_token") {
        Some(token) => match store.next_token_page(token) {
            Ok(p) => p,
            Err(_) => return param_error("INVALID_DATA", "invalid data", "page_token"),
        },
        None => {
            let mut recs: Vec<StoredRecord> = store.find(module.api_name(), |r| {
                since.is_none_or(|s| r.updated_at >= s)
            });
            match sort_by {
                "Modified_Time" => recs.sort_by_key(|r| (r.updated_at, r.seq)),
                _ => recs.sort_by_key(|r| r.seq),
            }
            if sort_order == "desc" {
                recs.reverse();
            }
            let mut items: Vec<Value> = recs
                .iter()
                .map(|r| Value::Object(project(render(&store, module, r), &fields)))
                .collect();
            let page_no = match q.get("page").map(|p| p.parse::<usize>()) {
                None => 1,
                Some(Ok(n)) if (1..=MAX_PAGE).contains(&n) => n,
                Some(Ok(_)) => return error(
                    StatusCode::BAD_REQUEST,
                    "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
                    "you can only get the first 2000 records without using the page_token param",
                    json!({"limit": 2000}),
                ),
                Some(Err(_)) => return param_error("INVALID_DATA", "invalid data", "page"),
            };
            items.drain(..((page_no - 1) * per_page).min(items.len()));
            if items.is_empty() {
                return if since.is_some() {
                    StatusCode::NOT_MODIFIED.into_response()
                } else {
                    StatusCode::NO_CONTENT.into_response()
                };
            }
            let locator = format!("{:016x}", sb.random_below(u64::MAX));
            match store.open_token_pages(locator, items, per_page) {
                Ok(p) => p,
                Err(_) => return param_error("INVALID_DATA", "invalid data", "per_page"),
            }
        }
    };
    let count = page.items.len();
    let more = page.next.is_some();
    let expiry = time(sb.now() + chrono::Duration::days(1));
    Json(json!({
        "data": page.items,
        "info": {
            "call": false,
            "per_page": per_page,
            "next_page_token": page.next,
            "count": count,
            "sort_by": sort_by,
            "page": 1,
            "page_token_expiry": if more { Value::String(expiry) } else { Value::Null },
            "sort_order": sort_order,
            "email": false,
            "more_records": more,
            "previous_page_token": Value::Null
        }
    }))
    .into_response()
}

/// Only the requested fields (and `id`).
pub(super) fn project(rec: Map<String, Value>, fields: &[String]) -> Map<String, Value> {
    rec.into_iter()
        .filter(|(k, _)| k == "id" || fields.iter().any(|f| f == k) || k == "$se_module")
        .collect()
}
