//! `/contact/` and `/contact/{id}/`.

use super::*;

pub(super) async fn list_contacts(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Query(q): Query<BTreeMap<String, String>>,
) -> Answer {
    let (skip, limit) = page_params(&q)?;
    let store = sb.tenant(&token);
    let lead = q.get("lead_id").cloned();
    let items: Vec<Value> = store
        .find("contact", |r| {
            lead.as_deref()
                .is_none_or(|l| r.data.get("lead_id").and_then(Value::as_str) == Some(l))
        })
        .iter()
        .map(render_contact)
        .collect();
    list_answer(items, skip, limit, false)
}

pub(super) async fn create_contact(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    body: axum::body::Bytes,
) -> Answer {
    let mut obj = clean_contact(body_object(&body)?)?;
    let store = sb.tenant(&token);
    match obj.get("lead_id").and_then(Value::as_str) {
        Some(lead) => {
            if store.get("lead", lead).is_none() {
                return Err(field_error("lead_id", "Lead does not exist."));
            }
        }
        None => {
            // "If you do not provide a lead_id then a new lead will be created, named after the
            // contact."
            let name = obj.get("name").cloned().unwrap_or(json!("Untitled"));
            let lead_id = new_id(&sb, "lead_");
            store
                .insert(
                    "lead",
                    lead_id.clone(),
                    json!({"name": name, "status_id": LEAD_STATUSES[0].0}),
                )
                .map_err(|e| bad_request(&e.to_string()))?;
            obj.insert("lead_id".into(), json!(lead_id));
        }
    }
    let rec = store
        .insert("contact", new_id(&sb, "cont_"), Value::Object(obj))
        .map_err(|e| bad_request(&e.to_string()))?;
    ok(render_contact(&rec))
}

pub(super) async fn get_contact(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path(id): Path<String>,
) -> Answer {
    let rec = sb
        .tenant(&token)
        .get("contact", &id)
        .ok_or_else(not_found)?;
    ok(render_contact(&rec))
}

pub(super) async fn update_contact(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Answer {
    let obj = clean_contact(body_object(&body)?)?;
    let store = sb.tenant(&token);
    if let Some(lead) = obj.get("lead_id").and_then(Value::as_str) {
        if store.get("lead", lead).is_none() {
            return Err(field_error("lead_id", "Lead does not exist."));
        }
    }
    let rec = store
        .merge("contact", &id, &Value::Object(obj))
        .map_err(|_| not_found())?;
    ok(render_contact(&rec))
}

pub(super) async fn delete_contact(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path(id): Path<String>,
) -> Answer {
    sb.tenant(&token)
        .delete("contact", &id)
        .map_err(|_| not_found())?;
    ok(json!({}))
}
