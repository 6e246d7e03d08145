//! Serde structs that mirror Salesforce's REST JSON exactly.
//!
//! Every struct tolerates fields it does not know (Salesforce adds fields with each release) and
//! keeps sObject records as flat maps of field API names, as the API sends them. Shapes come from
//! the REST API Developer Guide; each struct names its page.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The Salesforce objects unicrm reads and writes, with their API names and id key prefixes
/// (the first three characters of every record id: 003 Contact, 00Q Lead, 006 Opportunity,
/// 00U Event, 001 Account, 005 User).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SObjectType {
    /// `Contact` — unified contact.
    Contact,
    /// `Lead` — unified lead.
    Lead,
    /// `Opportunity` — unified deal.
    Opportunity,
    /// `Event` — unified meeting.
    Event,
    /// `Account` — unified account.
    Account,
    /// `User` — record owners.
    User,
}

impl SObjectType {
    /// Every object, in a stable order.
    pub const ALL: [SObjectType; 6] = [
        SObjectType::Contact,
        SObjectType::Lead,
        SObjectType::Opportunity,
        SObjectType::Event,
        SObjectType::Account,
        SObjectType::User,
    ];

    /// The object's API name as used in paths and SOQL.
    pub fn api_name(self) -> &'static str {
        match self {
            SObjectType::Contact => "Contact",
            SObjectType::Lead => "Lead",
            SObjectType::Opportunity => "Opportunity",
            SObjectType::Event => "Event",
            SObjectType::Account => "Account",
            SObjectType::User => "User",
        }
    }

    /// The three-character key prefix of the object's record ids.
    pub fn key_prefix(self) -> &'static str {
        match self {
            SObjectType::Contact => "003",
            SObjectType::Lead => "00Q",
            SObjectType::Opportunity => "006",
            SObjectType::Event => "00U",
            SObjectType::Account => "001",
            SObjectType::User => "005",
        }
    }

    /// Looks an object up by API name (exact spelling).
    pub fn from_api_name(name: &str) -> Option<SObjectType> {
        SObjectType::ALL.into_iter().find(|o| o.api_name() == name)
    }

    /// Looks an object up by the key prefix of a record id.
    pub fn from_id(id: &str) -> Option<SObjectType> {
        let prefix = id.get(..3)?;
        SObjectType::ALL
            .into_iter()
            .find(|o| o.key_prefix() == prefix)
    }
}

/// One sObject record as Salesforce sends it: a flat JSON object of field API names, with an
/// `attributes` object (`type`, `url`) and relationship fields as nested records
/// (`"Owner": {"attributes": …, "Name": …}`), per "Understanding Query Results".
pub type SObject = Map<String, Value>;

/// Answer of `POST /sobjects/{Obj}/` (201): `{"id": …, "errors": [], "success": true}`
/// ("Create a Record", REST API Developer Guide).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct SaveResult {
    /// Id of the new record.
    pub id: String,
    /// Whether the save succeeded.
    #[serde(default)]
    pub success: bool,
    /// Errors of a failed save (empty on success).
    #[serde(default)]
    pub errors: Vec<ApiError>,
}

/// One element of Salesforce's error array `[{"message", "errorCode", "fields"}]`
/// ("Status Codes and Error Responses"). A duplicate-rule block adds `duplicateResult`
/// (spelled `duplicateResut` in bodies observed from live orgs; both spellings are accepted).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ApiError {
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
    /// Salesforce error code, e.g. `REQUIRED_FIELD_MISSING`.
    #[serde(rename = "errorCode", alias = "statusCode", default)]
    pub error_code: String,
    /// Field API names involved, when the error concerns fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Duplicate-rule details of a `DUPLICATES_DETECTED` error.
    #[serde(
        rename = "duplicateResult",
        alias = "duplicateResut",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub duplicate_result: Option<DuplicateResult>,
}

/// `DuplicateResult` (SOAP API object reference, same field names in REST JSON).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateResult {
    /// Whether the duplicate rule would allow saving anyway.
    #[serde(default)]
    pub allow_save: bool,
    /// Developer name of the duplicate rule.
    #[serde(default)]
    pub duplicate_rule: Option<String>,
    /// sObject type the rule runs on.
    #[serde(default)]
    pub duplicate_rule_entity_type: Option<String>,
    /// Message configured by the administrator.
    #[serde(default)]
    pub error_message: Option<String>,
    /// The matching rules that fired and the records they matched.
    #[serde(default)]
    pub match_results: Vec<MatchResult>,
}

