//! `/v2/objects/{object}/records[/{id}]`: create, get, patch (append), put (overwrite), delete.

use super::*;

pub(super) fn ok(v: Value) -> Answer {
    Ok((StatusCode::OK, Json(v)).into_response())
}

pub(super) fn object_schema(object: &str) -> Result<&'static [Attr], Response> {
    schema(object).ok_or_else(|| not_found(&format!("Object with slug/ID \"{object}\" not found.")))
}

pub(super) fn body_values(body: &Value) -> Result<&Map<String, Value>, Response> {
    body.pointer("/data/values")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            bad_request(
                "validation_type",
                "Body payload validation error: data.values is required and must be an object.",
            )
        })
}

pub(super) fn record_not_found(id: &str) -> Response {
    not_found(&format!("Record with ID \"{id}\" not found."))
}

/// Parses a JSON body, answering Attio's 400 for anything else.
pub(super) fn json_body(bytes: &[u8]) -> Result<Value, Response> {
    serde_json::from_slice(bytes).map_err(|e| {
        bad_request(
            "validation_type",
            &format!("Body payload validation error: {e}"),
        )
    })
}

pub(super) async fn create_record(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(object): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    respond((|| {
        let attrs = object_schema(&object)?;
        let body = json_body(&body)?;
        let input = body_values(&body)?;
        let store = sb.tenant(&token);
        let ws = Workspace {
            sb: &sb,
            store: &store,
            token: &token,
        };
        let now = sb.now();
        let mut values = Map::new();
        for a in attrs {
            values.insert(a.slug.to_owned(), json!([]));
        }
        let mut written = ws.write_values(&object, &mut values, input, Mode::Create, None, now)?;
        if object == PEOPLE {
            ws.company_from_email(&mut values, &mut written, now);
        }
        for a in attrs.iter().filter(|a| a.required) {
            if values
                .get(a.slug)
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty)
            {
                return Err(bad_request(
                    "missing_value",
                    &format!(
                        "Required value for attribute with ID \"{}\" was not provided.",
                        attribute_id(&token, &object, a.slug)
                    ),
                ));
            }
        }
        let id = sb.uuid();
        let record_id = json!({
            "workspace_id": workspace_id(&token),
            "object_id": object_id(&token, &object),
            "record_id": id,
        });
        let envelope = |v: &mut Map<String, Value>| {
            v.insert(
                "record_id".into(),
                json!([stamp(json!({"value": id}), "text", now, &token)]),
            );
            v.insert(
                "created_at".into(),
                json!([stamp(json!({"value": ts(now)}), "timestamp", now, &token)]),
            );
            let actor = api_token_actor(&token);
            v.insert(
                "created_by".into(),
                json!([stamp(
                    json!({"referenced_actor_type": "api-token", "referenced_actor_id": actor["id"]}),
                    "actor-reference",
                    now,
                    &token
                )]),
            );
        };
        envelope(&mut values);
        let record = json!({
            "id": record_id,
            "created_at": ts(now),
            "web_url": format!("https://app.attio.com/sandbox/{}/{id}", singular(&object)),
            "values": values,
        });
        store
            .insert(&object, id.clone(), record.clone())
            .map_err(|e| {
                error(
                    StatusCode::CONFLICT,
                    "invalid_request_error",
                    "uniqueness_conflict",
                    &e.to_string(),
                )
            })?;
        ws.sync_inverses(&object, &id, &written, now);
        ok(json!({"data": current(&store, &object, &id)?}))
    })())
}

pub(super) fn singular(object: &str) -> &str {
    match object {
        PEOPLE => "person",
        COMPANIES => "company",
        DEALS => "deal",
        other => other,
    }
}

pub(super) fn respond(r: Answer) -> Response {
    r.unwrap_or_else(|e| e)
}

pub(super) fn current(store: &TenantStore, object: &str, id: &str) -> Result<Value, Response> {
    store
        .get(object, id)
        .map(|r| r.data)
        .ok_or_else(|| record_not_found(id))
}

pub(super) async fn get_record(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path((object, id)): Path<(String, String)>,
) -> Response {
    respond((|| {
        object_schema(&object)?;
        let store = sb.tenant(&token);
        ok(json!({"data": current(&store, &object, &id)?}))
    })())
}

pub(super) async fn patch_record(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path((object, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    update_record(&sb, &token, &object, &id, &body, Mode::Append)
}

pub(super) async fn put_record(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path((object, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    update_record(&sb, &token, &object, &id, &body, Mode::Overwrite)
}

pub(super) fn update_record(
    sb: &Sandbox,
    token: &str,
    object: &str,
    id: &str,
    body: &[u8],
    mode: Mode,
) -> Response {
    respond((|| {
        object_schema(object)?;
        let body = json_body(body)?;
        let input = body_values(&body)?;
        let store = sb.tenant(token);
        let existing = current(&store, object, id)?;
        let ws = Workspace {
            sb,
            store: &store,
            token,
        };
        let now = sb.now();
        let mut values = existing
            .get("values")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let written = ws.write_values(object, &mut values, input, mode, Some(id), now)?;
        store
            .update(object, id, |data| {
                data["values"] = Value::Object(values);
            })
            .map_err(|_| record_not_found(id))?;
        ws.sync_inverses(object, id, &written, now);
        ok(json!({"data": current(&store, object, id)?}))
    })())
}

pub(super) async fn delete_record(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path((object, id)): Path<(String, String)>,
) -> Response {
    respond((|| {
        object_schema(&object)?;
        let store = sb.tenant(&token);
        let removed = store
            .delete(&object, &id)
            .map_err(|_| record_not_found(&id))?;
        // Relationship inverses and meeting links no longer point at it.
        let ws = Workspace {
            sb: &sb,
            store: &store,
            token: &token,
        };
        let now = sb.now();
        for (obj, slug, other, other_slug) in INVERSES {
            if *obj != object {
                continue;
            }
            for target in ref_ids(&removed.data["values"], slug) {
                ws.unlink(other, &target, other_slug, &id, now);
            }
        }
        ok(json!({}))
    })())
}
