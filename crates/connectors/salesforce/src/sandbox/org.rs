//! The emulated org: object schemas, records, validation, queries and query locators.
//!
//! Pure state machine — no HTTP. Every operation answers either a JSON value or Salesforce's
//! error (`status`, `[{message, errorCode, fields}]`), so the HTTP layer only moves bytes.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Map, Value};

use unicrm_sandbox::{Sandbox, TenantStore};

use super::query;
use super::schema::{check_value, schema, Kind, STAGES};
use crate::wire::{ApiError, SObjectType};

/// An error answer: HTTP status and Salesforce's error array.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// HTTP status.
    pub status: u16,
    /// Error array.
    pub errors: Vec<ApiError>,
}

impl Failure {
    /// One error with a code, message and fields.
    pub fn new(status: u16, code: &str, message: impl Into<String>, fields: &[&str]) -> Failure {
        Failure {
            status,
            errors: vec![ApiError {
                message: message.into(),
                error_code: code.to_owned(),
                fields: fields.iter().map(|f| (*f).to_owned()).collect(),
                duplicate_result: None,
            }],
        }
    }

    /// The JSON body Salesforce sends.
    pub fn body(&self) -> Value {
        serde_json::to_value(&self.errors).unwrap_or(Value::Null)
    }
}

/// Formats a dateTime the way Salesforce sends it: `2024-01-01T00:00:00.000+0000`.
pub fn format_datetime(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// The 18-character form of a 15-character id (the case-safe suffix appended, see
/// [`super::ids::validate_salesforce_id`]); a malformed id is answered unchanged (it matches no
/// record).
pub fn case_safe(id15: &str) -> String {
    super::ids::validate_salesforce_id(id15).unwrap_or_else(|_| id15.to_owned())
}

/// Collection of the emulator's own bookkeeping: query locators and tenant settings.
pub(super) const LOCATORS: &str = "_query_locators";
const SETTINGS: &str = "_settings";

/// The emulated org of one sandbox account: the Salesforce rules over the account's
/// [`TenantStore`] (one collection per object, keyed by the 18-character id).
pub struct Org {
    pub(super) sb: Sandbox,
    pub(super) store: TenantStore,
    /// Rows per query batch (Salesforce: up to 2,000; smaller to exercise `nextRecordsUrl`).
    pub batch_size: usize,
    /// API version used in URLs this org writes (`v62.0`).
    pub api_version: String,
    /// The user new records are owned by when `OwnerId` is not sent.
    pub default_owner: Option<String>,
}

impl Org {
    /// The org of account `token` in sandbox `sb` (scoped to this emulator), speaking
    /// `api_version`. An org always has users: a new account gets its seeded users here.
    pub fn open(sb: &Sandbox, token: &str, api_version: &str) -> Org {
        let store = sb.tenant(token);
        let batch_size = store
            .get(SETTINGS, "batch_size")
            .and_then(|r| r.data.as_u64())
            .map_or(2000, |n| n.max(1) as usize);
        let mut org = Org {
            sb: sb.clone(),
            store,
            batch_size,
            api_version: api_version.to_owned(),
            default_owner: None,
        };
        if org.store.count(SObjectType::User.api_name()) == 0 {
            super::seed_users(&mut org);
        }
        org.default_owner = org
            .store
            .list(SObjectType::User.api_name())
            .first()
            .map(|r| r.id.clone());
        org
    }

    /// Sets the rows per query batch of account `token` (tests use a small one to exercise
    /// `nextRecordsUrl`; Salesforce itself answers at least 200).
    pub fn set_batch_size(sb: &Sandbox, token: &str, n: usize) {
        let store = sb.tenant(token);
        let value = json!(n.max(1));
        if store
            .replace(SETTINGS, "batch_size", value.clone())
            .is_err()
        {
            let _ = store.insert(SETTINGS, "batch_size", value);
        }
    }

    /// The sandbox clock (strictly increasing, millisecond precision).
    fn tick(&mut self) -> DateTime<Utc> {
        self.sb.now()
    }

    /// Next id of `object` from the sandbox's Salesforce id generator (key prefix + counter +
    /// case-safe suffix).
    pub fn next_id(&mut self, object: SObjectType) -> Result<String, Failure> {
        super::ids::next_id(&self.sb, object.key_prefix())
            .map_err(|e| Failure::new(500, "UNKNOWN_EXCEPTION", format!("id generator: {e}"), &[]))
    }

    fn url_of(&self, object: SObjectType, id: &str) -> String {
        format!(
            "/services/data/{}/sobjects/{}/{}",
            self.api_version,
            object.api_name(),
            id
        )
    }

    fn not_found() -> Failure {
        Failure::new(
            404,
            "NOT_FOUND",
            "The requested resource does not exist",
            &[],
        )
    }

    /// Finds a stored record by id (any object).
    pub fn find(&self, object: SObjectType, id: &str) -> Option<Map<String, Value>> {
        let id18 = if id.len() == 15 {
            case_safe(id)
        } else {
            id.to_owned()
        };
        self.store
            .get(object.api_name(), &id18)
            .and_then(|r| r.data.as_object().cloned())
    }

    fn put(
        &mut self,
        object: SObjectType,
        id: &str,
        record: Map<String, Value>,
        new: bool,
    ) -> Result<(), Failure> {
        let result = if new {
            self.store
                .insert(object.api_name(), id, Value::Object(record))
                .map(|_| ())
        } else {
            self.store
                .replace(object.api_name(), id, Value::Object(record))
                .map(|_| ())
        };
        result.map_err(|e| Failure::new(500, "UNKNOWN_EXCEPTION", e.to_string(), &[]))
    }

    fn exists(&self, id: &str, targets: &[SObjectType]) -> bool {
        targets.iter().any(|t| self.find(*t, id).is_some())
    }

    /// Checks and normalises a create/update body against the schema.
    fn validate_body(
        &self,
        object: SObjectType,
        body: &Value,
        creating: bool,
    ) -> Result<Map<String, Value>, Failure> {
        let Value::Object(body) = body else {
            return Err(Failure::new(
                400,
                "JSON_PARSER_ERROR",
                "Cannot deserialize instance of sObject from non-object value",
                &[],
            ));
        };
        let schema = schema(object);
        let mut out = Map::new();
        let mut read_only = Vec::new();
        for (name, value) in body {
            if name == "attributes" {
                continue;
            }
            if name == "Id" && creating {
                return Err(Failure::new(
                    400,
                    "INVALID_FIELD",
                    "The Id field should not be specified in the sobject data.",
                    &[],
                ));
            }
            let Some(def) = schema.iter().find(|d| d.name.eq_ignore_ascii_case(name)) else {
                return Err(Failure::new(
                    400,
                    "INVALID_FIELD",
                    format!(
                        "No such column '{name}' on sobject of type {}",
                        object.api_name()
                    ),
                    &[],
                ));
            };
            if !def.writable {
                read_only.push(def.name.clone());
                continue;
            }
            let value = check_value(def, value).map_err(|message| {
                Failure::new(400, "JSON_PARSER_ERROR", message, &[def.name.as_str()])
            })?;
            if let (Kind::Reference(targets), Value::String(id)) = (def.kind, &value) {
                let shaped = (id.len() == 15 || id.len() == 18)
                    && id.bytes().all(|b| b.is_ascii_alphanumeric());
                if !shaped {
                    return Err(Failure::new(
                        400,
                        "MALFORMED_ID",
                        format!("{}: id value of incorrect type: {id}", def.label),
                        &[def.name.as_str()],
                    ));
                }
                if !self.exists(id, targets) {
                    return Err(Failure::new(
                        400,
                        "INVALID_CROSS_REFERENCE_KEY",
                        format!("invalid cross reference id: {id}"),
                        &[def.name.as_str()],
                    ));
                }
                out.insert(
                    def.name.clone(),
                    Value::String(if id.len() == 15 {
                        case_safe(id)
                    } else {
                        id.clone()
                    }),
                );
                continue;
            }
            out.insert(def.name.clone(), value);
        }
        if !read_only.is_empty() {
            let names = read_only.join(", ");
            let fields: Vec<&str> = read_only.iter().map(String::as_str).collect();
            return Err(Failure::new(
                400,
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                format!(
                    "Unable to create/update fields: {names}. Please check the security settings \
                     of this field and verify that it is read/write for your profile or \
                     permission set."
                ),
                &fields,
            ));
        }
        Ok(out)
    }

    fn check_required(object: SObjectType, record: &Map<String, Value>) -> Result<(), Failure> {
        let missing: Vec<String> = schema(object)
            .into_iter()
            .filter(|d| d.required)
            .filter(|d| match record.get(&d.name) {
                None | Some(Value::Null) => true,
                Some(Value::String(s)) => s.trim().is_empty(),
                _ => false,
            })
            .map(|d| d.name)
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let fields: Vec<&str> = missing.iter().map(String::as_str).collect();
        Err(Failure::new(
            400,
            "REQUIRED_FIELD_MISSING",
            format!("Required fields are missing: [{}]", missing.join(", ")),
            &fields,
        ))
    }

    /// Derived fields: names, event times, opportunity flags, lead conversion flags.
    fn derive(&self, object: SObjectType, record: &mut Map<String, Value>) -> Result<(), Failure> {
        let text =
            |r: &Map<String, Value>, k: &str| r.get(k).and_then(Value::as_str).map(str::to_owned);
        match object {
            SObjectType::Contact | SObjectType::Lead | SObjectType::User => {
                let name = [text(record, "FirstName"), text(record, "LastName")]
                    .into_iter()
                    .flatten()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                record.insert("Name".into(), Value::String(name));
                if object == SObjectType::Lead {
                    record.entry("IsConverted").or_insert(Value::Bool(false));
                    record
                        .entry("Status")
                        .or_insert_with(|| json!("Open - Not Contacted"));
                }
            }
            SObjectType::Opportunity => {
                let stage = text(record, "StageName").unwrap_or_default();
                let probability = STAGES.iter().find(|(s, _)| *s == stage).map(|(_, p)| *p);
                if matches!(record.get("Probability"), None | Some(Value::Null)) {
                    if let Some(p) = probability {
                        record.insert("Probability".into(), json!(p));
                    }
                }
                record.insert("IsClosed".into(), json!(stage.starts_with("Closed")));
                record.insert("IsWon".into(), json!(stage == "Closed Won"));
            }
            SObjectType::Event => {
                let all_day = record
                    .get("IsAllDayEvent")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                record.insert("IsAllDayEvent".into(), json!(all_day));
                let start = text(record, "StartDateTime")
                    .or_else(|| text(record, "ActivityDateTime"))
                    .and_then(|s| query::parse_stored_datetime(&s));
                let Some(start) = start else {
                    if all_day {
                        return Ok(());
                    }
                    return Err(Failure::new(
                        400,
                        "REQUIRED_FIELD_MISSING",
                        "Required fields are missing: [ActivityDateTime]",
                        &["ActivityDateTime"],
                    ));
                };
                let end =
                    text(record, "EndDateTime").and_then(|s| query::parse_stored_datetime(&s));
                let duration = record.get("DurationInMinutes").and_then(Value::as_i64);
                let (end, duration) = match (end, duration) {
                    (Some(end), Some(d)) if end - start != Duration::minutes(d) => {
                        return Err(Failure::new(
                            400,
                            "FIELD_INTEGRITY_EXCEPTION",
                            "Event duration and end time don't match",
                            &["DurationInMinutes", "EndDateTime"],
                        ))
                    }
                    (Some(end), _) => (end, (end - start).num_minutes()),
                    (None, Some(d)) => (start + Duration::minutes(d), d),
                    (None, None) if all_day => (start + Duration::days(1), 1440),
                    (None, None) => {
                        return Err(Failure::new(
                            400,
                            "REQUIRED_FIELD_MISSING",
                            "Required fields are missing: [DurationInMinutes]",
                            &["DurationInMinutes"],
                        ))
                    }
                };
                if end < start {
                    return Err(Failure::new(
                        400,
                        "FIELD_INTEGRITY_EXCEPTION",
                        "End Date Time must be later than Start Date Time",
                        &["EndDateTime"],
                    ));
                }
                record.insert("StartDateTime".into(), json!(format_datetime(start)));
                record.insert("ActivityDateTime".into(), json!(format_datetime(start)));
                record.insert(
                    "ActivityDate".into(),
                    json!(start.date_naive().format("%Y-%m-%d").to_string()),
                );
                record.insert("EndDateTime".into(), json!(format_datetime(end)));
                record.insert("DurationInMinutes".into(), json!(duration));
                // AccountId follows WhatId (an account, or an opportunity's account) or WhoId.
                let what = text(record, "WhatId");
                let who = text(record, "WhoId");
                let account = what
                    .as_deref()
                    .and_then(|id| match SObjectType::from_id(id) {
                        Some(SObjectType::Account) => Some(id.to_owned()),
                        Some(SObjectType::Opportunity) => self
                            .find(SObjectType::Opportunity, id)
                            .and_then(|o| text(&o, "AccountId")),
                        _ => None,
                    })
                    .or_else(|| {
                        who.as_deref()
                            .and_then(|id| self.find(SObjectType::Contact, id))
                            .and_then(|c| text(&c, "AccountId"))
                    });
                record.insert(
                    "AccountId".into(),
                    account.map_or(Value::Null, Value::String),
                );
            }
            SObjectType::Account => {}
        }
        Ok(())
    }

    /// `POST /sobjects/{Obj}/` → `SaveResult`.
    pub fn create(&mut self, object: SObjectType, body: &Value) -> Result<Value, Failure> {
        let mut record = self.validate_body(object, body, true)?;
        if matches!(record.get("OwnerId"), None | Some(Value::Null)) && object != SObjectType::User
        {
            if let Some(owner) = &self.default_owner {
                record.insert("OwnerId".into(), Value::String(owner.clone()));
            }
        }
        Self::check_required(object, &record)?;
        self.derive(object, &mut record)?;
        // Every field of the schema is present on a stored record (null when unset).
        for def in schema(object) {
            record.entry(def.name).or_insert(Value::Null);
        }
        let id = self.next_id(object)?;
        let now = format_datetime(self.tick());
        record.insert("Id".into(), Value::String(id.clone()));
        record.insert("IsDeleted".into(), json!(false));
        for stamp in ["CreatedDate", "LastModifiedDate", "SystemModstamp"] {
            record.insert(stamp.into(), Value::String(now.clone()));
        }
        let actor = self
            .default_owner
            .clone()
            .map_or(Value::Null, Value::String);
        record.insert("CreatedById".into(), actor.clone());
        record.insert("LastModifiedById".into(), actor);
        self.put(object, &id, record, true)?;
        Ok(json!({"id": id, "success": true, "errors": []}))
    }

    /// Stores a record as-is (seeding), filling id and timestamps; skips validation of
    /// read-only fields but still requires required fields.
    pub fn insert_seed(
        &mut self,
        object: SObjectType,
        fields: Map<String, Value>,
        at: DateTime<Utc>,
    ) -> Result<String, Failure> {
        let mut record = fields;
        Self::check_required(object, &record)?;
        self.derive(object, &mut record)?;
        for def in schema(object) {
            record.entry(def.name).or_insert(Value::Null);
        }
        let id = self.next_id(object)?;
        let at = format_datetime(at);
        record.insert("Id".into(), Value::String(id.clone()));
        record.insert("IsDeleted".into(), json!(false));
        for stamp in ["CreatedDate", "LastModifiedDate", "SystemModstamp"] {
            record.insert(stamp.into(), Value::String(at.clone()));
        }
        self.put(object, &id, record, true)?;
        Ok(id)
    }

    /// `PATCH /sobjects/{Obj}/{id}` → 204.
    pub fn update(&mut self, object: SObjectType, id: &str, body: &Value) -> Result<(), Failure> {
        let existing = self.find(object, id).ok_or_else(Self::not_found)?;
        let mut changes = self.validate_body(object, body, false)?;
        changes.remove("Id");
        let mut record = existing;
        for (k, v) in changes {
            record.insert(k, v);
        }
        Self::check_required(object, &record)?;
        // Event: a new start or end re-derives the other time fields.
        if object == SObjectType::Event {
            let touched = |k: &str| body.get(k).is_some();
            if touched("ActivityDateTime") && !touched("StartDateTime") {
                record.insert("StartDateTime".into(), body["ActivityDateTime"].clone());
            }
            if touched("EndDateTime") && !touched("DurationInMinutes") {
                record.insert("DurationInMinutes".into(), Value::Null);
            } else if (touched("DurationInMinutes")
                || touched("StartDateTime")
                || touched("ActivityDateTime"))
                && !touched("EndDateTime")
            {
                record.insert("EndDateTime".into(), Value::Null);
            }
        }
        self.derive(object, &mut record)?;
        let now = format_datetime(self.tick());
        record.insert("LastModifiedDate".into(), Value::String(now.clone()));
        record.insert("SystemModstamp".into(), Value::String(now));
        let key = record
            .get("Id")
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_owned();
        self.put(object, &key, record, false)
    }

    /// `DELETE /sobjects/{Obj}/{id}` → 204.
    pub fn delete(&mut self, object: SObjectType, id: &str) -> Result<(), Failure> {
        let key = self
            .find(object, id)
            .and_then(|r| r.get("Id").and_then(Value::as_str).map(str::to_owned))
            .ok_or_else(Self::not_found)?;
        self.store
            .delete(object.api_name(), &key)
            .map(|_| ())
            .map_err(|_| Self::not_found())
    }

    /// `GET /sobjects/{Obj}/{id}[?fields=a,b]` → the record with `attributes`.
    pub fn get(
        &self,
        object: SObjectType,
        id: &str,
        fields: Option<&str>,
    ) -> Result<Value, Failure> {
        let record = self.find(object, id).ok_or_else(Self::not_found)?;
        let schema = schema(object);
        let mut out = Map::new();
        out.insert("attributes".into(), self.attributes(object, id_of(&record)));
        match fields {
            Some(list) => {
                for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    let Some(def) = schema.iter().find(|d| d.name.eq_ignore_ascii_case(name))
                    else {
                        return Err(Failure::new(
                            400,
                            "INVALID_FIELD",
                            format!(
                                "No such column '{name}' on entity '{}'. If you are attempting to \
                                 use a custom field, be sure to append the '__c' after the custom \
                                 field name.",
                                object.api_name()
                            ),
                            &[],
                        ));
                    };
                    out.insert(
                        def.name.clone(),
                        record.get(&def.name).cloned().unwrap_or(Value::Null),
                    );
                }
                out.insert("Id".into(), json!(id_of(&record)));
            }
            None => {
                for def in &schema {
                    out.insert(
                        def.name.clone(),
                        record.get(&def.name).cloned().unwrap_or(Value::Null),
                    );
                }
            }
        }
        Ok(Value::Object(out))
    }

    pub(super) fn attributes(&self, object: SObjectType, id: &str) -> Value {
        json!({"type": object.api_name(), "url": self.url_of(object, id)})
    }

    /// Number of stored records of `object`.
    pub fn count(&self, object: SObjectType) -> usize {
        self.store.count(object.api_name())
    }
}

