//! Serde types mirroring Attio's JSON (REST API v2), tolerant of fields Attio adds later.
//!
//! Record values are kept as JSON: every attribute is an array of typed value objects
//! (`{active_from, active_until, created_by_actor, attribute_type, …}`) whose shape depends on
//! `attribute_type`; `mapping` reads them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `{"data": T}`, the envelope of every single-item answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Data<T> {
    /// The item.
    pub data: T,
}

/// `{"data": [T]}`, the answer of `records/query` and `attributes`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DataList<T> {
    /// The items.
    pub data: Vec<T>,
}

/// `{"data": [T], "pagination": {"next_cursor"}}`, the answer of cursor-paged lists (meetings).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CursorList<T> {
    /// The items.
    pub data: Vec<T>,
    /// Paging state.
    #[serde(default)]
    pub pagination: Pagination,
}

/// Cursor paging state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Pagination {
    /// Cursor of the next page; `null` on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// The composite id of a record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordId {
    /// Workspace UUID.
    pub workspace_id: String,
    /// Object UUID.
    pub object_id: String,
    /// Record UUID (what unicrm uses as the id).
    pub record_id: String,
}

/// A person, company, deal or other record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Composite id.
    pub id: RecordId,
    /// When the record was created (nanosecond precision, UTC).
    pub created_at: String,
    /// Link to the record in the Attio app.
    #[serde(default)]
    pub web_url: Option<String>,
    /// Attribute `api_slug` → array of value objects.
    #[serde(default)]
    pub values: Map<String, Value>,
}

/// A record read in place: the parts of a record payload mapping reads, borrowed from it.
///
/// [`RecordRef::in_place`] takes only payloads whose every field has the shape Attio sends and
/// serde would accept as a [`Record`] (anything else goes through serde, for the same answer or
/// the same error).
#[derive(Debug, Clone, Copy)]
pub struct RecordRef<'a> {
    /// Workspace UUID.
    pub workspace_id: &'a str,
    /// Object UUID.
    pub object_id: &'a str,
    /// Record UUID (what unicrm uses as the id).
    pub record_id: &'a str,
    /// When the record was created.
    pub created_at: &'a str,
    /// Link to the record in the Attio app.
    pub web_url: Option<&'a str>,
    /// Attribute `api_slug` → array of value objects.
    pub values: &'a Map<String, Value>,
}

/// The keys of a record [`RecordRef::to_value`] keeps (those of [`Record`]).
const RECORD_KEYS: &[&str] = &["id", "created_at", "web_url", "values"];
/// The keys of a record id (those of [`RecordId`]).
const RECORD_ID_KEYS: &[&str] = &["workspace_id", "object_id", "record_id"];

impl<'a> RecordRef<'a> {
    /// The record `payload` is, read without copying it; `None` when some field is not as Attio
    /// sends it (an `id` other than an object of three strings, a `created_at` other than a
    /// string, a `web_url` other than a string or null, `values` missing or not an object).
    pub fn in_place(payload: &'a Value) -> Option<RecordRef<'a>> {
        let o = payload.as_object()?;
        let id = o.get("id")?.as_object()?;
        let web_url = match o.get("web_url") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => return None,
        };
        Some(RecordRef {
            workspace_id: id.get("workspace_id")?.as_str()?,
            object_id: id.get("object_id")?.as_str()?,
            record_id: id.get("record_id")?.as_str()?,
            created_at: o.get("created_at")?.as_str()?,
            web_url,
            values: o.get("values")?.as_object()?,
        })
    }

    /// The record as JSON (a copy): the same value as `serde_json::to_value` of the [`Record`]
    /// serde reads from the payload.
    pub fn to_value(&self) -> Value {
        record_json(
            [self.workspace_id, self.object_id, self.record_id].map(str::to_owned),
            self.created_at.to_owned(),
            self.web_url.map(str::to_owned),
            self.values.clone(),
        )
    }

    /// [`RecordRef::to_value`] of a payload given by value, moving it: the keys a [`Record`]
    /// does not have are dropped and a missing `web_url` becomes `null`. A payload
    /// [`RecordRef::in_place`] does not take is given back unchanged, as the error.
    pub fn into_value(payload: Value) -> std::result::Result<Value, Value> {
        if RecordRef::in_place(&payload).is_none() {
            return Err(payload);
        }
        let Value::Object(mut o) = payload else {
            return Err(payload);
        };
        o.retain(|k, _| RECORD_KEYS.contains(&k.as_str()));
        if let Some(Value::Object(id)) = o.get_mut("id") {
            id.retain(|k, _| RECORD_ID_KEYS.contains(&k.as_str()));
        }
        o.entry("web_url").or_insert(Value::Null);
        Ok(Value::Object(o))
    }
}

