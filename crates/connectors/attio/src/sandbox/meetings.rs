//! `/v2/meetings[/{id}]`.

use super::*;

pub(super) const MEETINGS: &str = "meetings";

pub(super) fn meeting_not_found(id: &str) -> Response {
    not_found(&format!("Meeting with ID \"{id}\" not found."))
}

/// `{datetime, timezone}` or `{date}` → the stored form (datetimes in UTC).
pub(super) fn moment(key: &str, v: Option<&Value>) -> Result<Value, Response> {
    let v = v.and_then(Value::as_object).ok_or_else(|| {
        bad_request(
            "validation_type",
            &format!("Body payload validation error: data.{key} is required."),
        )
    })?;
    if let Some(dt) = v.get("datetime").and_then(Value::as_str) {
        let t = unicrm_core::convert::parse_timestamp(key, dt).map_err(|_| {
            bad_request("validation_type", &format!("Body payload validation error: data.{key}.datetime is not an ISO 8601 datetime."))
        })?;
        return Ok(json!({
            "datetime": t.to_rfc3339_opts(SecondsFormat::Millis, true),
            "timezone": v.get("timezone").cloned().unwrap_or(Value::Null),
        }));
    }
    if let Some(d) = v.get("date").and_then(Value::as_str) {
        let d = unicrm_core::convert::parse_date(key, d).map_err(|_| {
            bad_request(
                "validation_type",
                &format!("Body payload validation error: data.{key}.date is not a date."),
            )
        })?;
        return Ok(json!({"date": d.format("%Y-%m-%d").to_string()}));
    }
    Err(bad_request(
        "validation_type",
        &format!("Body payload validation error: data.{key} needs datetime or date."),
    ))
}

impl Workspace<'_> {
    pub(super) fn linked(&self, list: Option<&Value>) -> Result<Vec<Value>, Response> {
        let mut out: Vec<Value> = Vec::new();
        for l in list.and_then(Value::as_array).cloned().unwrap_or_default() {
            let object = l["object"].as_str().unwrap_or("").to_owned();
            let id = l["record_id"].as_str().unwrap_or("").to_owned();
            schema(&object).ok_or_else(|| {
                not_found(&format!("Object with slug/ID \"{object}\" not found."))
            })?;
            if self.store.get(&object, &id).is_none() {
                return Err(bad_request(
                    "value_not_found",
                    &format!("Cannot find record with ID \"{id}\" in object \"{object}\"."),
                ));
            }
            if !out.iter().any(|x| x["record_id"] == id.as_str()) {
                out.push(json!({
                    "object_slug": object,
                    "object_id": object_id(self.token, &object),
                    "record_id": id,
                }));
            }
        }
        Ok(out)
    }
}

pub(super) async fn create_meeting(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    body: axum::body::Bytes,
) -> Response {
    respond((|| {
        let body = json_body(&body)?;
        let data = body.get("data").and_then(Value::as_object).ok_or_else(|| {
            bad_request(
                "validation_type",
                "Body payload validation error: data is required.",
            )
        })?;
        let store = sb.tenant(&token);
        let ws = Workspace {
            sb: &sb,
            store: &store,
            token: &token,
        };
        // "Find or create": an `external_ref` seen before answers the meeting made with it.
        if let Some(ext) = data.get("external_ref").and_then(Value::as_str) {
            if let Some(found) = store.find_one(MEETINGS, |r| r.data["external_ref"] == ext) {
                return ok(json!({"data": public_meeting(&found.data)}));
            }
        }
        let title = data.get("title").and_then(Value::as_str).ok_or_else(|| {
            bad_request(
                "validation_type",
                "Body payload validation error: data.title is required.",
            )
        })?;
        let start = moment("start", data.get("start"))?;
        let end = moment("end", data.get("end"))?;
        let participants = data
            .get("participants")
            .cloned()
            .unwrap_or_else(|| json!([]));
        if !participants.is_array() {
            return Err(bad_request(
                "validation_type",
                "Body payload validation error: data.participants must be an array.",
            ));
        }
        let participants: Vec<Value> = participants
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                json!({
                    "status": p.get("status").cloned().unwrap_or(json!("pending")),
                    "is_organizer": p.get("is_organizer").cloned().unwrap_or(json!(false)),
                    "email_address": p.get("email_address").and_then(Value::as_str).map(str::to_lowercase),
                    "name": p.get("name").cloned().unwrap_or(Value::Null),
                })
            })
            .collect();
        let linked = ws.linked(data.get("linked_records"))?;
        let now = sb.now();
        let id = sb.uuid();
        let meeting = json!({
            "id": {"workspace_id": workspace_id(&token), "meeting_id": id},
            "title": title,
            "description": data.get("description").and_then(Value::as_str).unwrap_or(""),
            "is_all_day": data.get("is_all_day").and_then(Value::as_bool).unwrap_or(false),
            "start": start,
            "end": end,
            "participants": participants,
            "linked_records": linked,
            "created_at": ts(now),
            "created_by_actor": api_token_actor(&token),
            "external_ref": data.get("external_ref").cloned().unwrap_or(Value::Null),
        });
        store
            .insert(MEETINGS, id.clone(), meeting.clone())
            .map_err(|e| bad_request("validation_type", &e.to_string()))?;
        ok(json!({"data": public_meeting(&meeting)}))
    })())
}

