//! Zoho's record shapes: ids, times, lookups with names, owners.

use super::*;

pub(super) fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

pub(super) fn zoho_id(sb: &Sandbox) -> String {
    let n: u64 = sb.numeric_id().parse().unwrap_or_default();
    format!("5725767{n:012}")
}

/// A stored record as Zoho answers it: lookups with names, owner with name and e-mail, times.
pub(super) fn render(
    store: &TenantStore,
    module: Module,
    rec: &StoredRecord,
) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("id".into(), Value::String(rec.id.clone()));
    let Value::Object(data) = &rec.data else {
        return out;
    };
    for (k, v) in data {
        out.insert(k.clone(), v.clone());
    }
    let owner_id = data
        .get("Owner")
        .and_then(|o| o.get("id"))
        .and_then(Value::as_str)
        .unwrap_or(USERS[0].0)
        .to_owned();
    out.insert("Owner".into(), owner_json(&owner_id));
    let by = owner_json(&owner_id);
    let by = json!({"name": by.get("name").cloned().unwrap_or(Value::Null), "id": owner_id});
    out.insert("Created_By".into(), by.clone());
    out.insert("Modified_By".into(), by);
    for (field, target) in lookups(module) {
        name_lookup(store, &mut out, field, *target);
    }
    if module == Module::Events {
        let target = data
            .get("$se_module")
            .and_then(Value::as_str)
            .and_then(parse_module);
        if let Some(target) = target {
            name_lookup(store, &mut out, "What_Id", target);
        }
        if let Some(Value::Array(ps)) = out.get("Participants").cloned() {
            let named: Vec<Value> = ps
                .into_iter()
                .map(|mut p| {
                    let kind = p.get("type").and_then(Value::as_str).unwrap_or_default();
                    let id = p
                        .get("participant")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let target = match kind {
                        "contact" => Some(Module::Contacts),
                        "lead" => Some(Module::Leads),
                        _ => None,
                    };
                    if let Some(found) =
                        target.and_then(|t| store.get(t.api_name(), id).map(|r| (t, r)))
                    {
                        if let Some(o) = p.as_object_mut() {
                            o.insert("name".into(), display_name(found.0, &found.1.data));
                            o.insert(
                                "Email".into(),
                                found.1.data.get("Email").cloned().unwrap_or(Value::Null),
                            );
                            o.insert("invited".into(), Value::Bool(false));
                            o.insert("status".into(), Value::String("not_known".into()));
                        }
                    }
                    p
                })
                .collect();
            out.insert("Participants".into(), Value::Array(named));
        }
    }
    if let Some(Value::Array(tags)) = data.get("Tag") {
        out.insert("Tag".into(), Value::Array(tags.clone()));
    }
    out.insert("Created_Time".into(), Value::String(time(rec.created_at)));
    out.insert("Modified_Time".into(), Value::String(time(rec.updated_at)));
    out
}

pub(super) fn name_lookup(
    store: &TenantStore,
    out: &mut Map<String, Value>,
    field: &str,
    target: Module,
) {
    let Some(id) = out
        .get(field)
        .and_then(|v| v.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return;
    };
    let name = store
        .get(target.api_name(), &id)
        .map(|r| display_name(target, &r.data))
        .unwrap_or(Value::Null);
    out.insert(field.into(), json!({"name": name, "id": id}));
}