pub(super) fn id_of(record: &Map<String, Value>) -> &str {
    record.get("Id").and_then(Value::as_str).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Org {
        let sb = Sandbox::new(7).emulator("salesforce");
        Org::open(&sb, "tenant-a", "v62.0")
    }

    #[test]
    fn ids_have_prefix_length_and_case_safe_suffix() {
        let mut org = org();
        let id = org.next_id(SObjectType::Lead).expect("id");
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("00Q"));
        assert_eq!(case_safe(&id[..15]), id);
        // Known value from the documented algorithm.
        assert_eq!(case_safe("001D000000IqhSL"), "001D000000IqhSLIAZ");
    }

    #[test]
    fn create_validates_like_salesforce() {
        let mut org = org();
        let missing = org
            .create(SObjectType::Contact, &json!({"FirstName": "Jane"}))
            .expect_err("missing");
        assert_eq!(missing.errors[0].error_code, "REQUIRED_FIELD_MISSING");
        assert_eq!(missing.errors[0].fields, vec!["LastName"]);
        let unknown = org
            .create(
                SObjectType::Contact,
                &json!({"LastName": "Doe", "Nope__c": 1}),
            )
            .expect_err("unknown");
        assert_eq!(unknown.errors[0].error_code, "INVALID_FIELD");
        let with_id = org
            .create(
                SObjectType::Account,
                &json!({"Id": "001D000000IqhSLIAZ", "Name": "x"}),
            )
            .expect_err("id");
        assert_eq!(
            with_id.errors[0].message,
            "The Id field should not be specified in the sobject data."
        );
        let lead = org
            .create(SObjectType::Lead, &json!({"LastName": "API"}))
            .expect_err("company");
        assert_eq!(lead.errors[0].fields, vec!["Company"]);
    }

    #[test]
    fn query_projects_relationships_and_pages() {
        let mut org = org();
        org.batch_size = 2;
        let account = org
            .create(SObjectType::Account, &json!({"Name": "Acme Corp"}))
            .expect("account")["id"]
            .as_str()
            .map(str::to_owned)
            .expect("id");
        for i in 0..5 {
            org.create(
                SObjectType::Contact,
                &json!({"LastName": format!("Doe {i}"), "AccountId": account}),
            )
            .expect("contact");
        }
        let first = org
            .query("SELECT Id, LastName, Account.Name, Owner.Name, Owner.Email FROM Contact ORDER BY SystemModstamp, Id LIMIT 10")
            .expect("query");
        assert_eq!(first["totalSize"], 5);
        assert_eq!(first["done"], false);
        assert_eq!(first["records"][0]["Account"]["Name"], "Acme Corp");
        assert_eq!(
            first["records"][0]["Owner"]["Email"],
            "john.smith@acme.example"
        );
        let next = first["nextRecordsUrl"].as_str().expect("next");
        let locator = next.rsplit('/').next().expect("locator");
        let second = org.query_more(locator).expect("more");
        assert_eq!(second["records"][0]["LastName"], "Doe 2");
    }
}
