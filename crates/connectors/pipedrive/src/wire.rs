//! Serde types mirroring Pipedrive's JSON where the connector reads it as a whole (envelopes,
//! paging, users, fields, search hits, tokens, errors). Records themselves are read as JSON
//! objects by [`crate::mapping`], so fields Pipedrive adds later are never lost.
//!
//! Shapes: Pipedrive API v2 and v1 OpenAPI documents (developers.pipedrive.com) and the
//! "Responses" concept page (<https://pipedrive.readme.io/docs/core-api-concepts-responses>).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Every Pipedrive answer: `{"success": …, "data": …, "additional_data": …}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope<T> {
    /// "All responses carry `success` (bool)".
    #[serde(default)]
    pub success: bool,
    /// The payload.
    pub data: T,
    /// Paging data.
    #[serde(default)]
    pub additional_data: Option<AdditionalData>,
}

/// `additional_data` of a list answer: v2 `next_cursor`, v1 `pagination`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AdditionalData {
    /// v2: "The first item on the next page. The value of the `next_cursor` field will be `null`
    /// if you have reached the end of the dataset".
    #[serde(default)]
    pub next_cursor: Option<String>,
    /// v1 offset paging.
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

/// v1 `additional_data.pagination`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Pagination {
    /// Pagination start.
    #[serde(default)]
    pub start: u64,
    /// Items shown per page.
    #[serde(default)]
    pub limit: u64,
    /// "If there are more list items in the collection than displayed or not".
    #[serde(default)]
    pub more_items_in_collection: bool,
    /// Where the next page starts.
    #[serde(default)]
    pub next_start: Option<u64>,
}

/// One entry of a person's `emails` / `phones`: `{value, primary, label}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct LabeledValue {
    /// The address / number.
    pub value: String,
    /// Whether it is the primary one.
    #[serde(default)]
    pub primary: bool,
    /// `work`, `home`, `mobile`, `other` …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// `GET /v1/users/{id}` → `data`.
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    /// User id.
    pub id: i64,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
}

/// One field of `GET /api/v2/{personFields,organizationFields,dealFields,activityFields}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Field {
    /// Label ("Customer Type").
    pub field_name: String,
    /// Key: a 40-character hash for custom fields, the attribute name otherwise.
    pub field_code: String,
    /// `varchar`, `enum`, `set`, `double`, `monetary`, `date` …
    pub field_type: String,
    /// Options of `enum` / `set` fields (`null` otherwise).
    #[serde(default)]
    pub options: Option<Vec<FieldOption>>,
    /// Whether the account defined the field.
    #[serde(default)]
    pub is_custom_field: bool,
}

/// An option of an enumerated field: `{id, label}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FieldOption {
    /// Option id (a number).
    pub id: Value,
    /// Label.
    pub label: String,
}

/// `GET /api/v2/{persons,organizations}/search` → `data`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SearchResult {
    /// Hits, best first.
    #[serde(default)]
    pub items: Vec<SearchItem>,
}

/// One search hit.
#[derive(Debug, Clone, Deserialize)]
pub struct SearchItem {
    /// Relevance.
    #[serde(default)]
    pub result_score: Option<f64>,
    /// The item found.
    pub item: SearchHit,
}

/// The item of a search hit (only what the connector uses).
#[derive(Debug, Clone, Deserialize)]
pub struct SearchHit {
    /// Record id.
    pub id: i64,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Person hits: e-mail addresses.
    #[serde(default)]
    pub emails: Vec<String>,
}

/// `POST https://oauth.pipedrive.com/oauth/token` → 200.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenResponse {
    /// New access token.
    pub access_token: String,
    /// `Bearer`.
    #[serde(default)]
    pub token_type: Option<String>,
    /// Lifetime in seconds (3600).
    #[serde(default)]
    pub expires_in: Option<i64>,
    /// The (possibly rotated) refresh token.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Granted scopes.
    #[serde(default)]
    pub scope: Option<String>,
    /// The company's API domain (`https://{company}.pipedrive.com`), when sent.
    #[serde(default)]
    pub api_domain: Option<String>,
}

/// An error answer: `{"success": false, "error": …, "error_info": …, "data": null,
/// "additional_data": null}`, sometimes with `code` (`feature_capping_deals_limit`) or
/// `errorCode` (the status).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorBody {
    /// Always false on errors.
    #[serde(default)]
    pub success: Option<bool>,
    /// The message.
    #[serde(default)]
    pub error: Option<String>,
    /// A pointer to more help.
    #[serde(default)]
    pub error_info: Option<String>,
    /// A machine code (entity-cap 403s, v2 validation errors).
    #[serde(default)]
    pub code: Option<Value>,
    /// The status, repeated (401/403 bodies).
    #[serde(default, rename = "errorCode")]
    pub error_code: Option<Value>,
    /// OAuth endpoint errors: `error_description`.
    #[serde(default)]
    pub message: Option<String>,
}
