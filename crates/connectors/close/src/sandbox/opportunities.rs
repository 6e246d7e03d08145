//! `/opportunity/` and `/opportunity/{id}/`.

use super::*;

pub(super) const OPPORTUNITY_KEYS: &[&str] = &[
    "note",
    "note_html",
    "value",
    "value_period",
    "status",
    "status_id",
    "pipeline_id",
    "date_won",
    "confidence",
    "lead_id",
    "contact_id",
    "user_id",
    "attachments",
];

pub(super) fn clean_opportunity(
    store: &TenantStore,
    mut obj: Map<String, Value>,
) -> Result<Map<String, Value>, Response> {
    check_keys(&obj, OPPORTUNITY_KEYS)?;
    let mut errors = BTreeMap::new();
    if let Some(label) = obj.remove("status") {
        let label = label.as_str().unwrap_or_default();
        match OPPORTUNITY_STATUSES
            .iter()
            .find(|s| s.1.eq_ignore_ascii_case(label))
        {
            Some(s) => {
                obj.insert("status_id".into(), json!(s.0));
            }
            None => {
                errors.insert("status".into(), json!("Status does not exist."));
            }
        }
    }
    if let Some(id) = obj.get("status_id") {
        if !OPPORTUNITY_STATUSES
            .iter()
            .any(|s| Some(s.0) == id.as_str())
        {
            errors.insert("status_id".into(), json!("Status does not exist."));
        }
    }
    if let Some(p) = obj.remove("pipeline_id") {
        if p.as_str() != Some(PIPELINE.0) {
            errors.insert("pipeline_id".into(), json!("Pipeline does not exist."));
        }
    }
    if let Some(v) = obj.get("value") {
        if !v.is_null() && !v.is_i64() {
            errors.insert("value".into(), json!("Not a valid integer."));
        }
    }
    if let Some(c) = obj.get("confidence") {
        if !c.as_i64().is_some_and(|c| (0..=100).contains(&c)) {
            errors.insert(
                "confidence".into(),
                json!("Must be an integer between 0 and 100."),
            );
        }
    }
    if let Some(p) = obj.get("value_period") {
        if !matches!(p.as_str(), Some("one_time" | "monthly" | "annual")) {
            errors.insert("value_period".into(), json!("Not a valid choice."));
        }
    }
    if let Some(d) = obj.get("date_won").filter(|d| !d.is_null()) {
        let valid = d.as_str().is_some_and(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() || parse_time(s).is_some()
        });
        if !valid {
            errors.insert("date_won".into(), json!("Not a valid date."));
        }
    }
    if let Some(u) = obj.get("user_id").filter(|u| !u.is_null()) {
        if !USERS.iter().any(|x| Some(x.0) == u.as_str()) {
            errors.insert("user_id".into(), json!("User does not exist."));
        }
    }
    if let Some(l) = obj.get("lead_id").and_then(Value::as_str) {
        if store.get("lead", l).is_none() {
            errors.insert("lead_id".into(), json!("Lead does not exist."));
        }
    }
    if let Some(c) = obj.get("contact_id").and_then(Value::as_str) {
        if store.get("contact", c).is_none() {
            errors.insert("contact_id".into(), json!("Contact does not exist."));
        }
    }
    if errors.is_empty() {
        Ok(obj)
    } else {
        Err(field_errors(errors))
    }
}

pub(super) async fn list_opportunities(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Query(q): Query<BTreeMap<String, String>>,
) -> Answer {
    let (skip, limit) = page_params(&q)?;
    let since = match q.get("date_updated__gte") {
        None => None,
        Some(s) => Some(
            parse_time(s)
                .or_else(|| {
                    NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .ok()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                        .map(|d| d.and_utc())
                })
                .ok_or_else(|| field_error("date_updated__gte", "Not a valid datetime."))?,
        ),
    };
    let lead = q.get("lead_id").cloned();
    let store = sb.tenant(&token);
    let items: Vec<Value> = store
        .find("opportunity", |r| {
            since.is_none_or(|t| r.updated_at >= t)
                && lead
                    .as_deref()
                    .is_none_or(|l| r.data.get("lead_id").and_then(Value::as_str) == Some(l))
        })
        .iter()
        .map(|r| render_opportunity(&store, r))
        .collect();
    list_answer(items, skip, limit, true)
}

pub(super) async fn create_opportunity(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    body: axum::body::Bytes,
) -> Answer {
    let store = sb.tenant(&token);
    let mut obj = clean_opportunity(&store, body_object(&body)?)?;
    if !obj.contains_key("status_id") {
        obj.insert("status_id".into(), json!(OPPORTUNITY_STATUSES[0].0));
    }
    obj.entry("user_id").or_insert(json!(USER_ID));
    if obj.get("lead_id").and_then(Value::as_str).is_none() {
        // "If not provided, a new lead will be created (appearing as "Untitled" in the UI)."
        let lead_id = new_id(&sb, "lead_");
        store
            .insert(
                "lead",
                lead_id.clone(),
                json!({"name": "Untitled", "status_id": LEAD_STATUSES[0].0}),
            )
            .map_err(|e| bad_request(&e.to_string()))?;
        obj.insert("lead_id".into(), json!(lead_id));
    }
    won_date(&mut obj);
    let rec = store
        .insert("opportunity", new_id(&sb, "oppo_"), Value::Object(obj))
        .map_err(|e| bad_request(&e.to_string()))?;
    ok(render_opportunity(&store, &rec))
}

/// "Setting the status_id to a status with a type of won will automatically set the date_won
/// field if it is not already set or provided in the request."
pub(super) fn won_date(obj: &mut Map<String, Value>) {
    let won = obj
        .get("status_id")
        .and_then(Value::as_str)
        .is_some_and(|id| {
            OPPORTUNITY_STATUSES
                .iter()
                .any(|s| s.0 == id && s.2 == "won")
        });
    if won && obj.get("date_won").is_none_or(Value::is_null) {
        obj.insert(
            "date_won".into(),
            json!(Utc::now().date_naive().format("%Y-%m-%d").to_string()),
        );
    }
}

pub(super) async fn get_opportunity(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path(id): Path<String>,
) -> Answer {
    let store = sb.tenant(&token);
    let rec = store.get("opportunity", &id).ok_or_else(not_found)?;
    ok(render_opportunity(&store, &rec))
}

pub(super) async fn update_opportunity(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Answer {
    let store = sb.tenant(&token);
    let current = store.get("opportunity", &id).ok_or_else(not_found)?;
    let raw = body_object(&body)?;
    if raw.contains_key("pipeline_id") {
        return Err(field_error("pipeline_id", "Unknown field."));
    }
    let mut obj = clean_opportunity(&store, raw)?;
    if obj.contains_key("status_id") && current.data.get("date_won").is_none_or(Value::is_null) {
        won_date(&mut obj);
    }
    let rec = store
        .merge("opportunity", &id, &Value::Object(obj))
        .map_err(|_| not_found())?;
    ok(render_opportunity(&store, &rec))
}

pub(super) async fn delete_opportunity(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path(id): Path<String>,
) -> Answer {
    sb.tenant(&token)
        .delete("opportunity", &id)
        .map_err(|_| not_found())?;
    ok(json!({}))
}