/// A stored meeting as Attio answers it (without the internal `external_ref`).
pub(super) fn public_meeting(m: &Value) -> Value {
    let mut m = m.clone();
    if let Some(o) = m.as_object_mut() {
        o.remove("external_ref");
    }
    m
}

pub(super) async fn get_meeting(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path(id): Path<String>,
) -> Response {
    match sb.tenant(&token).get(MEETINGS, &id) {
        Some(r) => (
            StatusCode::OK,
            Json(json!({"data": public_meeting(&r.data)})),
        )
            .into_response(),
        None => meeting_not_found(&id),
    }
}

pub(super) async fn patch_meeting(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    relink_meeting(&sb, &token, &id, &body, true)
}

pub(super) async fn put_meeting(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    relink_meeting(&sb, &token, &id, &body, false)
}

/// `PATCH` appends linked records, `PUT` overwrites them; nothing else of a meeting changes.
pub(super) fn relink_meeting(
    sb: &Sandbox,
    token: &str,
    id: &str,
    body: &[u8],
    append: bool,
) -> Response {
    respond((|| {
        let body = json_body(body)?;
        let data = body.get("data").and_then(Value::as_object).ok_or_else(|| {
            bad_request(
                "validation_type",
                "Body payload validation error: data is required.",
            )
        })?;
        if let Some(k) = data.keys().find(|k| *k != "linked_records") {
            return Err(bad_request(
                "validation_type",
                &format!("Body payload validation error: unrecognized key \"{k}\" in data; only linked_records can be updated."),
            ));
        }
        let store = sb.tenant(token);
        let existing = store
            .get(MEETINGS, id)
            .ok_or_else(|| meeting_not_found(id))?;
        let ws = Workspace {
            sb,
            store: &store,
            token,
        };
        let new = ws.linked(data.get("linked_records"))?;
        let mut list = if append {
            existing.data["linked_records"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        for l in new {
            if !list.iter().any(|x| x["record_id"] == l["record_id"]) {
                list.push(l);
            }
        }
        let updated = store
            .update(MEETINGS, id, |m| m["linked_records"] = Value::Array(list))
            .map_err(|_| meeting_not_found(id))?;
        ok(json!({"data": public_meeting(&updated.data)}))
    })())
}

pub(super) async fn delete_meeting(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path(id): Path<String>,
) -> Response {
    match sb.tenant(&token).delete(MEETINGS, &id) {
        Ok(_) => (StatusCode::OK, Json(json!({}))).into_response(),
        Err(_) => meeting_not_found(&id),
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct MeetingQuery {
    pub(super) limit: Option<String>,
    pub(super) cursor: Option<String>,
}

pub(super) async fn list_meetings(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Query(q): Query<MeetingQuery>,
) -> Response {
    respond((|| {
        let limit = match q.limit.as_deref() {
            None => 50,
            Some(s) => s
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=200).contains(n))
                .ok_or_else(|| {
                    bad_request(
                        "validation_type",
                        "Query parameter validation error: limit must be between 1 and 200.",
                    )
                })?,
        };
        let store = sb.tenant(&token);
        let all = store.list(MEETINGS);
        let page =
            paging::after_cursor(all, |r| r.seq, q.cursor.as_deref(), limit).map_err(|_| {
                bad_request(
                    "validation_type",
                    "Query parameter validation error: cursor is invalid.",
                )
            })?;
        let data: Vec<Value> = page.items.iter().map(|r| public_meeting(&r.data)).collect();
        ok(json!({"data": data, "pagination": {"next_cursor": page.next}}))
    })())
}