/// `MatchResult`: one matching rule and its matches.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchResult {
    /// sObject type of the matched records.
    #[serde(default)]
    pub entity_type: Option<String>,
    /// Matching engine (`ExactMatchEngine`, `FuzzyMatchEngine`).
    #[serde(default)]
    pub match_engine: Option<String>,
    /// Matched records.
    #[serde(default)]
    pub match_records: Vec<MatchRecord>,
    /// Developer name of the matching rule.
    #[serde(default)]
    pub rule: Option<String>,
    /// Number of matches.
    #[serde(default)]
    pub size: Option<u32>,
    /// Whether the rule ran without error.
    #[serde(default)]
    pub success: Option<bool>,
}

/// `MatchRecord`: one existing record a duplicate rule matched.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchRecord {
    /// Similarity ranking (-1 when unused).
    #[serde(default)]
    pub match_confidence: Option<f64>,
    /// The matched record (at least `Id`).
    #[serde(default)]
    pub record: SObject,
}

impl MatchRecord {
    /// Id of the matched record, when present.
    pub fn id(&self) -> Option<&str> {
        self.record.get("Id").and_then(Value::as_str)
    }
}

/// Answer of `GET /query?q=…` and of a `nextRecordsUrl` ("Query", REST API Developer Guide).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryResult {
    /// Number of records the query matches in total.
    #[serde(default)]
    pub total_size: u64,
    /// `false` when more batches wait behind `next_records_url`.
    pub done: bool,
    /// Relative URL of the next batch, e.g. `/services/data/v62.0/query/01gD0000002HU6KIAW-2000`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_records_url: Option<String>,
    /// This batch's records.
    #[serde(default)]
    pub records: Vec<SObject>,
}

/// Answer of `GET /sobjects/{Obj}/describe` (`DescribeSObjectResult`), trimmed to what unicrm
/// reads; unknown members are ignored.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeSObjectResult {
    /// API name of the object, e.g. `Contact`.
    pub name: String,
    /// Label of the object.
    #[serde(default)]
    pub label: Option<String>,
    /// Whether the object is custom.
    #[serde(default)]
    pub custom: bool,
    /// Three-character id prefix of the object's records.
    #[serde(default)]
    pub key_prefix: Option<String>,
    /// The object's fields.
    #[serde(default)]
    pub fields: Vec<FieldDescribe>,
}

/// One field of a describe result (`Field` in the describe docs).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDescribe {
    /// Field API name, e.g. `Loyalty_Score__c`.
    pub name: String,
    /// Field label.
    #[serde(default)]
    pub label: Option<String>,
    /// Field type (`string`, `picklist`, `double`, `date`, `reference`, …).
    #[serde(rename = "type", default)]
    pub field_type: String,
    /// Whether the field is custom (`__c`).
    #[serde(default)]
    pub custom: bool,
    /// Whether the field accepts null.
    #[serde(default)]
    pub nillable: Option<bool>,
    /// Whether the field can be set on create.
    #[serde(default)]
    pub createable: Option<bool>,
    /// Whether the field can be set on update.
    #[serde(default)]
    pub updateable: Option<bool>,
    /// Maximum length of text fields.
    #[serde(default)]
    pub length: Option<u64>,
    /// Picklist entries of picklist fields.
    #[serde(default)]
    pub picklist_values: Vec<PicklistEntry>,
    /// Objects a reference field points to.
    #[serde(default)]
    pub reference_to: Vec<String>,
}

/// One picklist entry (`PicklistEntry`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PicklistEntry {
    /// API value.
    pub value: String,
    /// Display label.
    #[serde(default)]
    pub label: Option<String>,
    /// Whether the value is active.
    #[serde(default)]
    pub active: bool,
    /// Whether it is the default value.
    #[serde(default)]
    pub default_value: bool,
}

