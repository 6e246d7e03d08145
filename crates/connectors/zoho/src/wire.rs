//! Serde types that mirror Zoho CRM's JSON (API v8), tolerant of fields Zoho adds later.
//!
//! Shapes from the `zoho/crm-oas` v8.0 specification (`record.json`, `users.json`,
//! `fields.json`) and its examples; see `fixtures/_source.md`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A Zoho record: field API name → value (`Owner`, `Account_Name` lookups are `{id, name}`).
pub type ZohoRecord = Map<String, Value>;

/// The Zoho modules the connector uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Module {
    /// `Contacts`.
    Contacts,
    /// `Leads`.
    Leads,
    /// `Deals`.
    Deals,
    /// `Events` (calendar events; unified meetings).
    Events,
    /// `Accounts`.
    Accounts,
}

impl Module {
    /// Every module.
    pub const ALL: [Module; 5] = [
        Module::Contacts,
        Module::Leads,
        Module::Deals,
        Module::Events,
        Module::Accounts,
    ];

    /// The module API name used in paths (`/crm/v8/{module}`).
    pub fn api_name(self) -> &'static str {
        match self {
            Module::Contacts => "Contacts",
            Module::Leads => "Leads",
            Module::Deals => "Deals",
            Module::Events => "Events",
            Module::Accounts => "Accounts",
        }
    }

    /// Parses a module API name (exact spelling, as Zoho requires).
    pub fn parse(s: &str) -> Option<Module> {
        Module::ALL.into_iter().find(|m| m.api_name() == s)
    }
}

/// `{"data": [...], "info": {...}}`: the answer of get/list/search.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RecordsResponse {
    /// The records.
    #[serde(default)]
    pub data: Vec<ZohoRecord>,
    /// Paging information (lists and searches only).
    #[serde(default)]
    pub info: Option<Info>,
}

/// The `info` object of a list answer.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Info {
    /// Records per page.
    #[serde(default)]
    pub per_page: Option<u32>,
    /// Records on this page.
    #[serde(default)]
    pub count: Option<u32>,
    /// Page number.
    #[serde(default)]
    pub page: Option<u32>,
    /// Whether more records follow.
    #[serde(default)]
    pub more_records: bool,
    /// Token of the next page (`page_token=`), when more records follow.
    #[serde(default)]
    pub next_page_token: Option<String>,
    /// Token of the previous page.
    #[serde(default)]
    pub previous_page_token: Option<String>,
    /// When the tokens expire.
    #[serde(default)]
    pub page_token_expiry: Option<String>,
    /// Sort field.
    #[serde(default)]
    pub sort_by: Option<String>,
    /// Sort order.
    #[serde(default)]
    pub sort_order: Option<String>,
}

/// One entry of `{"data": [...]}` answering a create, update or delete: success or a per-record
/// error (Zoho puts per-record errors inside the wrapper, with HTTP 200/201/202/207 or 400).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct ActionResult {
    /// `SUCCESS`, or an error code (`MANDATORY_NOT_FOUND`, `INVALID_DATA`, `DUPLICATE_DATA` …).
    #[serde(default)]
    pub code: String,
    /// `success` or `error`.
    #[serde(default)]
    pub status: String,
    /// Zoho's message.
    #[serde(default)]
    pub message: String,
    /// `{id, Created_Time, …}` on success; `{api_name, json_path, …}` on error.
    #[serde(default)]
    pub details: Value,
}

impl ActionResult {
    /// Whether this entry is a success.
    pub fn is_success(&self) -> bool {
        self.status.eq_ignore_ascii_case("success") || self.code == "SUCCESS"
    }

    /// `details.id` (the saved record's id on success, the duplicate's on `DUPLICATE_DATA`).
    pub fn id(&self) -> Option<String> {
        match self.details.get("id")? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// `{"data": [ActionResult…]}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ActionResponse {
    /// One result per record sent.
    #[serde(default)]
    pub data: Vec<ActionResult>,
}

/// A request-level error: `{"code", "message", "status": "error", "details"}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct ApiError {
    /// Error code (`INVALID_TOKEN`, `OAUTH_SCOPE_MISMATCH`, `NO_PERMISSION`, …).
    #[serde(default)]
    pub code: String,
    /// Message.
    #[serde(default)]
    pub message: String,
    /// `error`.
    #[serde(default)]
    pub status: String,
    /// Details (`api_name`, `param_name`, `resource_path_index`, `retry_after` …).
    #[serde(default)]
    pub details: Value,
}

/// The accounts server's answer to `POST /oauth/v2/token` (`grant_type=refresh_token`). On a bad
/// refresh token it answers `{"error": "invalid_code"}` (also with HTTP 200).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TokenResponse {
    /// New access token.
    #[serde(default)]
    pub access_token: Option<String>,
    /// Lifetime in seconds (3600).
    #[serde(default)]
    pub expires_in: Option<i64>,
    /// The account's API host for this data centre.
    #[serde(default)]
    pub api_domain: Option<String>,
    /// `Bearer`.
    #[serde(default)]
    pub token_type: Option<String>,
    /// A new refresh token, when rotated.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// OAuth error code (`invalid_code`, `invalid_client` …).
    #[serde(default)]
    pub error: Option<String>,
}

/// `{"users": [...]}` of `GET /crm/v8/users/{id}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UsersResponse {
    /// The users.
    #[serde(default)]
    pub users: Vec<User>,
}

/// A CRM user (record owner).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct User {
    /// User id.
    pub id: String,
    /// `first_name last_name`.
    #[serde(default)]
    pub full_name: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
}

/// `{"fields": [...]}` of `GET /crm/v8/settings/fields?module=…`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FieldsResponse {
    /// The module's fields.
    #[serde(default)]
    pub fields: Vec<FieldMeta>,
}

/// One field's metadata.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct FieldMeta {
    /// Field id.
    #[serde(default)]
    pub id: Option<String>,
    /// API name (`Loyalty_Tier`).
    pub api_name: String,
    /// Label.
    #[serde(default)]
    pub field_label: Option<String>,
    /// Display label.
    #[serde(default)]
    pub display_label: Option<String>,
    /// `text`, `picklist`, `multiselectpicklist`, `integer`, `double`, `currency`, `date`,
    /// `datetime`, `boolean`, `email`, `phone`, `website`, `lookup`, `ownerlookup`, …
    #[serde(default)]
    pub data_type: String,
    /// Whether an administrator added the field.
    #[serde(default)]
    pub custom_field: bool,
    /// Options of a pick list.
    #[serde(default)]
    pub pick_list_values: Vec<PickListValue>,
    /// Tooltip (`{name, value}`), used as description.
    #[serde(default)]
    pub tooltip: Option<Value>,
}

/// One pick-list option.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct PickListValue {
    /// Label shown.
    #[serde(default)]
    pub display_value: String,
    /// Value stored and sent.
    #[serde(default)]
    pub actual_value: String,
}
