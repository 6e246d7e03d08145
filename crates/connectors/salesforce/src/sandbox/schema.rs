//! Object schemas: every field of the emulated objects, its type, and value checks.

use chrono::NaiveDate;
use serde_json::{json, Value};

use super::org::format_datetime;
use super::query;
use crate::wire::SObjectType;

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

pub(super) fn f(name: &str, label: &str, kind: Kind) -> FieldDef {
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

pub(super) fn required(mut def: FieldDef) -> FieldDef {
    def.required = true;
    def
}

pub(super) fn read_only(mut def: FieldDef) -> FieldDef {
    def.writable = false;
    def
}

pub(super) fn picklist(mut def: FieldDef, values: &[&'static str]) -> FieldDef {
    def.kind = Kind::Picklist;
    def.picklist = values.to_vec();
    def
}

pub(super) fn custom(mut def: FieldDef) -> FieldDef {
    def.custom = true;
    def
}

pub(super) const USER: &[SObjectType] = &[SObjectType::User];
pub(super) const ACCOUNT: &[SObjectType] = &[SObjectType::Account];
pub(super) const CONTACT: &[SObjectType] = &[SObjectType::Contact];
pub(super) const WHO: &[SObjectType] = &[SObjectType::Contact, SObjectType::Lead];
pub(super) const WHAT: &[SObjectType] = &[SObjectType::Account, SObjectType::Opportunity];
pub(super) const LEAD_SOURCES: &[&str] = &[
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
pub(super) fn relationship(
    object: SObjectType,
    name: &str,
) -> Option<(&'static str, &'static [SObjectType])> {
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

pub(super) fn schema_of(object: SObjectType) -> Vec<FieldDef> {
    schema(object)
}

pub(super) fn check_value(def: &FieldDef, value: &Value) -> Result<Value, String> {
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
