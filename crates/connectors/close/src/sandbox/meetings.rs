//! `/activity/meeting/` and `/activity/meeting/{id}/` (meetings are synced from calendars: no create).

use super::*;

pub(super) const MEETING_KEYS: &[&str] = &[
    "title",
    "note",
    "location",
    "starts_at",
    "ends_at",
    "user_note_html",
    "outcome_id",
];

pub(super) async fn list_meetings(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Query(q): Query<BTreeMap<String, String>>,
) -> Answer {
    let (skip, limit) = page_params(&q)?;
    let lead = q.get("lead_id").cloned();
    let items: Vec<Value> = sb
        .tenant(&token)
        .find("meeting", |r| {
            lead.as_deref()
                .is_none_or(|l| r.data.get("lead_id").and_then(Value::as_str) == Some(l))
        })
        .iter()
        .map(render_meeting)
        .collect();
    list_answer(items, skip, limit, false)
}

pub(super) async fn get_meeting(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path(id): Path<String>,
) -> Answer {
    let rec = sb
        .tenant(&token)
        .get("meeting", &id)
        .ok_or_else(not_found)?;
    ok(render_meeting(&rec))
}

pub(super) async fn update_meeting(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Answer {
    let obj = body_object(&body)?;
    check_keys(&obj, MEETING_KEYS)?;
    let store = sb.tenant(&token);
    let current = store.get("meeting", &id).ok_or_else(not_found)?;
    let time = |k: &str| -> Result<Option<DateTime<Utc>>, Response> {
        match obj.get(k).or_else(|| current.data.get(k)) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_str()
                .and_then(parse_time)
                .map(Some)
                .ok_or_else(|| field_error(k, "Not a valid datetime.")),
        }
    };
    if let (Some(s), Some(e)) = (time("starts_at")?, time("ends_at")?) {
        if e < s {
            return Err(field_error("ends_at", "Must not be before starts_at."));
        }
    }
    let rec = store
        .merge("meeting", &id, &Value::Object(obj))
        .map_err(|_| not_found())?;
    ok(render_meeting(&rec))
}

pub(super) async fn delete_meeting(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path(id): Path<String>,
) -> Answer {
    sb.tenant(&token)
        .delete("meeting", &id)
        .map_err(|_| not_found())?;
    ok(json!({}))
}
