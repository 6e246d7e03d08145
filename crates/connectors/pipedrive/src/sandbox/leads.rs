//! API v1 leads: `/v1/leads[/{id}]` with `start`/`limit` paging.

use super::*;

/// Writable lead fields (v1); custom field keys are accepted top-level too.
pub(super) const LEAD_WRITABLE: &[&str] = &[
    "title",
    "owner_id",
    "label_ids",
    "person_id",
    "organization_id",
    "value",
    "expected_close_date",
    "visible_to",
    "was_seen",
    "origin_id",
    "channel",
    "channel_id",
    "is_archived",
];

pub(super) fn validate_lead(
    store: &TenantStore,
    body: &Map<String, Value>,
    current: Option<&Value>,
) -> Result<(), Response> {
    let create = current.is_none();
    for (k, v) in body {
        match k.as_str() {
            "owner_id" => check_owner(v)?,
            "person_id" => check_ref(store, k, v, "persons", "Person")?,
            "organization_id" => check_ref(store, k, v, "organizations", "Organization")?,
            "expected_close_date" => check_date(k, v)?,
            "label_ids" => {
                let fine = v
                    .as_array()
                    .is_some_and(|a| a.iter().all(|l| l.as_str().is_some_and(is_uuid)));
                if !fine {
                    return Err(bad("Validation failed: label_ids: Parameter 'label_ids' must be an array of UUIDs"));
                }
            }
            "value" => {
                let fine = v.is_null()
                    || (v.get("amount").is_some_and(Value::is_number)
                        && v.get("currency").and_then(Value::as_str).is_some());
                if !fine {
                    return Err(bad(
                        "Validation failed: value: both 'amount' and 'currency' are required",
                    ));
                }
            }
            k if is_custom_key(k) && !defined_custom_key(Obj::Deals, k) => {
                return Err(bad(format!(
                    "Validation failed: {k}: Unknown custom field key '{k}'"
                )))
            }
            "is_archived" | "was_seen" if !v.is_boolean() => {
                return Err(bad(format!(
                    "Validation failed: {k}: Parameter '{k}' must be a boolean"
                )))
            }
            _ => {}
        }
    }
    check_name("title", body, create)?;
    let linked = |k: &str| {
        body.get(k)
            .or_else(|| current.and_then(|c| c.get(k)))
            .is_some_and(|v| !v.is_null())
    };
    if !linked("person_id") && !linked("organization_id") {
        return Err(bad("A lead must be linked to a person or an organization"));
    }
    Ok(())
}

/// Lead custom fields are the account's deal custom fields, sent top-level.
pub(super) fn lead_writable(body: Map<String, Value>) -> Map<String, Value> {
    body.into_iter()
        .filter(|(k, _)| LEAD_WRITABLE.contains(&k.as_str()) || defined_custom_key(Obj::Deals, k))
        .collect()
}

pub(super) async fn list_leads(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    RawQuery(q): RawQuery,
) -> Response {
    let store = sb.tenant(&token);
    let pairs = query_pairs(&q);
    let start = param(&pairs, "start")
        .map(|s| s.parse::<usize>())
        .transpose();
    let limit = param(&pairs, "limit")
        .map(|s| s.parse::<usize>())
        .transpose();
    let (Ok(start), Ok(limit)) = (start, limit) else {
        return bad("Validation failed: start/limit must be non-negative integers");
    };
    let limit = limit.unwrap_or(PAGE_DEFAULT);
    if !(1..=PAGE_MAX).contains(&limit) {
        return bad(
            "Validation failed: limit: Parameter 'limit' must be an integer between 1 and 500",
        );
    }
    let start = start.unwrap_or(0);
    let records = store.list("leads");
    let page = match offset_limit(records, start, limit) {
        Ok(p) => p,
        Err(_) => return bad("Validation failed: limit"),
    };
    let data: Vec<Value> = page.items.iter().map(render_lead).collect();
    let mut pagination = json!({
        "start": start,
        "limit": limit,
        "more_items_in_collection": page.has_more(),
    });
    if let Some(next) = page.next_offset {
        pagination["next_start"] = json!(next);
    }
    Json(json!({
        "success": true,
        "data": data,
        "additional_data": {"pagination": pagination},
    }))
    .into_response()
}

pub(super) async fn get_lead(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<LeadId>,
    Path(id): Path<String>,
) -> Response {
    match sb.tenant(&token).get("leads", &id) {
        Some(rec) => ok(StatusCode::OK, render_lead(&rec)),
        None => not_found("Lead"),
    }
}

pub(super) async fn create_lead(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    body: Bytes,
) -> Response {
    let store = sb.tenant(&token);
    let body = match parse_object(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = validate_lead(&store, &body, None) {
        return r;
    }
    let mut data = match json!({
        "owner_id": API_USER, "creator_id": API_USER, "label_ids": [], "person_id": null,
        "organization_id": null, "source_name": "API", "origin": "API", "origin_id": null,
        "channel": null, "channel_id": null, "is_archived": false, "was_seen": false,
        "value": null, "expected_close_date": null, "next_activity_id": null,
        "visible_to": "3",
    }) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    data.extend(lead_writable(body));
    let id = sb.uuid();
    data.insert(
        "cc_email".into(),
        json!(format!("sandbox+lead{}@pipedrivemail.example", &id[..8])),
    );
    match store.insert("leads", id, Value::Object(data)) {
        Ok(rec) => ok(StatusCode::CREATED, render_lead(&rec)),
        Err(e) => err(StatusCode::CONFLICT, e.to_string()),
    }
}

pub(super) async fn update_lead(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<LeadId>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let store = sb.tenant(&token);
    let Some(current) = store.get("leads", &id) else {
        return not_found("Lead");
    };
    let body = match parse_object(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = validate_lead(&store, &body, Some(&current.data)) {
        return r;
    }
    let changes = lead_writable(body);
    match store.update("leads", &id, |data| {
        if let Value::Object(m) = data {
            m.extend(changes);
        }
    }) {
        Ok(rec) => ok(StatusCode::OK, render_lead(&rec)),
        Err(_) => not_found("Lead"),
    }
}

pub(super) async fn delete_lead(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<LeadId>,
    Path(id): Path<String>,
) -> Response {
    match sb.tenant(&token).delete("leads", &id) {
        Ok(rec) => ok(StatusCode::OK, json!({"id": rec.id})),
        Err(_) => not_found("Lead"),
    }
}
