//! `_skip`/`_limit` paging answering `{data, has_more}`.

use super::*;

pub(super) fn page_params(q: &BTreeMap<String, String>) -> Result<(usize, usize), Response> {
    let num = |k: &str, default: usize| -> Result<usize, Response> {
        match q.get(k) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .map_err(|_| field_error(k, "Not a valid integer.")),
        }
    };
    let skip = num("_skip", 0)?;
    let limit = num("_limit", 100)?;
    if limit == 0 || limit > MAX_LIMIT {
        return Err(bad_request(&format!(
            "_limit must be between 1 and {MAX_LIMIT}."
        )));
    }
    Ok((skip, limit))
}

pub(super) fn list_answer(items: Vec<Value>, skip: usize, limit: usize, total: bool) -> Answer {
    let n = items.len();
    let page = offset_limit(items, skip, limit).map_err(|e| bad_request(&e.to_string()))?;
    let mut out = json!({"data": page.items, "has_more": page.has_more()});
    if total {
        out["total_results"] = json!(n);
    }
    ok(out)
}
