//! `/crm/v3/objects/{type}[/{id}]`: list, get, create, update, archive; and `batch/read`.

use super::*;

pub(super) fn obj_or_404(sb: &Sandbox, raw: &str) -> Result<Obj, Response> {
    Obj::parse(raw).ok_or_else(|| {
        error(
            sb,
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            &format!("Unable to infer object type from: {raw}"),
            json!([]),
        )
    })
}

/// Where a record sits in list order: archived or not, then by numeric record id (a
/// non-numeric id last); ties keep insertion order.
pub(super) fn list_order(rec: &StoredRecord) -> Option<(u64, u64)> {
    Some((
        u64::from(is_archived(rec)),
        rec.id.parse::<u64>().unwrap_or(u64::MAX),
    ))
}

pub(super) async fn list_objects(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(object_type): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let obj = match obj_or_404(&sb, &object_type) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let params = Params::parse(q);
    let limit = match params.get("limit").map(str::parse::<usize>) {
        None => 10,
        Some(Ok(n)) if (1..=LIST_MAX).contains(&n) => n,
        Some(_) => {
            return bad_request(&sb, &format!("limit must be between 1 and {LIST_MAX}"));
        }
    };
    let assoc = match associations_param(&params) {
        Ok(a) => a,
        Err(m) => return bad_request(&sb, &m),
    };
    let archived = params.get("archived") == Some("true");
    // `after` is the id of the next record ("This value is the Record ID of the next record").
    let from = match params.get("after") {
        None | Some("") => 0,
        Some(a) => match a.parse::<u64>() {
            Ok(after) => after,
            Err(_) => return bad_request(&sb, &format!("Invalid after cursor: {a}")),
        },
    };
    let store = sb.tenant(&token);
    // The page and the record after it, by record id, from the store's listing order (no scan).
    let mut records = store.ordered_from(
        obj.name(),
        "hubspot-list",
        list_order,
        u64::from(archived),
        from,
        limit + 1,
    );
    let next = (records.len() > limit).then(|| records.pop()).flatten();
    let wanted = params.list("properties");
    let page: Vec<Value> = records
        .iter()
        .map(|r| render(&store, obj, r, Some(&wanted), &assoc))
        .collect();
    let mut body = json!({ "results": page });
    if let Some(next) = next {
        body["paging"] = json!({"next": {
            "after": next.id,
            "link": format!("?after={}", next.id),
        }});
    }
    Json(body).into_response()
}

