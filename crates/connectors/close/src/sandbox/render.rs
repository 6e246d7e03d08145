//! Close's record shapes: ids, timestamps, and leads with their contacts and opportunities nested.

use super::*;

pub(super) fn close_time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// A Close-style id: prefix + 43 letters and digits from the sandbox's seeded generator.
pub(super) fn new_id(sb: &Sandbox, prefix: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::from(prefix);
    while out.len() < prefix.len() + 43 {
        for b in sb.uuid().bytes().filter(u8::is_ascii_hexdigit) {
            let n = sb.random_below(62) as usize ^ (b as usize % 62);
            out.push(char::from(ALPHABET[n % 62]));
            if out.len() == prefix.len() + 43 {
                break;
            }
        }
    }
    out
}

pub(super) fn base(rec: &StoredRecord) -> Map<String, Value> {
    let mut m = rec.data.as_object().cloned().unwrap_or_default();
    m.insert("id".into(), json!(rec.id));
    m.insert("organization_id".into(), json!(ORGANIZATION_ID));
    m.insert("date_created".into(), json!(close_time(&rec.created_at)));
    m.insert("date_updated".into(), json!(close_time(&rec.updated_at)));
    m.entry("created_by").or_insert(json!(USER_ID));
    m.entry("updated_by").or_insert(json!(USER_ID));
    m
}

pub(super) fn render_contact(rec: &StoredRecord) -> Value {
    let mut m = base(rec);
    let name = m.get("name").cloned().unwrap_or(Value::Null);
    m.insert("display_name".into(), name);
    for (list, key) in [("emails", "email"), ("phones", "phone")] {
        let items = m.entry(list).or_insert(json!([]));
        if let Some(arr) = items.as_array_mut() {
            for item in arr.iter_mut().filter_map(Value::as_object_mut) {
                if key == "phone" {
                    let p = item.get("phone").cloned().unwrap_or(Value::Null);
                    item.insert("phone_formatted".into(), p);
                } else {
                    item.entry("is_unsubscribed").or_insert(json!(false));
                }
            }
        }
    }
    m.entry("title").or_insert(Value::Null);
    Value::Object(m)
}

pub(super) fn user_name(id: &str) -> Option<String> {
    USERS
        .iter()
        .find(|u| u.0 == id)
        .map(|u| format!("{} {}", u.1, u.2))
}

pub(super) fn render_opportunity(store: &TenantStore, rec: &StoredRecord) -> Value {
    let mut m = base(rec);
    let status_id = m
        .get("status_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let status = OPPORTUNITY_STATUSES.iter().find(|s| s.0 == status_id);
    m.insert("status_label".into(), json!(status.map(|s| s.1)));
    m.insert("status_display_name".into(), json!(status.map(|s| s.1)));
    m.insert("status_type".into(), json!(status.map(|s| s.2)));
    m.insert("pipeline_id".into(), json!(PIPELINE.0));
    m.insert("pipeline_name".into(), json!(PIPELINE.1));
    let value = m.get("value").and_then(Value::as_i64);
    let confidence = m.get("confidence").and_then(Value::as_i64).unwrap_or(0);
    m.insert("value_currency".into(), json!("USD"));
    m.insert(
        "value_formatted".into(),
        json!(value.map(|v| format!("${}", v / 100))),
    );
    m.insert(
        "expected_value".into(),
        json!(value.map(|v| v * confidence / 100)),
    );
    m.entry("value_period").or_insert(json!("one_time"));
    m.entry("confidence").or_insert(json!(0));
    m.entry("contact_id").or_insert(Value::Null);
    m.entry("date_won").or_insert(Value::Null);
    m.entry("note").or_insert(json!(""));
    let user = m.get("user_id").and_then(Value::as_str).map(str::to_owned);
    m.insert(
        "user_name".into(),
        json!(user.as_deref().and_then(user_name)),
    );
    let lead_name = m
        .get("lead_id")
        .and_then(Value::as_str)
        .and_then(|l| store.get("lead", l))
        .and_then(|l| l.data.get("name").cloned());
    m.insert("lead_name".into(), lead_name.unwrap_or(Value::Null));
    Value::Object(m)
}

pub(super) fn render_lead(store: &TenantStore, rec: &StoredRecord) -> Value {
    let mut m = base(rec);
    let name = m.get("name").cloned().unwrap_or(Value::Null);
    m.insert("display_name".into(), name);
    m.insert(
        "html_url".into(),
        json!(format!("https://app.close.com/lead/{}/", rec.id)),
    );
    let status_id = m
        .get("status_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let label = LEAD_STATUSES.iter().find(|s| s.0 == status_id).map(|s| s.1);
    m.insert("status_label".into(), json!(label));
    let of_lead = |r: &StoredRecord| r.data.get("lead_id").and_then(Value::as_str) == Some(&rec.id);
    let contacts: Vec<Value> = store
        .find("contact", of_lead)
        .iter()
        .map(render_contact)
        .collect();
    let opportunities: Vec<Value> = store
        .find("opportunity", of_lead)
        .iter()
        .map(|o| render_opportunity(store, o))
        .collect();
    m.insert("contacts".into(), json!(contacts));
    m.insert("opportunities".into(), json!(opportunities));
    m.insert("tasks".into(), json!([]));
    m.entry("addresses").or_insert(json!([]));
    m.entry("description").or_insert(json!(""));
    m.entry("url").or_insert(Value::Null);
    Value::Object(m)
}

pub(super) fn render_meeting(rec: &StoredRecord) -> Value {
    let mut m = base(rec);
    m.insert("_type".into(), json!("Meeting"));
    let starts = m
        .get("starts_at")
        .and_then(Value::as_str)
        .and_then(parse_time);
    let ends = m
        .get("ends_at")
        .and_then(Value::as_str)
        .and_then(parse_time);
    if let (Some(s), Some(e)) = (starts, ends) {
        m.insert("duration".into(), json!((e - s).num_seconds()));
        m.insert("activity_at".into(), json!(close_time(&s)));
        let now = Utc::now();
        let status = if m.get("status").and_then(Value::as_str) == Some("canceled") {
            "canceled"
        } else if now < s {
            "upcoming"
        } else if now < e {
            "in-progress"
        } else {
            "completed"
        };
        m.insert("status".into(), json!(status));
    }
    let user = m.get("user_id").and_then(Value::as_str).map(str::to_owned);
    m.insert(
        "user_name".into(),
        json!(user.as_deref().and_then(user_name)),
    );
    m.entry("source").or_insert(json!("calendar"));
    m.entry("attendees").or_insert(json!([]));
    Value::Object(m)
}

pub(super) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
