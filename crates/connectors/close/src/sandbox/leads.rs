//! `/lead/` and `/lead/{id}/`.

use super::*;

pub(super) async fn list_leads(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Query(q): Query<BTreeMap<String, String>>,
) -> Answer {
    let (skip, limit) = page_params(&q)?;
    let store = sb.tenant(&token);
    let name_filter = match q.get("query").map(|s| s.trim()) {
        None | Some("") => None,
        Some(query) => match query
            .strip_prefix("name:\"")
            .and_then(|r| r.strip_suffix('"'))
        {
            Some(name) => Some(
                name.replace("\\\"", "\"")
                    .replace("\\\\", "\\")
                    .to_lowercase(),
            ),
            None => {
                return Err(bad_request(
                    "The sandbox's lead search understands name:\"…\" queries only.",
                ))
            }
        },
    };
    let items: Vec<Value> = store
        .find("lead", |r| {
            name_filter.as_ref().is_none_or(|n| {
                r.data
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|name| name.to_lowercase().contains(n.as_str()))
            })
        })
        .iter()
        .map(|r| render_lead(&store, r))
        .collect();
    list_answer(items, skip, limit, true)
}

pub(super) async fn create_lead(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    body: axum::body::Bytes,
) -> Answer {
    let mut obj = body_object(&body)?;
    check_keys(&obj, LEAD_KEYS)?;
    lead_status(&mut obj)?;
    if !obj.contains_key("status_id") {
        obj.insert("status_id".into(), json!(LEAD_STATUSES[0].0));
    }
    let contacts = match obj.remove("contacts") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => {
            let mut out = Vec::new();
            for c in list {
                let Value::Object(c) = c else {
                    return Err(field_error("contacts", "Not a valid list of objects."));
                };
                out.push(clean_contact(c)?);
            }
            out
        }
        Some(_) => return Err(field_error("contacts", "Not a valid list.")),
    };
    if obj
        .get("name")
        .and_then(Value::as_str)
        .is_none_or(|n| n.trim().is_empty())
    {
        // Close names a lead without a name after its first contact.
        let from_contact = contacts
            .first()
            .and_then(|c| c.get("name"))
            .cloned()
            .unwrap_or(json!("Untitled"));
        obj.insert("name".into(), from_contact);
    }
    let store = sb.tenant(&token);
    let id = new_id(&sb, "lead_");
    let rec = store
        .insert("lead", id.clone(), Value::Object(obj))
        .map_err(|e| bad_request(&e.to_string()))?;
    for mut c in contacts {
        c.insert("lead_id".into(), json!(id));
        store
            .insert("contact", new_id(&sb, "cont_"), Value::Object(c))
            .map_err(|e| bad_request(&e.to_string()))?;
    }
    ok(render_lead(&store, &rec))
}

pub(super) async fn get_lead(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path(id): Path<String>,
) -> Answer {
    let store = sb.tenant(&token);
    let rec = store.get("lead", &id).ok_or_else(not_found)?;
    ok(render_lead(&store, &rec))
}

pub(super) async fn update_lead(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Answer {
    let mut obj = body_object(&body)?;
    check_keys(&obj, LEAD_KEYS)?;
    if obj.contains_key("contacts") {
        return Err(field_error(
            "contacts",
            "Contacts cannot be updated through the lead; use the contact endpoints.",
        ));
    }
    lead_status(&mut obj)?;
    let store = sb.tenant(&token);
    let rec = store
        .merge("lead", &id, &Value::Object(obj))
        .map_err(|_| not_found())?;
    ok(render_lead(&store, &rec))
}

pub(super) async fn delete_lead(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path(id): Path<String>,
) -> Answer {
    let store = sb.tenant(&token);
    store.delete("lead", &id).map_err(|_| not_found())?;
    // Deleting a lead deletes everything on it.
    for coll in ["contact", "opportunity", "meeting"] {
        for r in store.find(coll, |r| {
            r.data.get("lead_id").and_then(Value::as_str) == Some(id.as_str())
        }) {
            let _ = store.delete(coll, &r.id);
        }
    }
    ok(json!({}))
}