/// Answer of `POST {login host}/services/oauth2/token` with `grant_type=refresh_token`
/// ("OAuth 2.0 Refresh Token Flow"). `Debug` omits the tokens.
#[derive(Clone, PartialEq, Deserialize, Serialize)]
pub struct TokenResponse {
    /// New access token.
    pub access_token: String,
    /// Instance to call from now on; may differ from the previous one.
    pub instance_url: String,
    /// Identity URL `https://login.salesforce.com/id/{orgId}/{userId}`.
    #[serde(default)]
    pub id: Option<String>,
    /// Issue time, epoch milliseconds as a string.
    #[serde(default)]
    pub issued_at: Option<String>,
    /// HMAC-SHA256 signature of `id` + `issued_at`.
    #[serde(default)]
    pub signature: Option<String>,
    /// Always `Bearer`.
    #[serde(default)]
    pub token_type: Option<String>,
    /// Granted scopes.
    #[serde(default)]
    pub scope: Option<String>,
    /// A rotated refresh token, when rotation is enabled on the connected app.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"[redacted]")
            .field("instance_url", &self.instance_url)
            .field("id", &self.id)
            .field("issued_at", &self.issued_at)
            .field("token_type", &self.token_type)
            .field("scope", &self.scope)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// Error answer of the OAuth token endpoint: `{"error": "invalid_grant", "error_description": …}`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct OAuthError {
    /// OAuth error code.
    pub error: String,
    /// Human-readable description.
    #[serde(default)]
    pub error_description: Option<String>,
}

/// Parsed `Sforce-Limit-Info` response header, e.g. `api-usage=18/5000; api-bursts=1/750`
/// ("Limit Info Header").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LimitInfo {
    /// API calls used today in the org.
    pub used: u64,
    /// The org's daily API limit.
    pub limit: u64,
}

impl LimitInfo {
    /// Header name.
    pub const HEADER: &'static str = "Sforce-Limit-Info";

    /// Parses the `api-usage=used/limit` member of the header; `None` when absent or malformed.
    pub fn parse(header: &str) -> Option<LimitInfo> {
        header.split(';').find_map(|part| {
            let (key, value) = part.trim().split_once('=')?;
            if key.trim() != "api-usage" {
                return None;
            }
            let (used, limit) = value.trim().split_once('/')?;
            Some(LimitInfo {
                used: used.trim().parse().ok()?,
                limit: limit.trim().parse().ok()?,
            })
        })
    }

    /// Calls left today (zero once the limit is passed).
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_info_reads_api_usage_among_other_members() {
        let info = LimitInfo::parse("api-usage=18/5000; per-app-api-usage=17/250(appName=x)")
            .expect("parsed");
        assert_eq!(
            info,
            LimitInfo {
                used: 18,
                limit: 5000
            }
        );
        assert_eq!(info.remaining(), 4982);
        let bursts = LimitInfo::parse("api-usage=110018/100000; api-bursts=1/750").expect("parsed");
        assert_eq!(bursts.remaining(), 0);
        assert_eq!(LimitInfo::parse("api-bursts=1/750"), None);
        assert_eq!(LimitInfo::parse("api-usage=abc/100"), None);
    }

    #[test]
    fn token_response_debug_hides_tokens() {
        let token = TokenResponse {
            access_token: "00Dx!secret".into(),
            instance_url: "https://example.my.salesforce.com".into(),
            id: None,
            issued_at: None,
            signature: None,
            token_type: Some("Bearer".into()),
            scope: None,
            refresh_token: Some("5Aep-secret".into()),
        };
        let shown = format!("{token:?}");
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn api_error_accepts_the_misspelled_duplicate_member() {
        let body = r#"[{"duplicateResut":{"allowSave":false,"matchResults":[{"matchRecords":[{"record":{"Id":"0038M0000016Wv8QAE"}}]}]},"errorCode":"DUPLICATES_DETECTED","message":"dup"}]"#;
        let errors: Vec<ApiError> = serde_json::from_str(body).expect("parsed");
        let dup = errors[0]
            .duplicate_result
            .as_ref()
            .expect("duplicate result");
        assert_eq!(
            dup.match_results[0].match_records[0].id(),
            Some("0038M0000016Wv8QAE")
        );
    }
}
