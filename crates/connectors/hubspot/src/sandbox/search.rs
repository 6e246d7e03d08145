//! `POST /crm/v3/objects/{type}/search`: filter groups, one sort, the 10,000-result window.

use super::*;

#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub(super) enum Cmp {
    Num(f64),
    Text(String),
}

pub(super) fn prop_kind(store: &TenantStore, obj: Obj, prop: &str) -> String {
    definition(store, obj, prop)
        .and_then(|d| d.get("type").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default()
}

pub(super) fn comparable(kind: &str, prop: &str, raw: &str) -> Cmp {
    if prop == "hs_object_id" || kind == "number" {
        if let Ok(Some(d)) = convert::parse_decimal(raw) {
            if let Ok(f) = d.to_string().parse::<f64>() {
                return Cmp::Num(f);
            }
        }
    }
    if kind == "datetime" || kind == "date" {
        if let Ok(Some(dt)) = convert::parse_datetime(raw) {
            return Cmp::Num(dt.timestamp_millis() as f64);
        }
    }
    Cmp::Text(raw.to_lowercase())
}

pub(super) fn matches(
    obj: Obj,
    kind: &str,
    rec: &StoredRecord,
    f: &Filter,
) -> Result<bool, String> {
    let props = full_props(obj, rec);
    let actual = prop_str(&props, &f.property_name).map(str::to_owned);
    let op = f.operator.as_str();
    let need = |v: &Option<String>| {
        v.clone()
            .ok_or_else(|| format!("operator {op} needs a value"))
    };
    let value_of = |s: &str| comparable(kind, &f.property_name, s);
    Ok(match op {
        "HAS_PROPERTY" => actual.is_some(),
        "NOT_HAS_PROPERTY" => actual.is_none(),
        "EQ" | "NEQ" | "LT" | "LTE" | "GT" | "GTE" => {
            let want = need(&f.value)?;
            let eq_multi = || {
                // Multi-value properties (additional emails) match on any of their values.
                actual.as_deref().is_some_and(|a| {
                    convert::split_multi(a)
                        .iter()
                        .any(|part| value_of(part) == value_of(&want))
                })
            };
            match (op, &actual) {
                ("NEQ", None) => true,
                (_, None) => false,
                ("EQ", Some(_)) => eq_multi(),
                ("NEQ", Some(_)) => !eq_multi(),
                (_, Some(a)) => {
                    let (a, w) = (value_of(a), value_of(&want));
                    match op {
                        "LT" => a < w,
                        "LTE" => a <= w,
                        "GT" => a > w,
                        _ => a >= w,
                    }
                }
            }
        }
        "BETWEEN" => {
            let (lo, hi) = (need(&f.value)?, need(&f.high_value)?);
            actual.is_some_and(|a| {
                let a = value_of(&a);
                a >= value_of(&lo) && a <= value_of(&hi)
            })
        }
        "IN" | "NOT_IN" => {
            let values = f
                .values
                .clone()
                .ok_or_else(|| format!("operator {op} needs values"))?;
            let hit = actual
                .as_deref()
                .is_some_and(|a| values.iter().any(|v| value_of(v) == value_of(a)));
            (op == "IN") == hit
        }
        "CONTAINS_TOKEN" | "NOT_CONTAINS_TOKEN" => {
            let want = need(&f.value)?.to_lowercase();
            let want = want.trim_matches('*');
            let hit = actual.is_some_and(|a| a.to_lowercase().contains(want));
            (op == "CONTAINS_TOKEN") == hit
        }
        other => return Err(format!("Unknown operator {other}")),
    })
}

pub(super) async fn search_objects(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(object_type): Path<String>,
    body: Bytes,
) -> Response {
    let obj = match obj_or_404(&sb, &object_type) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let req: SearchRequest = match parse_json(&sb, &body) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let limit = req.limit.map_or(10, |l| l as usize);
    if !(1..=SEARCH_MAX).contains(&limit) {
        return bad_request(&sb, &format!("limit must be between 1 and {SEARCH_MAX}"));
    }
    // "you can include a maximum of five filterGroups with up to six filters in each group,
    //  with a maximum of 18 filters in total"
    let total_filters: usize = req.filter_groups.iter().map(|g| g.filters.len()).sum();
    if req.filter_groups.len() > 5
        || req.filter_groups.iter().any(|g| g.filters.len() > 6)
        || total_filters > 18
    {
        return bad_request(
            &sb,
            "Too many filters: at most 5 filterGroups of at most 6 filters, 18 filters in total",
        );
    }
    let offset = match req.after.as_deref() {
        None | Some("") => 0,
        Some(a) => match a.parse::<usize>() {
            Ok(n) => n,
            Err(_) => return bad_request(&sb, &format!("after must be an integer, got {a}")),
        },
    };
    if offset + limit > SEARCH_WINDOW {
        return bad_request(
            &sb,
            "The search endpoints are limited to 10,000 total results for any given query. Narrow the query to page further.",
        );
    }
    let store = sb.tenant(&token);
    // Filters read property definitions from the store: evaluate them outside its lock.
    let kinds: Vec<Vec<String>> = req
        .filter_groups
        .iter()
        .map(|g| {
            g.filters
                .iter()
                .map(|f| prop_kind(&store, obj, &f.property_name))
                .collect()
        })
        .collect();
    let mut hits: Vec<StoredRecord> = Vec::new();
    for r in store.find(obj.name(), |r| !is_archived(r)) {
        let mut keep = req.filter_groups.is_empty();
        for (g, group_kinds) in req.filter_groups.iter().zip(&kinds) {
            let mut all = true;
            for (f, kind) in g.filters.iter().zip(group_kinds) {
                match matches(obj, kind, &r, f) {
                    Ok(true) => {}
                    Ok(false) => {
                        all = false;
                        break;
                    }
                    Err(e) => return bad_request(&sb, &e),
                }
            }
            if all {
                keep = true;
                break;
            }
        }
        if keep {
            hits.push(r);
        }
    }
    if let Some(q) = req
        .query
        .as_deref()
        .map(str::to_lowercase)
        .filter(|q| !q.is_empty())
    {
        hits.retain(|r| {
            props_of(r)
                .values()
                .filter_map(Value::as_str)
                .any(|v| v.to_lowercase().contains(&q))
        });
    }
    // Without a sort, results come back by creation (record id); with one, ties keep id order.
    hits.sort_by_key(|r| r.id.parse::<u64>().unwrap_or(u64::MAX));
    if let Some(sort) = req.sorts.first() {
        let sort_kind = prop_kind(&store, obj, &sort.property_name);
        let mut keyed: Vec<(Option<Cmp>, StoredRecord)> = hits
            .into_iter()
            .map(|r| {
                let k = prop_str(&full_props(obj, &r), &sort.property_name)
                    .map(|v| comparable(&sort_kind, &sort.property_name, v));
                (k, r)
            })
            .collect();
        let descending = sort.direction.eq_ignore_ascii_case("DESCENDING");
        keyed.sort_by(|(a, _), (b, _)| {
            let o = a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal);
            if descending {
                o.reverse()
            } else {
                o
            }
        });
        hits = keyed.into_iter().map(|(_, r)| r).collect();
    }
    let total = hits.len();
    let page: Vec<Value> = hits
        .iter()
        .skip(offset)
        .take(limit)
        .map(|r| render(&store, obj, r, Some(&req.properties), &[]))
        .collect();
    let mut body = json!({"total": total, "results": page});
    if offset + limit < total {
        body["paging"] = json!({"next": {"after": (offset + limit).to_string()}});
    }
    Json(body).into_response()
}