/// A record's JSON from its parts (`[workspace_id, object_id, record_id]`, …), as serde renders
/// a [`Record`]; built by hand, moving them (`json!` would copy `values`).
pub fn record_json(
    id: [String; 3],
    created_at: String,
    web_url: Option<String>,
    values: Map<String, Value>,
) -> Value {
    let id: Map<String, Value> = RECORD_ID_KEYS
        .iter()
        .zip(id)
        .map(|(k, v)| ((*k).to_owned(), Value::String(v)))
        .collect();
    let mut out = Map::new();
    out.insert("id".to_owned(), Value::Object(id));
    out.insert("created_at".to_owned(), Value::String(created_at));
    out.insert(
        "web_url".to_owned(),
        web_url.map_or(Value::Null, Value::String),
    );
    out.insert("values".to_owned(), Value::Object(values));
    Value::Object(out)
}

impl<'a> From<&'a Record> for RecordRef<'a> {
    fn from(r: &'a Record) -> RecordRef<'a> {
        RecordRef {
            workspace_id: &r.id.workspace_id,
            object_id: &r.id.object_id,
            record_id: &r.id.record_id,
            created_at: &r.created_at,
            web_url: r.web_url.as_deref(),
            values: &r.values,
        }
    }
}

/// The composite id of a meeting.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MeetingId {
    /// Workspace UUID.
    pub workspace_id: String,
    /// Meeting UUID.
    pub meeting_id: String,
}

/// A meeting (`/v2/meetings`, beta).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meeting {
    /// Composite id.
    pub id: MeetingId,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// All-day event.
    #[serde(default)]
    pub is_all_day: bool,
    /// `{datetime, timezone}` or `{date}`.
    #[serde(default)]
    pub start: Option<Value>,
    /// `{datetime, timezone}` or `{date}` (exclusive).
    #[serde(default)]
    pub end: Option<Value>,
    /// Participants (`status`, `is_organizer`, `email_address`, `name`).
    #[serde(default)]
    pub participants: Vec<Value>,
    /// Linked records (`object_slug`, `object_id`, `record_id`).
    #[serde(default)]
    pub linked_records: Vec<LinkedRecord>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Creator (`{type, id}`).
    #[serde(default)]
    pub created_by_actor: Option<Value>,
    /// Fields Attio adds later.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A record linked to a meeting, as Attio returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkedRecord {
    /// Object slug (`people`, `companies`, `deals`).
    pub object_slug: String,
    /// Object UUID.
    #[serde(default)]
    pub object_id: String,
    /// Record UUID.
    pub record_id: String,
}

/// The composite id of a workspace member.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceMemberId {
    /// Workspace UUID.
    pub workspace_id: String,
    /// Member UUID (the actor id in `actor-reference` values).
    pub workspace_member_id: String,
}

/// A workspace member (record owners are workspace members).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceMember {
    /// Composite id.
    pub id: WorkspaceMemberId,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Avatar URL.
    #[serde(default)]
    pub avatar_url: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email_address: Option<String>,
    /// `admin`, `member` or `suspended`.
    #[serde(default)]
    pub access_level: Option<String>,
}

/// The composite id of an attribute.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AttributeId {
    /// Workspace UUID.
    pub workspace_id: String,
    /// Object UUID.
    pub object_id: String,
    /// Attribute UUID.
    pub attribute_id: String,
}

/// An attribute of an object (`GET /v2/objects/{object}/attributes`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    /// Composite id.
    pub id: AttributeId,
    /// Label.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Slug used as the key of `values`.
    pub api_slug: String,
    /// Attribute type (`text`, `select`, `record-reference` …).
    #[serde(rename = "type")]
    pub kind: String,
    /// Defined by Attio (`true`) or by the workspace (`false`).
    #[serde(default)]
    pub is_system_attribute: bool,
    /// Writable through the API.
    #[serde(default)]
    pub is_writable: bool,
    /// Required on create.
    #[serde(default)]
    pub is_required: bool,
    /// Values must be unique.
    #[serde(default)]
    pub is_unique: bool,
    /// Several values allowed.
    #[serde(default)]
    pub is_multiselect: bool,
    /// Archived (hidden).
    #[serde(default)]
    pub is_archived: bool,
    /// Type-dependent configuration (`currency.default_currency_code` …).
    #[serde(default)]
    pub config: Value,
}

/// A select option or a status (`…/options`, `…/statuses`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// Composite id (`option_id` or `status_id` inside).
    pub id: Value,
    /// The title (what values are written with).
    pub title: String,
    /// Archived.
    #[serde(default)]
    pub is_archived: bool,
}

/// An error answer: `{status_code, type, code, message}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// HTTP status repeated.
    #[serde(default)]
    pub status_code: Option<u16>,
    /// Category: `invalid_request_error`, `auth_error`, `authentication_error`, `rate_limit_error` …
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Specific code: `not_found`, `value_not_found`, `missing_value`, `uniqueness_conflict` …
    #[serde(default)]
    pub code: Option<String>,
    /// Human-readable message.
    #[serde(default)]
    pub message: Option<String>,
}
