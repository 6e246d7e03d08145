//! `POST /v2/objects/{object}/records/query`: filters, sorts, `limit`/`offset`.

use super::*;

#[derive(Debug, Default, Deserialize)]
pub(super) struct QueryBody {
    #[serde(default)]
    pub(super) filter: Option<Value>,
    #[serde(default)]
    pub(super) sorts: Option<Vec<Value>>,
    #[serde(default)]
    pub(super) limit: Option<i64>,
    #[serde(default)]
    pub(super) offset: Option<i64>,
}

pub(super) async fn query_records(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(object): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    respond((|| {
        object_schema(&object)?;
        let raw = if body.is_empty() {
            json!({})
        } else {
            json_body(&body)?
        };
        let q: QueryBody = serde_json::from_value(raw).map_err(|e| {
            bad_request(
                "validation_type",
                &format!("Body payload validation error: {e}"),
            )
        })?;
        let limit = q.limit.unwrap_or(500);
        let offset = q.offset.unwrap_or(0);
        if limit < 1 || offset < 0 {
            return Err(bad_request(
                "validation_type",
                "Body payload validation error: limit must be at least 1 and offset at least 0.",
            ));
        }
        let store = sb.tenant(&token);
        let mut records: Vec<(u64, Value)> = store
            .list(&object)
            .into_iter()
            .map(|r| (r.seq, r.data))
            .collect();
        if let Some(filter) = &q.filter {
            let mut kept = Vec::new();
            for (seq, r) in records {
                if matches_filter(&object, &token, &r, filter)? {
                    kept.push((seq, r));
                }
            }
            records = kept;
        }
        for sort in q.sorts.iter().flatten().rev() {
            let attribute = sort.get("attribute").and_then(Value::as_str).unwrap_or("");
            let desc = sort.get("direction").and_then(Value::as_str) == Some("desc");
            if find_attr(&object, attribute, &token).is_none() {
                return Err(bad_request(
                    "filter_error",
                    &format!("Cannot sort by unknown attribute \"{attribute}\"."),
                ));
            }
            records.sort_by(|(sa, a), (sb_, b)| {
                let ka = sort_key(a, attribute);
                let kb = sort_key(b, attribute);
                let ord = ka.cmp(&kb).then(sa.cmp(sb_));
                if desc {
                    ord.reverse()
                } else {
                    ord
                }
            });
        }
        let page = paging::offset_limit(records, offset as usize, limit as usize)
            .map_err(|e| bad_request("validation_type", &e.to_string()))?;
        let data: Vec<Value> = page.items.into_iter().map(|(_, r)| r).collect();
        ok(json!({ "data": data }))
    })())
}

pub(super) fn sort_key(record: &Value, attribute: &str) -> String {
    if attribute == "created_at" {
        return record["created_at"].as_str().unwrap_or("").to_owned();
    }
    record["values"][attribute][0]
        .as_object()
        .map(|v| {
            crate::mapping::simple_value(v)
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| Value::Object(v.clone()).to_string())
        })
        .unwrap_or_default()
}

/// Shorthand filters (`{"name": "Acme"}`, `{"email_addresses": "a@b.c"}`) and `$and` of them;
/// anything else is Attio's `filter_error`.
pub(super) fn matches_filter(
    object: &str,
    token: &str,
    record: &Value,
    filter: &Value,
) -> Result<bool, Response> {
    let filter_error = || bad_request("filter_error", "Error in filter.");
    let Some(f) = filter.as_object() else {
        return Err(filter_error());
    };
    for (key, want) in f {
        if key == "$and" {
            for part in want.as_array().ok_or_else(filter_error)? {
                if !matches_filter(object, token, record, part)? {
                    return Ok(false);
                }
            }
            continue;
        }
        let attr = find_attr(object, key, token).ok_or_else(filter_error)?;
        let want = match want {
            Value::String(s) => s.to_lowercase(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return Err(filter_error()),
        };
        let values = record["values"][attr.slug]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let hit = values.iter().filter_map(Value::as_object).any(|v| {
            let s = match attr.kind {
                "record-reference" => v.get("target_record_id").cloned().unwrap_or(Value::Null),
                _ => crate::mapping::simple_value(v),
            };
            match s {
                Value::String(s) => s.to_lowercase() == want,
                Value::Null => false,
                other => {
                    let s = other.to_string();
                    s == want
                }
            }
        });
        if !hit {
            return Ok(false);
        }
    }
    Ok(true)
}