pub(super) async fn get_object(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path((object_type, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Response {
    let obj = match obj_or_404(&sb, &object_type) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let params = Params::parse(q);
    let assoc = match associations_param(&params) {
        Ok(a) => a,
        Err(m) => return bad_request(&sb, &m),
    };
    let store = sb.tenant(&token);
    let archived = params.get("archived") == Some("true");
    let found = if params.get("idProperty") == Some("email") && obj == Obj::Contacts {
        contact_with_email(&store, &id, None).and_then(|i| store.get("contacts", &i))
    } else {
        store.get(obj.name(), &id)
    };
    match found {
        Some(rec) if is_archived(&rec) == archived => {
            let wanted = params.list("properties");
            Json(render(&store, obj, &rec, Some(&wanted), &assoc)).into_response()
        }
        _ => not_found(&sb),
    }
}

pub(super) async fn create_object(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(object_type): Path<String>,
    body: Bytes,
) -> Response {
    let obj = match obj_or_404(&sb, &object_type) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let input: ObjectInputForCreate = match parse_json(&sb, &body) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let store = sb.tenant(&token);
    match create_in(&sb, &store, obj, input) {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(r) => r,
    }
}

pub(super) fn create_in(
    sb: &Sandbox,
    store: &TenantStore,
    obj: Obj,
    mut input: ObjectInputForCreate,
) -> Result<Value, Response> {
    let problems = validate_properties(store, obj, &input.properties);
    if !problems.is_empty() {
        return Err(invalid_properties(sb, problems));
    }
    let links = check_associations(sb, store, obj, &input.associations)?;
    let p = &mut input.properties;
    let has = |p: &BTreeMap<String, String>, k: &str| p.get(k).is_some_and(|v| !v.is_empty());
    match obj {
        Obj::Contacts => {
            if let Some(email) = p.get("email").filter(|e| !e.is_empty()) {
                if let Some(existing) = contact_with_email(store, email, None) {
                    return Err(conflict(sb, &existing));
                }
            }
        }
        Obj::Companies => {}
        Obj::Deals => {
            for k in ["dealname", "dealstage"] {
                if !has(p, k) {
                    return Err(invalid_properties(
                        sb,
                        vec![Invalid {
                            name: k.to_owned(),
                            code: "REQUIRED_PROPERTY",
                            message: format!("Property \"{k}\" is required"),
                        }],
                    ));
                }
            }
            if !has(p, "pipeline") {
                p.insert("pipeline".into(), "default".into());
            }
        }
        Obj::Meetings => {
            // "When the property value is missing, the value will default to hs_meeting_start_time."
            if !has(p, "hs_timestamp") {
                match p
                    .get("hs_meeting_start_time")
                    .filter(|v| !v.is_empty())
                    .cloned()
                {
                    Some(start) => {
                        p.insert("hs_timestamp".into(), start);
                    }
                    None => {
                        return Err(invalid_properties(
                            sb,
                            vec![Invalid {
                                name: "hs_timestamp".into(),
                                code: "REQUIRED_PROPERTY",
                                message: "Property \"hs_timestamp\" is required".into(),
                            }],
                        ))
                    }
                }
            }
        }
        Obj::Leads => {
            if !has(p, "hs_lead_name") {
                return Err(invalid_properties(
                    sb,
                    vec![Invalid {
                        name: "hs_lead_name".into(),
                        code: "REQUIRED_PROPERTY",
                        message: "Property \"hs_lead_name\" is required".into(),
                    }],
                ));
            }
            // "Your new lead … Must be associated with an existing contact."
            if !links.iter().any(|(to, _, _, _)| *to == Obj::Contacts) {
                return Err(bad_request(
                    sb,
                    "A lead must be associated with an existing contact when it is created (associationTypeId 578, lead to primary contact).",
                ));
            }
        }
    }
    let id = sb.numeric_id();
    let props: Map<String, Value> = input
        .properties
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let rec = store
        .insert(
            obj.name(),
            id.clone(),
            json!({"properties": props, "archived": false}),
        )
        .map_err(|_| bad_request(sb, "record id collision"))?;
    for (to, to_id, fwd, back) in &links {
        link(store, obj, &id, *to, to_id, *fwd, *back);
    }
    if obj == Obj::Leads {
        refresh_lead_derived(store, &id);
    }
    let rec = store.get(obj.name(), &id).unwrap_or(rec);
    let all: Vec<String> = full_props(obj, &rec).keys().cloned().collect();
    Ok(render(store, obj, &rec, Some(&all), &[]))
}

pub(super) async fn update_object(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path((object_type, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let obj = match obj_or_404(&sb, &object_type) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let input: ObjectInput = match parse_json(&sb, &body) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let store = sb.tenant(&token);
    let Some(rec) = store.get(obj.name(), &id).filter(|r| !is_archived(r)) else {
        return not_found(&sb);
    };
    let problems = validate_properties(&store, obj, &input.properties);
    if !problems.is_empty() {
        return invalid_properties(&sb, problems);
    }
    if obj == Obj::Contacts {
        if let Some(email) = input.properties.get("email").filter(|e| !e.is_empty()) {
            if let Some(existing) = contact_with_email(&store, email, Some(&id)) {
                return conflict(&sb, &existing);
            }
        }
    }
    if obj == Obj::Leads
        && input
            .properties
            .get("hs_lead_name")
            .is_some_and(String::is_empty)
    {
        return bad_request(&sb, "Property \"hs_lead_name\" cannot be cleared");
    }
    let mut props = props_of(&rec);
    for (k, v) in input.properties {
        if v.is_empty() {
            props.remove(&k);
        } else {
            props.insert(k, Value::String(v));
        }
    }
    let mut data = rec.data.clone();
    data["properties"] = Value::Object(props);
    let Ok(rec) = store.replace(obj.name(), &id, data) else {
        return not_found(&sb);
    };
    if obj == Obj::Contacts || obj == Obj::Companies {
        for lead in store.list("leads") {
            refresh_lead_derived(&store, &lead.id);
        }
    }
    let all: Vec<String> = full_props(obj, &rec).keys().cloned().collect();
    Json(render(&store, obj, &rec, Some(&all), &[])).into_response()
}

pub(super) async fn delete_object(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path((object_type, id)): Path<(String, String)>,
) -> Response {
    let obj = match obj_or_404(&sb, &object_type) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let store = sb.tenant(&token);
    let Some(rec) = store.get(obj.name(), &id) else {
        return not_found(&sb);
    };
    // Archiving moves the record to the recycling bin; archiving twice is still a 204.
    if !is_archived(&rec) {
        let mut data = rec.data.clone();
        data["archived"] = Value::Bool(true);
        data["archivedAt"] = Value::String(convert::format_datetime(&sb.now()));
        let _ = store.replace(obj.name(), &id, data);
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `BatchReadInputSimplePublicObjectId`: `{properties, inputs: [{id}]}` (at most 100 inputs).
#[derive(serde::Deserialize)]
pub(super) struct BatchReadInput {
    #[serde(default)]
    pub(super) properties: Vec<String>,
    pub(super) inputs: Vec<crate::wire::AssociationTarget>,
}

pub(super) async fn batch_read(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(object_type): Path<String>,
    body: Bytes,
) -> Response {
    let obj = match obj_or_404(&sb, &object_type) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let input: BatchReadInput = match parse_json(&sb, &body) {
        Ok(i) => i,
        Err(r) => return r,
    };
    if input.inputs.len() > 100 {
        return bad_request(&sb, "Batch read is limited to 100 inputs");
    }
    let store = sb.tenant(&token);
    let now = convert::format_datetime(&sb.now());
    let results: Vec<Value> = input
        .inputs
        .iter()
        .filter_map(|i| store.get(obj.name(), &i.id))
        .filter(|r| !is_archived(r))
        .map(|r| render(&store, obj, &r, Some(&input.properties), &[]))
        .collect();
    Json(json!({
        "status": "COMPLETE",
        "results": results,
        "startedAt": now,
        "completedAt": now,
    }))
    .into_response()
}
