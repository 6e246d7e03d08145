//! The emulated org: object schemas, records, validation, queries and query locators.
//!
//! Pure state machine — no HTTP. Every operation answers either a JSON value or Salesforce's
//! error (`status`, `[{message, errorCode, fields}]`), so the HTTP layer only moves bytes.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{json, Map, Value};

use unicrm_sandbox::{Sandbox, TenantStore};

use super::query::{self, Expr, Query, RecordView, SelectItem};
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

/// A field's type as far as validation cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The record id.
    Id,
    /// Text (string, textarea, phone, email, url, picklist).
    Text,
    /// A picklist (text with a value list, unrestricted here).
    Picklist,
    /// A number (double, currency, percent, int).
    Number,
    /// A boolean.
    Bool,
    /// A date `YYYY-MM-DD`.
    Date,
    /// A dateTime.
    DateTime,
    /// A lookup to one of the given objects.
    Reference(&'static [SObjectType]),
}

/// One field of an emulated object.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// API name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Type.
    pub kind: Kind,
    /// Required on create (`nillable: false` and not defaulted).
    pub required: bool,
    /// Whether the API may set it.
    pub writable: bool,
    /// Whether it is a custom (`__c`) field.
    pub custom: bool,
    /// Picklist values.
    pub picklist: Vec<&'static str>,
}

fn f(name: &str, label: &str, kind: Kind) -> FieldDef {
    FieldDef {
        name: name.to_owned(),
        label: label.to_owned(),
        kind,
        required: false,
        writable: true,
        custom: false,
        picklist: Vec::new(),
    }
}

fn required(mut def: FieldDef) -> FieldDef {
    def.required = true;
    def
}

fn read_only(mut def: FieldDef) -> FieldDef {
    def.writable = false;
    def
}

