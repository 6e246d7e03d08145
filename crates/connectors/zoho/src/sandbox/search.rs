//! `GET /crm/v8/{module}/search?criteria=…`.

use super::*;

/// Parses `(Field:operator:value)`; value escapes `\(`, `\)`, `\,`, `\\`.
pub(super) fn parse_criteria(raw: &str) -> Option<(String, String, String)> {
    let inner = raw.trim().strip_prefix('(')?.strip_suffix(')')?;
    let (field, rest) = inner.split_once(':')?;
    let (op, value) = rest.split_once(':')?;
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push(chars.next()?);
        } else if matches!(c, '(' | ')') {
            return None;
        } else {
            out.push(c);
        }
    }
    Some((field.to_owned(), op.to_owned(), out))
}

pub(super) async fn search_records(
    State(sb): State<Sandbox>,
    ZohoToken(token): ZohoToken,
    _: Checked<ModuleName>,
    Path(module): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let Some(module) = parse_module(&module) else {
        return invalid_module();
    };
    let Some(criteria) = q.get("criteria") else {
        return param_error(
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            "criteria",
        );
    };
    let Some((field, op, value)) = parse_criteria(criteria) else {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_QUERY",
            "invalid query formed",
            json!({"reason": "invalid criteria", "param_name": "criteria"}),
        );
    };
    let per_page = q
        .get("per_page")
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|n| (1..=MAX_PER_PAGE).contains(n))
        .unwrap_or(MAX_PER_PAGE);
    let store = sb.tenant(&token);
    let matches = |r: &StoredRecord| {
        let text = match r.data.get(&field) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Object(o)) => o
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            _ => return false,
        };
        match op.as_str() {
            "equals" => text.eq_ignore_ascii_case(&value),
            "starts_with" => text.to_lowercase().starts_with(&value.to_lowercase()),
            _ => false,
        }
    };
    if !matches!(op.as_str(), "equals" | "starts_with") {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_QUERY",
            "invalid query formed",
            json!({"reason": "the operator is not supported", "param_name": "criteria"}),
        );
    }
    let found: Vec<Value> = store
        .find(module.api_name(), matches)
        .iter()
        .take(per_page)
        .map(|r| Value::Object(render(&store, module, r)))
        .collect();
    if found.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let count = found.len();
    Json(json!({
        "data": found,
        "info": {"per_page": per_page, "count": count, "page": 1, "more_records": false}
    }))
    .into_response()
}
