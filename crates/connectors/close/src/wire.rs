//! Serde shapes of Close's JSON. Records (leads, contacts, opportunities, meetings) stay JSON
//! objects ([`Object`]) so that every field Close adds — and every `custom.cf_…` key — survives
//! into `custom_fields` and `raw`; the envelopes and small reference objects are typed here.
//!
//! Sources: developer.close.com API reference (OpenAPI fragments on each page), see
//! `fixtures/_source.md`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A Close record as JSON (`lead_…`, `cont_…`, `oppo_…`, `acti_…`).
pub type Object = Map<String, Value>;

/// The Close endpoint family of a record type (paths end with `/`, as Close's do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/lead/` — a company with its contacts, addresses and opportunities.
    Lead,
    /// `/contact/` — a person belonging to exactly one lead.
    Contact,
    /// `/opportunity/` — a deal on a lead.
    Opportunity,
    /// `/activity/meeting/` — a calendar meeting synced onto a lead.
    Meeting,
}

impl Endpoint {
    /// The collection path, e.g. `/lead/`.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Lead => "/lead/",
            Endpoint::Contact => "/contact/",
            Endpoint::Opportunity => "/opportunity/",
            Endpoint::Meeting => "/activity/meeting/",
        }
    }

    /// The id prefix Close gives records of this kind.
    pub fn id_prefix(self) -> &'static str {
        match self {
            Endpoint::Lead => "lead_",
            Endpoint::Contact => "cont_",
            Endpoint::Opportunity => "oppo_",
            Endpoint::Meeting => "acti_",
        }
    }

    /// The custom-field family (`GET /custom_field/{family}/`), if the record type has one.
    pub fn custom_field_family(self) -> Option<&'static str> {
        match self {
            Endpoint::Lead => Some("lead"),
            Endpoint::Contact => Some("contact"),
            Endpoint::Opportunity => Some("opportunity"),
            Endpoint::Meeting => None,
        }
    }
}

/// A list answer: "The response contains two fields: `data` containing the list of objects and
/// `has_more`, which indicates if you reached the last page." (Pagination)
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ListResponse<T> {
    /// The page.
    pub data: Vec<T>,
    /// Whether more records follow.
    #[serde(default)]
    pub has_more: bool,
    /// Total matches, where the endpoint reports it (leads, opportunities).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_results: Option<u64>,
}

/// A Close user (`GET /user/{id}/`): the owner of opportunities and meetings (`user_id`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct User {
    /// `user_…`.
    pub id: String,
    /// Given name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
}

impl User {
    /// `first last`, or whichever part exists.
    pub fn full_name(&self) -> Option<String> {
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// A custom field definition (`GET /custom_field/{lead|contact|opportunity}/`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct CustomFieldDef {
    /// `cf_…` (older organisations: `lcf_…`).
    pub id: String,
    /// Label.
    pub name: String,
    /// `text`, `textarea`, `number`, `date`, `datetime`, `choices`, `user`, `contact`, `hidden` ….
    #[serde(rename = "type")]
    pub field_type: String,
    /// Options of a `choices` field.
    #[serde(default)]
    pub choices: Option<Vec<String>>,
    /// Whether the field holds a list of values.
    #[serde(default)]
    pub accepts_multiple_values: bool,
    /// Description, when set.
    #[serde(default)]
    pub description: Option<String>,
}

/// A lead or opportunity status (`GET /status/lead/`, `GET /status/opportunity/`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Status {
    /// `stat_…`.
    pub id: String,
    /// Label shown in the UI (renamable).
    pub label: String,
    /// Opportunity statuses only: `active`, `won` or `lost`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub status_type: Option<String>,
}

/// The OAuth token answer (`POST /oauth2/token/`, RFC 6749 §5.1).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct TokenResponse {
    /// New access token (sent as `Bearer`).
    pub access_token: String,
    /// `Bearer`.
    #[serde(default)]
    pub token_type: Option<String>,
    /// Lifetime in seconds.
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// A rotated refresh token, when Close sends one.
    #[serde(default)]
    pub refresh_token: Option<String>,
}