fn picklist(mut def: FieldDef, values: &[&'static str]) -> FieldDef {
    def.kind = Kind::Picklist;
    def.picklist = values.to_vec();
    def
}

fn custom(mut def: FieldDef) -> FieldDef {
    def.custom = true;
    def
}

const USER: &[SObjectType] = &[SObjectType::User];
const ACCOUNT: &[SObjectType] = &[SObjectType::Account];
const CONTACT: &[SObjectType] = &[SObjectType::Contact];
const WHO: &[SObjectType] = &[SObjectType::Contact, SObjectType::Lead];
const WHAT: &[SObjectType] = &[SObjectType::Account, SObjectType::Opportunity];
const LEAD_SOURCES: &[&str] = &[
    "Web",
    "Phone Inquiry",
    "Partner Referral",
    "Purchased List",
    "Other",
];

/// Salesforce's default opportunity stages with their default probabilities.
pub const STAGES: &[(&str, f64)] = &[
    ("Prospecting", 10.0),
    ("Qualification", 10.0),
    ("Needs Analysis", 20.0),
    ("Value Proposition", 50.0),
    ("Id. Decision Makers", 60.0),
    ("Perception Analysis", 70.0),
    ("Proposal/Price Quote", 75.0),
    ("Negotiation/Review", 90.0),
    ("Closed Won", 100.0),
    ("Closed Lost", 0.0),
];

/// The emulated schema of an object.
pub fn schema(object: SObjectType) -> Vec<FieldDef> {
    let mut fields = vec![
        read_only(f("Id", &format!("{} ID", object.api_name()), Kind::Id)),
        read_only(f("IsDeleted", "Deleted", Kind::Bool)),
        read_only(f("CreatedDate", "Created Date", Kind::DateTime)),
        read_only(f("CreatedById", "Created By ID", Kind::Reference(USER))),
        read_only(f("LastModifiedDate", "Last Modified Date", Kind::DateTime)),
        read_only(f(
            "LastModifiedById",
            "Last Modified By ID",
            Kind::Reference(USER),
        )),
        read_only(f("SystemModstamp", "System Modstamp", Kind::DateTime)),
    ];
    let address = |prefix: &str, label: &str| {
        vec![
            f(
                &format!("{prefix}Street"),
                &format!("{label} Street"),
                Kind::Text,
            ),
            f(
                &format!("{prefix}City"),
                &format!("{label} City"),
                Kind::Text,
            ),
            f(
                &format!("{prefix}State"),
                &format!("{label} State/Province"),
                Kind::Text,
            ),
            f(
                &format!("{prefix}PostalCode"),
                &format!("{label} Zip/Postal Code"),
                Kind::Text,
            ),
            f(
                &format!("{prefix}Country"),
                &format!("{label} Country"),
                Kind::Text,
            ),
        ]
    };
    match object {
        SObjectType::Contact => {
            fields.extend([
                f("OwnerId", "Contact Owner ID", Kind::Reference(USER)),
                f("FirstName", "First Name", Kind::Text),
                required(f("LastName", "Last Name", Kind::Text)),
                read_only(f("Name", "Full Name", Kind::Text)),
                f("Email", "Email", Kind::Text),
                f("Phone", "Business Phone", Kind::Text),
                f("MobilePhone", "Mobile Phone", Kind::Text),
                f("HomePhone", "Home Phone", Kind::Text),
                f("OtherPhone", "Other Phone", Kind::Text),
                f("Title", "Title", Kind::Text),
                f("Department", "Department", Kind::Text),
                f("Description", "Contact Description", Kind::Text),
                f("AccountId", "Account ID", Kind::Reference(ACCOUNT)),
                picklist(f("LeadSource", "Lead Source", Kind::Text), LEAD_SOURCES),
            ]);
            fields.extend(address("Mailing", "Mailing"));
            fields.extend([
                custom(f("Loyalty_Score__c", "Loyalty Score", Kind::Number)),
                custom(picklist(
                    f(
                        "Training_Status__c",
                        "Training Completion Status",
                        Kind::Text,
                    ),
                    &["Not Started", "In Progress", "Completed"],
                )),
                custom(f("Languages__c", "Languages", Kind::Text)),
            ]);
        }
        SObjectType::Lead => {
            fields.extend([
                f("OwnerId", "Lead Owner ID", Kind::Reference(USER)),
                f("FirstName", "First Name", Kind::Text),
                required(f("LastName", "Last Name", Kind::Text)),
                read_only(f("Name", "Full Name", Kind::Text)),
                required(f("Company", "Company", Kind::Text)),
                f("Email", "Email", Kind::Text),
                f("Phone", "Phone", Kind::Text),
                f("MobilePhone", "Mobile Phone", Kind::Text),
                f("Title", "Title", Kind::Text),
                f("Website", "Website", Kind::Text),
                f("Description", "Description", Kind::Text),
                f("Industry", "Industry", Kind::Text),
                picklist(
                    f("Status", "Lead Status", Kind::Text),
                    &[
                        "Open - Not Contacted",
                        "Working - Contacted",
                        "Closed - Converted",
                        "Closed - Not Converted",
                    ],
                ),
                picklist(f("LeadSource", "Lead Source", Kind::Text), LEAD_SOURCES),
                read_only(f("IsConverted", "Converted", Kind::Bool)),
                read_only(f(
                    "ConvertedAccountId",
                    "Converted Account ID",
                    Kind::Reference(ACCOUNT),
                )),
                read_only(f(
                    "ConvertedContactId",
                    "Converted Contact ID",
                    Kind::Reference(CONTACT),
                )),
                read_only(f(
                    "ConvertedOpportunityId",
                    "Converted Opportunity ID",
                    Kind::Reference(&[SObjectType::Opportunity]),
                )),
            ]);
            fields.extend(address("", "Address"));
            fields.push(custom(f("Region__c", "Region", Kind::Text)));
        }
        SObjectType::Opportunity => {
            fields.extend([
                f("OwnerId", "Opportunity Owner ID", Kind::Reference(USER)),
                required(f("Name", "Name", Kind::Text)),
                required(picklist(
                    f("StageName", "Stage", Kind::Text),
                    &STAGES.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
                )),
                required(f("CloseDate", "Close Date", Kind::Date)),
                f("Amount", "Amount", Kind::Number),
                f("Probability", "Probability (%)", Kind::Number),
                picklist(
                    f("CurrencyIsoCode", "Opportunity Currency", Kind::Text),
                    &["USD", "EUR", "GBP", "JPY"],
                ),
                f("AccountId", "Account ID", Kind::Reference(ACCOUNT)),
                f("ContactId", "Contact ID", Kind::Reference(CONTACT)),
                picklist(f("LeadSource", "Lead Source", Kind::Text), LEAD_SOURCES),
                f("Type", "Opportunity Type", Kind::Text),
                f("NextStep", "Next Step", Kind::Text),
                f("Description", "Description", Kind::Text),
                read_only(f("IsClosed", "Closed", Kind::Bool)),
                read_only(f("IsWon", "Won", Kind::Bool)),
                custom(f("Competitor__c", "Main Competitor", Kind::Text)),
            ]);
        }
        SObjectType::Event => {
            fields.extend([
                f("OwnerId", "Assigned To ID", Kind::Reference(USER)),
                f("Subject", "Subject", Kind::Text),
                f("Description", "Description", Kind::Text),
                f("Location", "Location", Kind::Text),
                f("StartDateTime", "Start", Kind::DateTime),
                f("EndDateTime", "End", Kind::DateTime),
                f("ActivityDateTime", "Due Date Time", Kind::DateTime),
                f("ActivityDate", "Due Date Only", Kind::Date),
                f("DurationInMinutes", "Duration", Kind::Number),
                f("IsAllDayEvent", "All-Day Event", Kind::Bool),
                f("WhoId", "Name ID", Kind::Reference(WHO)),
                f("WhatId", "Related To ID", Kind::Reference(WHAT)),
                read_only(f("AccountId", "Account ID", Kind::Reference(ACCOUNT))),
                custom(picklist(
                    f("Meeting_Outcome__c", "Meeting Outcome", Kind::Text),
                    &["Scheduled", "Completed", "No Show", "Rescheduled"],
                )),
                custom(f("Meeting_Notes__c", "Meeting Notes", Kind::Text)),
            ]);
        }
        SObjectType::Account => {
            fields.extend([
                f("OwnerId", "Owner ID", Kind::Reference(USER)),
                required(f("Name", "Account Name", Kind::Text)),
                f("Website", "Website", Kind::Text),
                f("Industry", "Industry", Kind::Text),
                f("Phone", "Account Phone", Kind::Text),
                f("Fax", "Account Fax", Kind::Text),
                f("Description", "Account Description", Kind::Text),
                f("Type", "Account Type", Kind::Text),
                f("NumberOfEmployees", "Employees", Kind::Number),
                f("AnnualRevenue", "Annual Revenue", Kind::Number),
            ]);
            fields.extend(address("Billing", "Billing"));
            fields.push(custom(picklist(
                f("SLA__c", "SLA", Kind::Text),
                &["Gold", "Silver", "Platinum", "Bronze"],
            )));
            fields.push(custom(f(
                "SLASerialNumber__c",
                "SLA Serial Number",
                Kind::Text,
            )));
        }
        SObjectType::User => {
            fields.extend([
                read_only(f("Name", "Full Name", Kind::Text)),
                f("FirstName", "First Name", Kind::Text),
                required(f("LastName", "Last Name", Kind::Text)),
                f("Email", "Email", Kind::Text),
                f("Username", "Username", Kind::Text),
                f("IsActive", "Active", Kind::Bool),
            ]);
        }
    }
    fields
}

/// Relationship name → (lookup field, target objects), e.g. `Owner` → (`OwnerId`, [User]).
fn relationship(object: SObjectType, name: &str) -> Option<(&'static str, &'static [SObjectType])> {
    match name {
        "Owner" if object != SObjectType::User => Some(("OwnerId", USER)),
        "CreatedBy" => Some(("CreatedById", USER)),
        "LastModifiedBy" => Some(("LastModifiedById", USER)),
        "Account"
            if matches!(
                object,
                SObjectType::Contact | SObjectType::Opportunity | SObjectType::Event
            ) =>
        {
            Some(("AccountId", ACCOUNT))
        }
        "Contact" if object == SObjectType::Opportunity => Some(("ContactId", CONTACT)),
        _ => None,
    }
}

/// Formats a dateTime the way Salesforce sends it: `2024-01-01T00:00:00.000+0000`.
pub fn format_datetime(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// Appends the case-safe suffix to a 15-character id (the documented 18-character algorithm:
/// for each 5-character chunk, a bit per upper-case letter, indexed into `A–Z0–5`).
pub fn case_safe(id15: &str) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    let bytes = id15.as_bytes();
    let mut out = id15.to_owned();
    for chunk in bytes.chunks(5).take(3) {
        let mut bits = 0usize;
        for (i, b) in chunk.iter().enumerate() {
            if b.is_ascii_uppercase() {
                bits |= 1 << i;
            }
        }
        out.push(ALPHABET[bits] as char);
    }
    out
}

/// Collection of the emulator's own bookkeeping: query locators and tenant settings.
const LOCATORS: &str = "_query_locators";
const SETTINGS: &str = "_settings";

/// The emulated org of one sandbox account: the Salesforce rules over the account's
/// [`TenantStore`] (one collection per object, keyed by the 18-character id).
pub struct Org {
    sb: Sandbox,
    store: TenantStore,
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
        self.sb
            .salesforce_id(object.key_prefix())
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

    fn attributes(&self, object: SObjectType, id: &str) -> Value {
        json!({"type": object.api_name(), "url": self.url_of(object, id)})
    }

    /// `GET /query?q=…` → `QueryResult` (first batch).
    pub fn query(&mut self, soql: &str) -> Result<Value, Failure> {
        let parsed = query::parse(soql).map_err(|e| Failure::new(400, e.code, e.message, &[]))?;
        let Some(object) = SObjectType::from_api_name(&parsed.from) else {
            return Err(Failure::new(
                400,
                "INVALID_TYPE",
                format!(
                    "sObject type '{}' is not supported. If you are attempting to use a custom \
                     object, be sure to append the '__c' after the entity name.",
                    parsed.from
                ),
                &[],
            ));
        };
        self.check_paths(object, &parsed)?;
        let rows = self.run(object, &parsed);
        self.batch(rows)
    }

    /// `GET /query/{locator}-{offset}` → the next `QueryResult` batch.
    pub fn query_more(&mut self, locator: &str) -> Result<Value, Failure> {
        let invalid = || Failure::new(400, "INVALID_QUERY_LOCATOR", "invalid query locator", &[]);
        let (key, offset) = locator.rsplit_once('-').ok_or_else(invalid)?;
        let offset: usize = offset.parse().map_err(|_| invalid())?;
        let entry = self.store.get(LOCATORS, key).ok_or_else(invalid)?;
        let rows = entry.data["rows"].as_array().cloned().unwrap_or_default();
        if offset > rows.len() {
            return Err(invalid());
        }
        let end = (offset + self.batch_size).min(rows.len());
        let done = end >= rows.len();
        let mut out = json!({"totalSize": rows.len(), "done": done, "records": rows[offset..end]});
        if done {
            let _ = self.store.delete(LOCATORS, key);
        } else {
            out["nextRecordsUrl"] = json!(format!(
                "/services/data/{}/query/{key}-{end}",
                self.api_version
            ));
        }
        Ok(out)
    }

    fn batch(&mut self, rows: Vec<Value>) -> Result<Value, Failure> {
        let total = rows.len();
        if total <= self.batch_size {
            return Ok(json!({"totalSize": total, "done": true, "records": rows}));
        }
        // Query locators look like `01gD0000002HU6KIAW` (docs example).
        let key = self
            .sb
            .salesforce_id("01g")
            .map_err(|e| Failure::new(500, "UNKNOWN_EXCEPTION", e.to_string(), &[]))?;
        let first: Vec<Value> = rows[..self.batch_size].to_vec();
        let next = format!(
            "/services/data/{}/query/{key}-{}",
            self.api_version, self.batch_size
        );
        self.store
            .insert(LOCATORS, key, json!({ "rows": rows }))
            .map_err(|e| Failure::new(500, "UNKNOWN_EXCEPTION", e.to_string(), &[]))?;
        Ok(json!({"totalSize": total, "done": false, "nextRecordsUrl": next, "records": first}))
    }

    fn check_paths(&self, object: SObjectType, parsed: &Query) -> Result<(), Failure> {
        let schema = schema(object);
        for path in query::referenced_paths(parsed) {
            let ok = match path.split_once('.') {
                None => schema.iter().any(|d| d.name.eq_ignore_ascii_case(&path)),
                Some((rel, field)) => relationship(object, rel).is_some_and(|(_, targets)| {
                    targets.iter().any(|t| {
                        schema_of(*t)
                            .iter()
                            .any(|d| d.name.eq_ignore_ascii_case(field))
                    })
                }),
            };
            if !ok {
                return Err(Failure::new(
                    400,
                    "INVALID_FIELD",
                    format!(
                        "No such column '{path}' on entity '{}'. If you are attempting to use a \
                         custom field, be sure to append the '__c' after the custom field name.",
                        object.api_name()
                    ),
                    &[],
                ));
            }
        }
        Ok(())
    }

    fn run(&self, object: SObjectType, parsed: &Query) -> Vec<Value> {
        let records: Vec<Map<String, Value>> = self
            .store
            .list(object.api_name())
            .into_iter()
            .filter_map(|r| r.data.as_object().cloned())
            .collect();
        let mut hits: Vec<&Map<String, Value>> = records
            .iter()
            .filter(|r| {
                parsed.filter.as_ref().is_none_or(|f: &Expr| {
                    query::matches(
                        f,
                        &View {
                            org: self,
                            object,
                            record: r,
                        },
                    )
                })
            })
            .collect();
        hits.sort_by(|a, b| {
            for (field, desc) in &parsed.order_by {
                let va = View {
                    org: self,
                    object,
                    record: a,
                }
                .get(field);
                let vb = View {
                    org: self,
                    object,
                    record: b,
                }
                .get(field);
                let ord = query::order_values(&va, &vb);
                let ord = if *desc { ord.reverse() } else { ord };
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
            }
            std::cmp::Ordering::Equal
        });
        if let Some(limit) = parsed.limit {
            hits.truncate(limit);
        }
        let schema = schema(object);
        hits.into_iter()
            .map(|record| {
                let view = View {
                    org: self,
                    object,
                    record,
                };
                let mut out = Map::new();
                out.insert("attributes".into(), self.attributes(object, id_of(record)));
                for item in &parsed.select {
                    match item {
                        SelectItem::Field(name) => {
                            let canonical = schema
                                .iter()
                                .find(|d| d.name.eq_ignore_ascii_case(name))
                                .map_or(name.clone(), |d| d.name.clone());
                            out.insert(canonical.clone(), view.get(&canonical));
                        }
                        SelectItem::Relationship(rel, field) => {
                            self.project_relationship(object, record, rel, field, &mut out);
                        }
                        SelectItem::CustomFields
                        | SelectItem::StandardFields
                        | SelectItem::AllFields => {
                            for def in &schema {
                                let wanted = match item {
                                    SelectItem::CustomFields => def.custom,
                                    SelectItem::StandardFields => !def.custom,
                                    _ => true,
                                };
                                if wanted {
                                    out.insert(def.name.clone(), view.get(&def.name));
                                }
                            }
                        }
                    }
                }
                Value::Object(out)
            })
            .collect()
    }

    fn project_relationship(
        &self,
        object: SObjectType,
        record: &Map<String, Value>,
        rel: &str,
        field: &str,
        out: &mut Map<String, Value>,
    ) {
        let Some((lookup, targets)) = relationship(object, rel) else {
            return;
        };
        let canonical_rel = ["Owner", "CreatedBy", "LastModifiedBy", "Account", "Contact"]
            .into_iter()
            .find(|r| r.eq_ignore_ascii_case(rel))
            .unwrap_or(rel)
            .to_owned();
        let parent = record.get(lookup).and_then(Value::as_str).and_then(|id| {
            targets
                .iter()
                .find_map(|t| self.find(*t, id).map(|r| (*t, r)))
        });
        match parent {
            None => {
                out.insert(canonical_rel, Value::Null);
            }
            Some((target, parent)) => {
                let schema = schema_of(target);
                let name = schema
                    .iter()
                    .find(|d| d.name.eq_ignore_ascii_case(field))
                    .map_or(field.to_owned(), |d| d.name.clone());
                let entry = out.entry(canonical_rel).or_insert_with(
                    || json!({"attributes": self.attributes(target, id_of(&parent))}),
                );
                if let Value::Object(map) = entry {
                    map.insert(
                        name.clone(),
                        parent.get(&name).cloned().unwrap_or(Value::Null),
                    );
                }
            }
        }
    }

    /// `GET /sobjects/{Obj}/describe`.
    pub fn describe(&self, object: SObjectType) -> Value {
        let fields: Vec<Value> = schema(object)
            .into_iter()
            .map(|d| {
                let (kind, length) = match d.kind {
                    Kind::Id => ("id", 18),
                    Kind::Text => ("string", 255),
                    Kind::Picklist => ("picklist", 255),
                    Kind::Number => ("double", 0),
                    Kind::Bool => ("boolean", 0),
                    Kind::Date => ("date", 0),
                    Kind::DateTime => ("datetime", 0),
                    Kind::Reference(_) => ("reference", 18),
                };
                let reference_to: Vec<&str> = match d.kind {
                    Kind::Reference(targets) => targets.iter().map(|t| t.api_name()).collect(),
                    _ => Vec::new(),
                };
                let picklist: Vec<Value> = d
                    .picklist
                    .iter()
                    .map(|v| json!({"active": true, "defaultValue": false, "label": v, "validFor": null, "value": v}))
                    .collect();
                json!({
                    "name": d.name,
                    "label": d.label,
                    "type": kind,
                    "custom": d.custom,
                    "nillable": !d.required && d.kind != Kind::Id && d.kind != Kind::Bool,
                    "createable": d.writable,
                    "updateable": d.writable,
                    "length": length,
                    "picklistValues": picklist,
                    "referenceTo": reference_to,
                })
            })
            .collect();
        json!({
            "name": object.api_name(),
            "label": object.api_name(),
            "custom": false,
            "keyPrefix": object.key_prefix(),
            "createable": true,
            "updateable": true,
            "queryable": true,
            "fields": fields,
        })
    }

    /// Number of stored records of `object`.
    pub fn count(&self, object: SObjectType) -> usize {
        self.store.count(object.api_name())
    }
}

fn schema_of(object: SObjectType) -> Vec<FieldDef> {
    schema(object)
}

fn id_of(record: &Map<String, Value>) -> &str {
    record.get("Id").and_then(Value::as_str).unwrap_or_default()
}

fn check_value(def: &FieldDef, value: &Value) -> Result<Value, String> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let wrong = |expected: &str| {
        format!(
            "Cannot deserialize instance of {expected} from {} value {value} or request may be \
             missing a required field",
            match value {
                Value::String(_) => "VALUE_STRING",
                Value::Number(_) => "VALUE_NUMBER",
                Value::Bool(_) => "VALUE_BOOLEAN",
                Value::Array(_) => "START_ARRAY",
                Value::Object(_) => "START_OBJECT",
                Value::Null => "VALUE_NULL",
            }
        )
    };
    match def.kind {
        Kind::Id | Kind::Text | Kind::Picklist | Kind::Reference(_) => match value {
            Value::String(_) => Ok(value.clone()),
            Value::Number(n) if matches!(def.kind, Kind::Text | Kind::Picklist) => {
                Ok(Value::String(n.to_string()))
            }
            _ => Err(wrong("string")),
        },
        // Salesforce stores number fields as doubles and answers them as such (`85.0`).
        Kind::Number => match value {
            Value::Number(n) => n.as_f64().map(|n| json!(n)).ok_or_else(|| wrong("double")),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .map(|n| json!(n))
                .map_err(|_| wrong("double")),
            _ => Err(wrong("double")),
        },
        Kind::Bool => match value {
            Value::Bool(_) => Ok(value.clone()),
            _ => Err(wrong("boolean")),
        },
        Kind::Date => match value {
            Value::String(s) if NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => {
                Ok(value.clone())
            }
            _ => Err(wrong("date")),
        },
        Kind::DateTime => match value {
            Value::String(s) => query::parse_stored_datetime(s)
                .map(|at| Value::String(format_datetime(at)))
                .ok_or_else(|| wrong("datetime")),
            _ => Err(wrong("datetime")),
        },
    }
}

struct View<'a> {
    org: &'a Org,
    object: SObjectType,
    record: &'a Map<String, Value>,
}

impl RecordView for View<'_> {
    fn get(&self, path: &str) -> Value {
        match path.split_once('.') {
            None => self
                .record
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(path))
                .map_or(Value::Null, |(_, v)| v.clone()),
            Some((rel, field)) => {
                let Some((lookup, targets)) = relationship(self.object, rel) else {
                    return Value::Null;
                };
                self.record
                    .get(lookup)
                    .and_then(Value::as_str)
                    .and_then(|id| targets.iter().find_map(|t| self.org.find(*t, id)))
                    .and_then(|parent| {
                        parent
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(field))
                            .map(|(_, v)| v.clone())
                    })
                    .unwrap_or(Value::Null)
            }
        }
    }
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
