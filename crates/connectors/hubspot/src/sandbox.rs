//! HubSpot emulator (feature `sandbox`): the endpoints this connector uses, with HubSpot's paths,
//! bodies, ids, paging and errors, on the `unicrm-sandbox` machinery.
//!
//! Served (under the sandbox's `/hubspot` prefix):
//!
//! * `GET|POST /crm/v3/objects/{type}`, `GET|PATCH|DELETE /crm/v3/objects/{type}/{id}` for
//!   contacts, companies, deals, meetings and leads (names, singular names or type ids `0-1` …);
//!   list paging with `limit` (≤ 100) + `after` (the id of the next record, as HubSpot does);
//!   `properties=` and `associations=` query parameters;
//! * `POST /crm/v3/objects/{type}/search`: `filterGroups` (`EQ NEQ LT LTE GT GTE BETWEEN IN
//!   NOT_IN HAS_PROPERTY NOT_HAS_PROPERTY CONTAINS_TOKEN NOT_CONTAINS_TOKEN`), one sort, `limit`
//!   (≤ 200), integer `after` and the 10,000-result window (a 400 past it);
//! * associations in create bodies and `PUT /crm/v4/objects/{from}/{id}/associations/default/{to}/{toId}`,
//!   `DELETE /crm/v4/objects/{from}/{id}/associations/{to}/{toId}`;
//! * `GET|POST /crm/v3/properties/{type}` (create custom properties; writing an unknown property
//!   is HubSpot's 400 `PROPERTY_DOESNT_EXIST`);
//! * `GET /crm/v3/owners`, `GET /crm/v3/owners/{id}` (seeded owners);
//! * `PUT /contacts/v1/secondary-email/{vid}/email/{email}` (additional contact emails);
//! * `POST /oauth/v1/token` (refresh: the new access token names the same sandbox account);
//! * the rules: a duplicate contact email is a 409 `Contact already exists. Existing ID: N`, a
//!   lead must be created with an association to an existing contact, a meeting needs
//!   `hs_timestamp` (defaulted from `hs_meeting_start_time`), a deal needs `dealname` and
//!   `dealstage`; 401/429/5xx in HubSpot's format.

// Helpers short-circuit with the provider's error `Response`; boxing it would only add noise.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use unicrm_sandbox::auth::{AuthProblem, TenantToken};
use unicrm_sandbox::{ErrorFormat, Sandbox, StdRng, StoredRecord, TenantStore};

use crate::mapping::convert;
use crate::wire::{
    AssociationInput, Filter, ObjectInput, ObjectInputForCreate, PropertyCreate, SearchRequest,
};

/// Largest `limit` of a list page (HubSpot: "up to 100").
const LIST_MAX: usize = 100;
/// Largest `limit` of a search page ("The maximum number of supported objects per page is 200").
const SEARCH_MAX: usize = 200;
/// "The search endpoints are limited to 10,000 total results for any given query."
pub const SEARCH_WINDOW: usize = 10_000;

/// The five object types the emulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Obj {
    Contacts,
    Companies,
    Deals,
    Meetings,
    Leads,
}

impl Obj {
    fn parse(raw: &str) -> Option<Obj> {
        Some(match raw.to_ascii_lowercase().as_str() {
            "contacts" | "contact" | "0-1" => Obj::Contacts,
            "companies" | "company" | "0-2" => Obj::Companies,
            "deals" | "deal" | "0-3" => Obj::Deals,
            "meetings" | "meeting" | "0-47" => Obj::Meetings,
            "leads" | "lead" | "0-136" => Obj::Leads,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Obj::Contacts => "contacts",
            Obj::Companies => "companies",
            Obj::Deals => "deals",
            Obj::Meetings => "meetings",
            Obj::Leads => "leads",
        }
    }

    fn singular(self) -> &'static str {
        match self {
            Obj::Contacts => "contact",
            Obj::Companies => "company",
            Obj::Deals => "deal",
            Obj::Meetings => "meeting",
            Obj::Leads => "lead",
        }
    }

    fn type_id(self) -> &'static str {
        match self {
            Obj::Contacts => "0-1",
            Obj::Companies => "0-2",
            Obj::Deals => "0-3",
            Obj::Meetings => "0-47",
            Obj::Leads => "0-136",
        }
    }

    /// The property holding the creation time.
    fn created_prop(self) -> &'static str {
        match self {
            Obj::Meetings | Obj::Leads => "hs_createdate",
            _ => "createdate",
        }
    }

    /// Properties returned when `properties=` is absent (the search guide's defaults).
    fn default_props(self) -> &'static [&'static str] {
        match self {
            Obj::Contacts => &[
                "createdate",
                "email",
                "firstname",
                "hs_object_id",
                "lastmodifieddate",
                "lastname",
            ],
            Obj::Companies => &[
                "createdate",
                "domain",
                "hs_lastmodifieddate",
                "hs_object_id",
                "name",
            ],
            Obj::Deals => &[
                "amount",
                "closedate",
                "createdate",
                "dealname",
                "dealstage",
                "hs_lastmodifieddate",
                "hs_object_id",
                "pipeline",
            ],
            Obj::Meetings => &[
                "hs_createdate",
                "hs_lastmodifieddate",
                "hs_object_id",
                "hs_timestamp",
            ],
            Obj::Leads => &[
                "hs_createdate",
                "hs_lastmodifieddate",
                "hs_lead_name",
                "hs_object_id",
            ],
        }
    }
}

/// HubSpot-defined association type ids between the emulated objects, both directions
/// ("Association type ID values" table of HubSpot's associations guide). The first entry of a
/// pair is the unlabeled default; `(from, to, type id, label-less name)`.
const ASSOCIATION_TYPES: &[(Obj, Obj, i64, &str)] = &[
    (
        Obj::Contacts,
        Obj::Companies,
        279,
        "contact_to_company_unlabeled",
    ),
    (Obj::Contacts, Obj::Companies, 1, "contact_to_company"),
    (
        Obj::Companies,
        Obj::Contacts,
        280,
        "company_to_contact_unlabeled",
    ),
    (Obj::Companies, Obj::Contacts, 2, "company_to_contact"),
    (Obj::Contacts, Obj::Deals, 4, "contact_to_deal"),
    (Obj::Deals, Obj::Contacts, 3, "deal_to_contact"),
    (Obj::Deals, Obj::Companies, 341, "deal_to_company_unlabeled"),
    (Obj::Deals, Obj::Companies, 5, "deal_to_company"),
    (Obj::Companies, Obj::Deals, 342, "company_to_deal_unlabeled"),
    (Obj::Companies, Obj::Deals, 6, "company_to_deal"),
    (
        Obj::Contacts,
        Obj::Meetings,
        199,
        "contact_to_meeting_event",
    ),
    (
        Obj::Meetings,
        Obj::Contacts,
        200,
        "meeting_event_to_contact",
    ),
    (
        Obj::Companies,
        Obj::Meetings,
        187,
        "company_to_meeting_event",
    ),
    (
        Obj::Meetings,
        Obj::Companies,
        188,
        "meeting_event_to_company",
    ),
    (Obj::Deals, Obj::Meetings, 211, "deal_to_meeting_event"),
    (Obj::Meetings, Obj::Deals, 212, "meeting_event_to_deal"),
    (Obj::Leads, Obj::Contacts, 608, "lead_to_contact"),
    (Obj::Leads, Obj::Contacts, 578, "lead_to_primary_contact"),
    (Obj::Contacts, Obj::Leads, 609, "contact_to_lead"),
    (Obj::Leads, Obj::Companies, 610, "lead_to_company"),
    (Obj::Leads, Obj::Companies, 580, "lead_to_primary_company"),
    (Obj::Companies, Obj::Leads, 611, "company_to_lead"),
    (Obj::Leads, Obj::Deals, 1037, "lead_to_deal"),
    (Obj::Leads, Obj::Deals, 582, "lead_to_primary_deal"),
    (Obj::Deals, Obj::Leads, 1038, "deal_to_lead"),
    (Obj::Leads, Obj::Meetings, 600, "lead_to_meeting_event"),
    (Obj::Meetings, Obj::Leads, 601, "meeting_event_to_lead"),
];

/// The unlabeled type of `from → to` and of the way back.
fn default_type(from: Obj, to: Obj) -> Option<(i64, i64)> {
    let fwd = ASSOCIATION_TYPES
        .iter()
        .find(|(f, t, _, _)| *f == from && *t == to)?
        .2;
    let back = ASSOCIATION_TYPES
        .iter()
        .find(|(f, t, _, _)| *f == to && *t == from)?
        .2;
    Some((fwd, back))
}

fn association_type(from: Obj, type_id: i64) -> Option<Obj> {
    ASSOCIATION_TYPES
        .iter()
        .find(|(f, _, id, _)| *f == from && *id == type_id)
        .map(|(_, t, _, _)| *t)
}

fn association_name(from: Obj, to: Obj, type_id: i64) -> &'static str {
    ASSOCIATION_TYPES
        .iter()
        .find(|(f, t, id, _)| *f == from && *t == to && *id == type_id)
        .map_or("unknown", |(_, _, _, n)| n)
}

// ---------------------------------------------------------------------------------------------
// Property catalog
// ---------------------------------------------------------------------------------------------

/// A HubSpot-defined property of the emulated objects: `(name, label, type, fieldType, read-only)`.
type PropDef = (&'static str, &'static str, &'static str, &'static str, bool);

const COMMON_PROPS: &[PropDef] = &[
    ("hs_object_id", "Record ID", "number", "number", true),
    (
        "hs_lastmodifieddate",
        "Last Modified Date",
        "datetime",
        "date",
        true,
    ),
    ("hubspot_owner_id", "Owner", "enumeration", "select", false),
];

const CONTACT_PROPS: &[PropDef] = &[
    ("createdate", "Create Date", "datetime", "date", true),
    (
        "lastmodifieddate",
        "Last Modified Date",
        "datetime",
        "date",
        true,
    ),
    ("email", "Email", "string", "text", false),
    (
        "hs_additional_emails",
        "Additional email addresses",
        "enumeration",
        "checkbox",
        true,
    ),
    ("firstname", "First Name", "string", "text", false),
    ("lastname", "Last Name", "string", "text", false),
    ("phone", "Phone Number", "string", "phonenumber", false),
    (
        "mobilephone",
        "Mobile Phone Number",
        "string",
        "phonenumber",
        false,
    ),
    ("company", "Company Name", "string", "text", false),
    ("jobtitle", "Job Title", "string", "text", false),
    ("website", "Website URL", "string", "text", false),
    ("address", "Street Address", "string", "text", false),
    ("city", "City", "string", "text", false),
    ("state", "State/Region", "string", "text", false),
    ("zip", "Postal Code", "string", "text", false),
    ("country", "Country/Region", "string", "text", false),
    (
        "lifecyclestage",
        "Lifecycle Stage",
        "enumeration",
        "radio",
        false,
    ),
    (
        "hs_lead_status",
        "Lead Status",
        "enumeration",
        "radio",
        false,
    ),
    (
        "hs_analytics_source",
        "Original Source",
        "enumeration",
        "select",
        true,
    ),
];

const COMPANY_PROPS: &[PropDef] = &[
    ("createdate", "Create Date", "datetime", "date", true),
    ("name", "Company name", "string", "text", false),
    ("domain", "Company Domain Name", "string", "text", false),
    ("website", "Website URL", "string", "text", false),
    ("industry", "Industry", "enumeration", "select", false),
    ("phone", "Phone Number", "string", "phonenumber", false),
    ("address", "Street Address", "string", "text", false),
    ("address2", "Street Address 2", "string", "text", false),
    ("city", "City", "string", "text", false),
    ("state", "State/Region", "string", "text", false),
    ("zip", "Postal Code", "string", "text", false),
    ("country", "Country/Region", "string", "text", false),
    ("description", "Description", "string", "textarea", false),
    (
        "numberofemployees",
        "Number of Employees",
        "number",
        "number",
        false,
    ),
    ("annualrevenue", "Annual Revenue", "number", "number", false),
    (
        "lifecyclestage",
        "Lifecycle Stage",
        "enumeration",
        "radio",
        false,
    ),
];

const DEAL_PROPS: &[PropDef] = &[
    ("createdate", "Create Date", "datetime", "date", true),
    ("dealname", "Deal Name", "string", "text", false),
    ("amount", "Amount", "number", "number", false),
    (
        "deal_currency_code",
        "Currency",
        "enumeration",
        "select",
        false,
    ),
    ("dealstage", "Deal Stage", "enumeration", "radio", false),
    ("pipeline", "Pipeline", "enumeration", "select", false),
    ("closedate", "Close Date", "datetime", "date", false),
    ("dealtype", "Deal Type", "enumeration", "radio", false),
    (
        "description",
        "Deal Description",
        "string",
        "textarea",
        false,
    ),
    (
        "hs_forecast_probability",
        "Forecast Probability",
        "number",
        "number",
        false,
    ),
];

const MEETING_PROPS: &[PropDef] = &[
    ("hs_createdate", "Create Date", "datetime", "date", true),
    ("hs_timestamp", "Activity date", "datetime", "date", false),
    ("hs_meeting_title", "Meeting name", "string", "text", false),
    (
        "hs_meeting_body",
        "Meeting description",
        "string",
        "html",
        false,
    ),
    (
        "hs_internal_meeting_notes",
        "Internal notes",
        "string",
        "html",
        false,
    ),
    (
        "hs_meeting_external_url",
        "External URL",
        "string",
        "text",
        false,
    ),
    ("hs_meeting_location", "Location", "string", "text", false),
    (
        "hs_meeting_start_time",
        "Start Time",
        "datetime",
        "date",
        false,
    ),
    ("hs_meeting_end_time", "End Time", "datetime", "date", false),
    (
        "hs_meeting_outcome",
        "Meeting outcome",
        "enumeration",
        "select",
        false,
    ),
];

const LEAD_PROPS: &[PropDef] = &[
    ("hs_createdate", "Create Date", "datetime", "date", true),
    ("hs_lead_name", "Lead name", "string", "text", false),
    ("hs_lead_type", "Lead type", "enumeration", "select", false),
    (
        "hs_lead_label",
        "Lead label",
        "enumeration",
        "select",
        false,
    ),
    (
        "hs_pipeline",
        "Lead pipeline",
        "enumeration",
        "select",
        false,
    ),
    (
        "hs_pipeline_stage",
        "Lead stage",
        "enumeration",
        "select",
        false,
    ),
    (
        "hs_associated_contact_email",
        "Contact email",
        "string",
        "text",
        true,
    ),
    (
        "hs_associated_contact_firstname",
        "Contact first name",
        "string",
        "text",
        true,
    ),
    (
        "hs_associated_contact_lastname",
        "Contact last name",
        "string",
        "text",
        true,
    ),
    (
        "hs_associated_company_name",
        "Company name",
        "string",
        "text",
        true,
    ),
    (
        "hs_associated_company_domain",
        "Company domain",
        "string",
        "text",
        true,
    ),
];

fn builtin_props(obj: Obj) -> impl Iterator<Item = &'static PropDef> {
    let specific = match obj {
        Obj::Contacts => CONTACT_PROPS,
        Obj::Companies => COMPANY_PROPS,
        Obj::Deals => DEAL_PROPS,
        Obj::Meetings => MEETING_PROPS,
        Obj::Leads => LEAD_PROPS,
    };
    COMMON_PROPS.iter().chain(specific.iter())
}

fn options_of(obj: Obj, name: &str) -> Vec<Value> {
    let values: &[(&str, &str)] = match (obj, name) {
        (Obj::Contacts | Obj::Companies, "lifecyclestage") => &[
            ("subscriber", "Subscriber"),
            ("lead", "Lead"),
            ("marketingqualifiedlead", "Marketing Qualified Lead"),
            ("salesqualifiedlead", "Sales Qualified Lead"),
            ("opportunity", "Opportunity"),
            ("customer", "Customer"),
            ("evangelist", "Evangelist"),
            ("other", "Other"),
        ],
        (Obj::Meetings, "hs_meeting_outcome") => &[
            ("SCHEDULED", "Scheduled"),
            ("COMPLETED", "Completed"),
            ("RESCHEDULED", "Rescheduled"),
            ("NO_SHOW", "No Show"),
            ("CANCELED", "Canceled"),
        ],
        (Obj::Deals, "dealstage") => &[
            ("appointmentscheduled", "Appointment Scheduled"),
            ("qualifiedtobuy", "Qualified To Buy"),
            ("presentationscheduled", "Presentation Scheduled"),
            ("decisionmakerboughtin", "Decision Maker Bought-In"),
            ("contractsent", "Contract Sent"),
            ("closedwon", "Closed Won"),
            ("closedlost", "Closed Lost"),
        ],
        (Obj::Leads, "hs_pipeline_stage") => &[
            ("new-stage-id", "New"),
            ("attempting-stage-id", "Attempting"),
            ("connected-stage-id", "Connected"),
            ("qualified-stage-id", "Qualified"),
            ("unqualified-stage-id", "Disqualified"),
        ],
        _ => &[],
    };
    values
        .iter()
        .enumerate()
        .map(|(i, (v, l))| json!({"label": l, "value": v, "displayOrder": i, "hidden": false}))
        .collect()
}

fn builtin_definition(obj: Obj, p: &PropDef) -> Value {
    let (name, label, kind, field_type, read_only) = *p;
    json!({
        "name": name,
        "label": label,
        "type": kind,
        "fieldType": field_type,
        "groupName": format!("{}information", obj.singular()),
        "description": "",
        "options": options_of(obj, name),
        "hidden": false,
        "hubspotDefined": true,
        "calculated": read_only,
        "formField": !read_only,
        "modificationMetadata": {
            "readOnlyValue": read_only,
            "readOnlyDefinition": true,
            "archivable": false,
        },
    })
}

/// Every property definition of `obj` in this account (built-in then custom).
fn definitions(store: &TenantStore, obj: Obj) -> Vec<Value> {
    let mut out: Vec<Value> = builtin_props(obj)
        .map(|p| builtin_definition(obj, p))
        .collect();
    let prefix = format!("{}:", obj.name());
    out.extend(
        store
            .find_by_id_prefix("properties", &prefix)
            .into_iter()
            .map(|r| r.data),
    );
    out
}

fn definition(store: &TenantStore, obj: Obj, name: &str) -> Option<Value> {
    builtin_props(obj)
        .find(|p| p.0 == name)
        .map(|p| builtin_definition(obj, p))
        .or_else(|| {
            store
                .get("properties", &format!("{}:{name}", obj.name()))
                .map(|r| r.data)
        })
}

// ---------------------------------------------------------------------------------------------
// HubSpot-format responses
// ---------------------------------------------------------------------------------------------

fn correlation_id(sb: &Sandbox) -> String {
    sb.uuid()
}

fn error(
    sb: &Sandbox,
    status: StatusCode,
    category: &str,
    message: &str,
    errors: Value,
) -> Response {
    let mut body = json!({
        "status": "error",
        "message": message,
        "correlationId": correlation_id(sb),
        "category": category,
    });
    if errors.as_array().is_some_and(|a| !a.is_empty()) {
        body["errors"] = errors;
    }
    (status, Json(body)).into_response()
}

fn bad_request(sb: &Sandbox, message: &str) -> Response {
    error(
        sb,
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
        message,
        json!([]),
    )
}

fn not_found(sb: &Sandbox) -> Response {
    // HubSpot answers an unknown record id with a 404 (`resource not found`).
    error(
        sb,
        StatusCode::NOT_FOUND,
        "OBJECT_NOT_FOUND",
        "resource not found",
        json!([]),
    )
}

/// One invalid property value, rendered like HubSpot's `Property values were not valid` list.
struct Invalid {
    name: String,
    code: &'static str,
    message: String,
}

fn invalid_properties(sb: &Sandbox, problems: Vec<Invalid>) -> Response {
    let list: Vec<Value> = problems
        .iter()
        .map(|p| {
            json!({
                "isValid": false,
                "message": p.message,
                "error": p.code,
                "name": p.name,
                "localizedErrorMessage": p.message,
            })
        })
        .collect();
    let errors: Vec<Value> = problems
        .iter()
        .map(|p| json!({"message": p.message, "code": p.code, "context": {"propertyName": [p.name]}}))
        .collect();
    let message = format!(
        "Property values were not valid: {}",
        serde_json::to_string(&list).unwrap_or_default()
    );
    error(
        sb,
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
        &message,
        Value::Array(errors),
    )
}

fn parse_json<T: serde::de::DeserializeOwned>(sb: &Sandbox, body: &Bytes) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|e| {
        bad_request(
            sb,
            &format!(
                "Invalid input JSON on line {}, column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })
}

/// HubSpot's errors for the answers the sandbox machinery produces (auth, faults).
#[derive(Debug, Clone, Copy, Default)]
pub struct HubSpotErrors;

impl ErrorFormat for HubSpotErrors {
    fn unauthorized(&self, _problem: AuthProblem) -> Response {
        let body = json!({
            "status": "error",
            "message": "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
            "correlationId": "00000000-0000-4000-8000-000000000401",
            "category": "INVALID_AUTHENTICATION",
        });
        (
            StatusCode::UNAUTHORIZED,
            [("x-hubspot-auth-failure", "401 Unauthorized")],
            Json(body),
        )
            .into_response()
    }

    fn rate_limited(&self, retry_after: Duration) -> Response {
        let body = json!({
            "status": "error",
            "message": "You have reached your ten_secondly_rolling limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": "00000000-0000-4000-8000-000000000429",
            "policyName": "TEN_SECONDLY_ROLLING",
        });
        let ms = retry_after.as_millis().max(1).to_string();
        (
            StatusCode::TOO_MANY_REQUESTS,
            [
                ("x-hubspot-ratelimit-interval-milliseconds", ms),
                ("x-hubspot-ratelimit-max", "100".to_owned()),
                ("x-hubspot-ratelimit-remaining", "0".to_owned()),
            ],
            Json(body),
        )
            .into_response()
    }

    fn server_error(&self, status: StatusCode) -> Response {
        let body = json!({
            "status": "error",
            "message": "internal error",
            "correlationId": "00000000-0000-4000-8000-000000000500",
            "category": "INTERNAL_ERROR",
        });
        (status, Json(body)).into_response()
    }
}

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

fn props_of(rec: &StoredRecord) -> Map<String, Value> {
    rec.data
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The stored properties plus the ones HubSpot maintains: `hs_object_id`, the creation and
/// last-modification properties (from the store's own timestamps).
fn full_props(obj: Obj, rec: &StoredRecord) -> Map<String, Value> {
    let mut props = props_of(rec);
    props.insert("hs_object_id".into(), Value::String(rec.id.clone()));
    props.insert(
        obj.created_prop().into(),
        Value::String(convert::format_datetime(&rec.created_at)),
    );
    let modified = Value::String(convert::format_datetime(&rec.updated_at));
    props.insert("hs_lastmodifieddate".into(), modified.clone());
    if obj == Obj::Contacts {
        props.insert("lastmodifieddate".into(), modified);
    }
    props
}

fn is_archived(rec: &StoredRecord) -> bool {
    rec.data.get("archived").and_then(Value::as_bool) == Some(true)
}

fn prop_str<'a>(props: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    props
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Query parameters, `properties=a,b` and repeated `properties=a&properties=b` both accepted.
#[derive(Default)]
struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    fn parse(raw: Option<String>) -> Params {
        Params {
            pairs: raw
                .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(&q).ok())
                .unwrap_or_default(),
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn list(&self, key: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// The associated ids of a record, per associated object, with their type ids.
fn associations_of(
    store: &TenantStore,
    obj: Obj,
    id: &str,
) -> BTreeMap<Obj, BTreeMap<String, BTreeSet<i64>>> {
    // Association ids are `{from}:{from id}:{to}:{to id}`: the store's id index finds this
    // record's associations without scanning the account's.
    let prefix = format!("{}:{id}:", obj.name());
    let mut out: BTreeMap<Obj, BTreeMap<String, BTreeSet<i64>>> = BTreeMap::new();
    for rec in store.find_by_id_prefix("associations", &prefix) {
        let Some(to) = rec
            .data
            .get("to_type")
            .and_then(Value::as_str)
            .and_then(Obj::parse)
        else {
            continue;
        };
        let Some(to_id) = rec.data.get("to_id").and_then(Value::as_str) else {
            continue;
        };
        let types: BTreeSet<i64> = rec
            .data
            .get("types")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        // Skip associations to archived records.
        if store.get(to.name(), to_id).is_none_or(|r| is_archived(&r)) {
            continue;
        }
        out.entry(to).or_default().insert(to_id.to_owned(), types);
    }
    out
}

fn render(
    store: &TenantStore,
    obj: Obj,
    rec: &StoredRecord,
    wanted: Option<&[String]>,
    with_assoc: &[Obj],
) -> Value {
    let all = full_props(obj, rec);
    let mut props = Map::new();
    let names: Vec<&str> = match wanted {
        Some(w) if !w.is_empty() => w.iter().map(String::as_str).collect(),
        _ => obj.default_props().to_vec(),
    };
    for name in names {
        if let Some(v) = all.get(name) {
            if !v.is_null() {
                props.insert(name.to_owned(), v.clone());
            }
        }
    }
    let mut out = json!({
        "id": rec.id,
        "properties": props,
        "createdAt": convert::format_datetime(&rec.created_at),
        "updatedAt": convert::format_datetime(&rec.updated_at),
        "archived": is_archived(rec),
        "url": format!("https://app.hubspot.com/contacts/0/record/{}/{}", obj.type_id(), rec.id),
    });
    if let Some(at) = rec.data.get("archivedAt") {
        out["archivedAt"] = at.clone();
    }
    if !with_assoc.is_empty() {
        let assoc = associations_of(store, obj, &rec.id);
        let mut map = Map::new();
        for to in with_assoc {
            let Some(ids) = assoc.get(to) else { continue };
            let results: Vec<Value> = ids
                .iter()
                .flat_map(|(id, types)| {
                    types
                        .iter()
                        .map(move |t| json!({"id": id, "type": association_name(obj, *to, *t)}))
                })
                .collect();
            if !results.is_empty() {
                map.insert(to.name().to_owned(), json!({"results": results}));
            }
        }
        if !map.is_empty() {
            out["associations"] = Value::Object(map);
        }
    }
    out
}

fn associations_param(params: &Params) -> Result<Vec<Obj>, String> {
    params
        .list("associations")
        .iter()
        .map(|a| Obj::parse(a).ok_or_else(|| format!("Unable to infer object type from: {a}")))
        .collect()
}

/// Validates property values against the account's definitions; returns HubSpot's 400 list.
fn validate_properties(
    store: &TenantStore,
    obj: Obj,
    props: &BTreeMap<String, String>,
) -> Vec<Invalid> {
    let mut problems = Vec::new();
    for (name, value) in props {
        let Some(def) = definition(store, obj, name) else {
            problems.push(Invalid {
                name: name.clone(),
                code: "PROPERTY_DOESNT_EXIST",
                message: format!("Property \"{name}\" does not exist"),
            });
            continue;
        };
        let read_only = def
            .pointer("/modificationMetadata/readOnlyValue")
            .and_then(Value::as_bool)
            == Some(true);
        if read_only {
            problems.push(Invalid {
                name: name.clone(),
                code: "READ_ONLY_VALUE",
                message: format!(
                    "Property \"{name}\" is a read only property; its value cannot be set."
                ),
            });
            continue;
        }
        if value.is_empty() {
            continue;
        }
        let kind = def.get("type").and_then(Value::as_str).unwrap_or("string");
        match kind {
            "number" if convert::parse_decimal(value).is_err() => problems.push(Invalid {
                name: name.clone(),
                code: "INVALID_FLOAT",
                message: format!("{value} was not a valid number."),
            }),
            "date" | "datetime" if convert::parse_datetime(value).is_err() => {
                problems.push(Invalid {
                    name: name.clone(),
                    code: "INVALID_DATE",
                    message: format!("{value} was not a valid long or ISO 8601 timestamp."),
                })
            }
            "bool" if value != "true" && value != "false" => problems.push(Invalid {
                name: name.clone(),
                code: "INVALID_BOOLEAN",
                message: format!("{value} was not a valid boolean."),
            }),
            "enumeration" => {
                let options: Vec<&str> = def
                    .get("options")
                    .and_then(Value::as_array)
                    .map(|o| {
                        o.iter()
                            .filter_map(|o| o.get("value").and_then(Value::as_str))
                            .collect()
                    })
                    .unwrap_or_default();
                let custom = def.get("hubspotDefined").and_then(Value::as_bool) != Some(true);
                // Built-in enumerations accept account-specific values (custom lifecycle stages,
                // pipelines, owners); custom ones are checked against their options.
                if custom && !options.is_empty() {
                    let multi = def.get("fieldType").and_then(Value::as_str) == Some("checkbox");
                    let given: Vec<String> = if multi {
                        convert::split_multi(value)
                    } else {
                        vec![value.clone()]
                    };
                    if let Some(bad) = given.iter().find(|g| !options.contains(&g.as_str())) {
                        problems.push(Invalid {
                            name: name.clone(),
                            code: "INVALID_OPTION",
                            message: format!(
                                "{bad} was not one of the allowed options: [{}]",
                                options.join(", ")
                            ),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    problems
}

/// The contact that already uses `email` (primary or additional), other than `except`.
fn contact_with_email(store: &TenantStore, email: &str, except: Option<&str>) -> Option<String> {
    let wanted = email.trim().to_ascii_lowercase();
    // Indexed by every address a contact has (the check runs on each create and update), then
    // confirmed on the candidates.
    store
        .find_by_key("contacts", "emails", contact_emails, &wanted)
        .into_iter()
        .find(|r| {
            if is_archived(r) || Some(r.id.as_str()) == except {
                return false;
            }
            // Borrowed, not `props_of` (a copy).
            let Some(p) = r.data.get("properties").and_then(Value::as_object) else {
                return false;
            };
            prop_str(p, "email").is_some_and(|e| e.eq_ignore_ascii_case(&wanted))
                || prop_str(p, "hs_additional_emails").is_some_and(|a| {
                    convert::split_multi(a)
                        .iter()
                        .any(|e| e.eq_ignore_ascii_case(&wanted))
                })
        })
        .map(|r| r.id)
}

/// The lower-cased addresses of a stored contact: `email` and `hs_additional_emails`.
fn contact_emails(data: &Value) -> Vec<String> {
    let Some(p) = data.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out: Vec<String> = prop_str(p, "email")
        .map(str::to_ascii_lowercase)
        .into_iter()
        .collect();
    if let Some(a) = prop_str(p, "hs_additional_emails") {
        out.extend(
            convert::split_multi(a)
                .iter()
                .map(|e| e.to_ascii_lowercase()),
        );
    }
    out
}

fn conflict(sb: &Sandbox, existing: &str) -> Response {
    error(
        sb,
        StatusCode::CONFLICT,
        "CONFLICT",
        &format!("Contact already exists. Existing ID: {existing}"),
        json!([]),
    )
}

fn link(store: &TenantStore, from: Obj, from_id: &str, to: Obj, to_id: &str, fwd: i64, back: i64) {
    for (a, a_id, b, b_id, t) in [
        (from, from_id, to, to_id, fwd),
        (to, to_id, from, from_id, back),
    ] {
        let key = format!("{}:{a_id}:{}:{b_id}", a.name(), b.name());
        let mut types: BTreeSet<i64> = store
            .get("associations", &key)
            .and_then(|r| r.data.get("types").and_then(Value::as_array).cloned())
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        types.insert(t);
        // The unlabeled default always accompanies a labeled (primary) type.
        if let Some((d, _)) = default_type(a, b) {
            types.insert(d);
        }
        let data = json!({"to_type": b.name(), "to_id": b_id, "types": types});
        if store.get("associations", &key).is_some() {
            let _ = store.replace("associations", &key, data);
        } else {
            let _ = store.insert("associations", key, data);
        }
    }
}

fn unlink(store: &TenantStore, from: Obj, from_id: &str, to: Obj, to_id: &str) {
    let _ = store.delete(
        "associations",
        &format!("{}:{from_id}:{}:{to_id}", from.name(), to.name()),
    );
    let _ = store.delete(
        "associations",
        &format!("{}:{to_id}:{}:{from_id}", to.name(), from.name()),
    );
}

/// Checks a create body's associations: known type ids, existing targets.
fn check_associations(
    sb: &Sandbox,
    store: &TenantStore,
    obj: Obj,
    assoc: &[AssociationInput],
) -> Result<Vec<(Obj, String, i64, i64)>, Response> {
    let mut out = Vec::new();
    for a in assoc {
        for t in &a.types {
            let Some(to) = association_type(obj, t.association_type_id) else {
                return Err(bad_request(
                    sb,
                    &format!(
                        "{} is not a valid association type id from {} (category {})",
                        t.association_type_id,
                        obj.name(),
                        t.association_category
                    ),
                ));
            };
            if store
                .get(to.name(), &a.to.id)
                .is_none_or(|r| is_archived(&r))
            {
                return Err(bad_request(
                    sb,
                    &format!(
                        "One or more associations are invalid: {} {} does not exist",
                        to.singular(),
                        a.to.id
                    ),
                ));
            }
            let back = default_type(obj, to).map_or(0, |(_, b)| b);
            out.push((to, a.to.id.clone(), t.association_type_id, back));
        }
    }
    Ok(out)
}

/// Derived lead properties from its primary contact and company, as HubSpot maintains them.
fn refresh_lead_derived(store: &TenantStore, lead_id: &str) {
    let Some(rec) = store.get("leads", lead_id) else {
        return;
    };
    let assoc = associations_of(store, Obj::Leads, lead_id);
    let mut props = props_of(&rec);
    let contact = assoc
        .get(&Obj::Contacts)
        .and_then(|m| m.keys().next())
        .and_then(|id| store.get("contacts", id));
    let company = assoc
        .get(&Obj::Companies)
        .and_then(|m| m.keys().next())
        .and_then(|id| store.get("companies", id));
    for (lead_prop, src, name) in [
        ("hs_associated_contact_email", &contact, "email"),
        ("hs_associated_contact_firstname", &contact, "firstname"),
        ("hs_associated_contact_lastname", &contact, "lastname"),
        ("hs_associated_company_name", &company, "name"),
        ("hs_associated_company_domain", &company, "domain"),
    ] {
        match src
            .as_ref()
            .and_then(|r| prop_str(&props_of(r), name).map(str::to_owned))
        {
            Some(v) => {
                props.insert(lead_prop.to_owned(), Value::String(v));
            }
            None => {
                props.remove(lead_prop);
            }
        }
    }
    let mut data = rec.data.clone();
    data["properties"] = Value::Object(props);
    let _ = store.replace("leads", lead_id, data);
}

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

fn obj_or_404(sb: &Sandbox, raw: &str) -> Result<Obj, Response> {
    Obj::parse(raw).ok_or_else(|| {
        error(
            sb,
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            &format!("Unable to infer object type from: {raw}"),
            json!([]),
        )
    })
}

/// Where a record sits in list order: archived or not, then by numeric record id (a
/// non-numeric id last); ties keep insertion order.
fn list_order(rec: &StoredRecord) -> Option<(u64, u64)> {
    Some((
        u64::from(is_archived(rec)),
        rec.id.parse::<u64>().unwrap_or(u64::MAX),
    ))
}

async fn list_objects(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(object_type): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let obj = match obj_or_404(&sb, &object_type) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let params = Params::parse(q);
    let limit = match params.get("limit").map(str::parse::<usize>) {
        None => 10,
        Some(Ok(n)) if (1..=LIST_MAX).contains(&n) => n,
        Some(_) => {
            return bad_request(&sb, &format!("limit must be between 1 and {LIST_MAX}"));
        }
    };
    let assoc = match associations_param(&params) {
        Ok(a) => a,
        Err(m) => return bad_request(&sb, &m),
    };
    let archived = params.get("archived") == Some("true");
    // `after` is the id of the next record ("This value is the Record ID of the next record").
    let from = match params.get("after") {
        None | Some("") => 0,
        Some(a) => match a.parse::<u64>() {
            Ok(after) => after,
            Err(_) => return bad_request(&sb, &format!("Invalid after cursor: {a}")),
        },
    };
    let store = sb.tenant(&token);
    // The page and the record after it, by record id, from the store's listing order (no scan).
    let mut records = store.ordered_from(
        obj.name(),
        "hubspot-list",
        list_order,
        u64::from(archived),
        from,
        limit + 1,
    );
    let next = (records.len() > limit).then(|| records.pop()).flatten();
    let wanted = params.list("properties");
    let page: Vec<Value> = records
        .iter()
        .map(|r| render(&store, obj, r, Some(&wanted), &assoc))
        .collect();
    let mut body = json!({ "results": page });
    if let Some(next) = next {
        body["paging"] = json!({"next": {
            "after": next.id,
            "link": format!("?after={}", next.id),
        }});
    }
    Json(body).into_response()
}

async fn get_object(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((object_type, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Response {
    let obj = match obj_or_404(&sb, &object_type) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let params = Params::parse(q);
    let assoc = match associations_param(&params) {
        Ok(a) => a,
        Err(m) => return bad_request(&sb, &m),
    };
    let store = sb.tenant(&token);
    let archived = params.get("archived") == Some("true");
    let found = if params.get("idProperty") == Some("email") && obj == Obj::Contacts {
        contact_with_email(&store, &id, None).and_then(|i| store.get("contacts", &i))
    } else {
        store.get(obj.name(), &id)
    };
    match found {
        Some(rec) if is_archived(&rec) == archived => {
            let wanted = params.list("properties");
            Json(render(&store, obj, &rec, Some(&wanted), &assoc)).into_response()
        }
        _ => not_found(&sb),
    }
}

async fn create_object(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(object_type): Path<String>,
    body: Bytes,
) -> Response {
    let obj = match obj_or_404(&sb, &object_type) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let input: ObjectInputForCreate = match parse_json(&sb, &body) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let store = sb.tenant(&token);
    match create_in(&sb, &store, obj, input) {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(r) => r,
    }
}

fn create_in(
    sb: &Sandbox,
    store: &TenantStore,
    obj: Obj,
    mut input: ObjectInputForCreate,
) -> Result<Value, Response> {
    let problems = validate_properties(store, obj, &input.properties);
    if !problems.is_empty() {
        return Err(invalid_properties(sb, problems));
    }
    let links = check_associations(sb, store, obj, &input.associations)?;
    let p = &mut input.properties;
    let has = |p: &BTreeMap<String, String>, k: &str| p.get(k).is_some_and(|v| !v.is_empty());
    match obj {
        Obj::Contacts => {
            if let Some(email) = p.get("email").filter(|e| !e.is_empty()) {
                if let Some(existing) = contact_with_email(store, email, None) {
                    return Err(conflict(sb, &existing));
                }
            }
        }
        Obj::Companies => {}
        Obj::Deals => {
            for k in ["dealname", "dealstage"] {
                if !has(p, k) {
                    return Err(invalid_properties(
                        sb,
                        vec![Invalid {
                            name: k.to_owned(),
                            code: "REQUIRED_PROPERTY",
                            message: format!("Property \"{k}\" is required"),
                        }],
                    ));
                }
            }
            if !has(p, "pipeline") {
                p.insert("pipeline".into(), "default".into());
            }
        }
        Obj::Meetings => {
            // "When the property value is missing, the value will default to hs_meeting_start_time."
            if !has(p, "hs_timestamp") {
                match p
                    .get("hs_meeting_start_time")
                    .filter(|v| !v.is_empty())
                    .cloned()
                {
                    Some(start) => {
                        p.insert("hs_timestamp".into(), start);
                    }
                    None => {
                        return Err(invalid_properties(
                            sb,
                            vec![Invalid {
                                name: "hs_timestamp".into(),
                                code: "REQUIRED_PROPERTY",
                                message: "Property \"hs_timestamp\" is required".into(),
                            }],
                        ))
                    }
                }
            }
        }
        Obj::Leads => {
            if !has(p, "hs_lead_name") {
                return Err(invalid_properties(
                    sb,
                    vec![Invalid {
                        name: "hs_lead_name".into(),
                        code: "REQUIRED_PROPERTY",
                        message: "Property \"hs_lead_name\" is required".into(),
                    }],
                ));
            }
            // "Your new lead … Must be associated with an existing contact."
            if !links.iter().any(|(to, _, _, _)| *to == Obj::Contacts) {
                return Err(bad_request(
                    sb,
                    "A lead must be associated with an existing contact when it is created (associationTypeId 578, lead to primary contact).",
                ));
            }
        }
    }
    let id = sb.numeric_id();
    let props: Map<String, Value> = input
        .properties
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let rec = store
        .insert(
            obj.name(),
            id.clone(),
            json!({"properties": props, "archived": false}),
        )
        .map_err(|_| bad_request(sb, "record id collision"))?;
    for (to, to_id, fwd, back) in &links {
        link(store, obj, &id, *to, to_id, *fwd, *back);
    }
    if obj == Obj::Leads {
        refresh_lead_derived(store, &id);
    }
    let rec = store.get(obj.name(), &id).unwrap_or(rec);
    let all: Vec<String> = full_props(obj, &rec).keys().cloned().collect();
    Ok(render(store, obj, &rec, Some(&all), &[]))
}

async fn update_object(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((object_type, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let obj = match obj_or_404(&sb, &object_type) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let input: ObjectInput = match parse_json(&sb, &body) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let store = sb.tenant(&token);
    let Some(rec) = store.get(obj.name(), &id).filter(|r| !is_archived(r)) else {
        return not_found(&sb);
    };
    let problems = validate_properties(&store, obj, &input.properties);
    if !problems.is_empty() {
        return invalid_properties(&sb, problems);
    }
    if obj == Obj::Contacts {
        if let Some(email) = input.properties.get("email").filter(|e| !e.is_empty()) {
            if let Some(existing) = contact_with_email(&store, email, Some(&id)) {
                return conflict(&sb, &existing);
            }
        }
    }
    if obj == Obj::Leads
        && input
            .properties
            .get("hs_lead_name")
            .is_some_and(String::is_empty)
    {
        return bad_request(&sb, "Property \"hs_lead_name\" cannot be cleared");
    }
    let mut props = props_of(&rec);
    for (k, v) in input.properties {
        if v.is_empty() {
            props.remove(&k);
        } else {
            props.insert(k, Value::String(v));
        }
    }
    let mut data = rec.data.clone();
    data["properties"] = Value::Object(props);
    let Ok(rec) = store.replace(obj.name(), &id, data) else {
        return not_found(&sb);
    };
    if obj == Obj::Contacts || obj == Obj::Companies {
        for lead in store.list("leads") {
            refresh_lead_derived(&store, &lead.id);
        }
    }
    let all: Vec<String> = full_props(obj, &rec).keys().cloned().collect();
    Json(render(&store, obj, &rec, Some(&all), &[])).into_response()
}

async fn delete_object(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((object_type, id)): Path<(String, String)>,
) -> Response {
    let obj = match obj_or_404(&sb, &object_type) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let store = sb.tenant(&token);
    let Some(rec) = store.get(obj.name(), &id) else {
        return not_found(&sb);
    };
    // Archiving moves the record to the recycling bin; archiving twice is still a 204.
    if !is_archived(&rec) {
        let mut data = rec.data.clone();
        data["archived"] = Value::Bool(true);
        data["archivedAt"] = Value::String(convert::format_datetime(&sb.now()));
        let _ = store.replace(obj.name(), &id, data);
    }
    StatusCode::NO_CONTENT.into_response()
}

// --- search ---------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Cmp {
    Num(f64),
    Text(String),
}

fn prop_kind(store: &TenantStore, obj: Obj, prop: &str) -> String {
    definition(store, obj, prop)
        .and_then(|d| d.get("type").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default()
}

fn comparable(kind: &str, prop: &str, raw: &str) -> Cmp {
    if prop == "hs_object_id" || kind == "number" {
        if let Ok(Some(d)) = convert::parse_decimal(raw) {
            if let Ok(f) = d.to_string().parse::<f64>() {
                return Cmp::Num(f);
            }
        }
    }
    if kind == "datetime" || kind == "date" {
        if let Ok(Some(dt)) = convert::parse_datetime(raw) {
            return Cmp::Num(dt.timestamp_millis() as f64);
        }
    }
    Cmp::Text(raw.to_lowercase())
}

fn matches(obj: Obj, kind: &str, rec: &StoredRecord, f: &Filter) -> Result<bool, String> {
    let props = full_props(obj, rec);
    let actual = prop_str(&props, &f.property_name).map(str::to_owned);
    let op = f.operator.as_str();
    let need = |v: &Option<String>| {
        v.clone()
            .ok_or_else(|| format!("operator {op} needs a value"))
    };
    let value_of = |s: &str| comparable(kind, &f.property_name, s);
    Ok(match op {
        "HAS_PROPERTY" => actual.is_some(),
        "NOT_HAS_PROPERTY" => actual.is_none(),
        "EQ" | "NEQ" | "LT" | "LTE" | "GT" | "GTE" => {
            let want = need(&f.value)?;
            let eq_multi = || {
                // Multi-value properties (additional emails) match on any of their values.
                actual.as_deref().is_some_and(|a| {
                    convert::split_multi(a)
                        .iter()
                        .any(|part| value_of(part) == value_of(&want))
                })
            };
            match (op, &actual) {
                ("NEQ", None) => true,
                (_, None) => false,
                ("EQ", Some(_)) => eq_multi(),
                ("NEQ", Some(_)) => !eq_multi(),
                (_, Some(a)) => {
                    let (a, w) = (value_of(a), value_of(&want));
                    match op {
                        "LT" => a < w,
                        "LTE" => a <= w,
                        "GT" => a > w,
                        _ => a >= w,
                    }
                }
            }
        }
        "BETWEEN" => {
            let (lo, hi) = (need(&f.value)?, need(&f.high_value)?);
            actual.is_some_and(|a| {
                let a = value_of(&a);
                a >= value_of(&lo) && a <= value_of(&hi)
            })
        }
        "IN" | "NOT_IN" => {
            let values = f
                .values
                .clone()
                .ok_or_else(|| format!("operator {op} needs values"))?;
            let hit = actual
                .as_deref()
                .is_some_and(|a| values.iter().any(|v| value_of(v) == value_of(a)));
            (op == "IN") == hit
        }
        "CONTAINS_TOKEN" | "NOT_CONTAINS_TOKEN" => {
            let want = need(&f.value)?.to_lowercase();
            let want = want.trim_matches('*');
            let hit = actual.is_some_and(|a| a.to_lowercase().contains(want));
            (op == "CONTAINS_TOKEN") == hit
        }
        other => return Err(format!("Unknown operator {other}")),
    })
}

async fn search_objects(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(object_type): Path<String>,
    body: Bytes,
) -> Response {
    let obj = match obj_or_404(&sb, &object_type) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let req: SearchRequest = match parse_json(&sb, &body) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let limit = req.limit.map_or(10, |l| l as usize);
    if !(1..=SEARCH_MAX).contains(&limit) {
        return bad_request(&sb, &format!("limit must be between 1 and {SEARCH_MAX}"));
    }
    // "you can include a maximum of five filterGroups with up to six filters in each group,
    //  with a maximum of 18 filters in total"
    let total_filters: usize = req.filter_groups.iter().map(|g| g.filters.len()).sum();
    if req.filter_groups.len() > 5
        || req.filter_groups.iter().any(|g| g.filters.len() > 6)
        || total_filters > 18
    {
        return bad_request(
            &sb,
            "Too many filters: at most 5 filterGroups of at most 6 filters, 18 filters in total",
        );
    }
    let offset = match req.after.as_deref() {
        None | Some("") => 0,
        Some(a) => match a.parse::<usize>() {
            Ok(n) => n,
            Err(_) => return bad_request(&sb, &format!("after must be an integer, got {a}")),
        },
    };
    if offset + limit > SEARCH_WINDOW {
        return bad_request(
            &sb,
            "The search endpoints are limited to 10,000 total results for any given query. Narrow the query to page further.",
        );
    }
    let store = sb.tenant(&token);
    // Filters read property definitions from the store: evaluate them outside its lock.
    let kinds: Vec<Vec<String>> = req
        .filter_groups
        .iter()
        .map(|g| {
            g.filters
                .iter()
                .map(|f| prop_kind(&store, obj, &f.property_name))
                .collect()
        })
        .collect();
    let mut hits: Vec<StoredRecord> = Vec::new();
    for r in store.find(obj.name(), |r| !is_archived(r)) {
        let mut keep = req.filter_groups.is_empty();
        for (g, group_kinds) in req.filter_groups.iter().zip(&kinds) {
            let mut all = true;
            for (f, kind) in g.filters.iter().zip(group_kinds) {
                match matches(obj, kind, &r, f) {
                    Ok(true) => {}
                    Ok(false) => {
                        all = false;
                        break;
                    }
                    Err(e) => return bad_request(&sb, &e),
                }
            }
            if all {
                keep = true;
                break;
            }
        }
        if keep {
            hits.push(r);
        }
    }
    if let Some(q) = req
        .query
        .as_deref()
        .map(str::to_lowercase)
        .filter(|q| !q.is_empty())
    {
        hits.retain(|r| {
            props_of(r)
                .values()
                .filter_map(Value::as_str)
                .any(|v| v.to_lowercase().contains(&q))
        });
    }
    // Without a sort, results come back by creation (record id); with one, ties keep id order.
    hits.sort_by_key(|r| r.id.parse::<u64>().unwrap_or(u64::MAX));
    if let Some(sort) = req.sorts.first() {
        let sort_kind = prop_kind(&store, obj, &sort.property_name);
        let mut keyed: Vec<(Option<Cmp>, StoredRecord)> = hits
            .into_iter()
            .map(|r| {
                let k = prop_str(&full_props(obj, &r), &sort.property_name)
                    .map(|v| comparable(&sort_kind, &sort.property_name, v));
                (k, r)
            })
            .collect();
        let descending = sort.direction.eq_ignore_ascii_case("DESCENDING");
        keyed.sort_by(|(a, _), (b, _)| {
            let o = a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal);
            if descending {
                o.reverse()
            } else {
                o
            }
        });
        hits = keyed.into_iter().map(|(_, r)| r).collect();
    }
    let total = hits.len();
    let page: Vec<Value> = hits
        .iter()
        .skip(offset)
        .take(limit)
        .map(|r| render(&store, obj, r, Some(&req.properties), &[]))
        .collect();
    let mut body = json!({"total": total, "results": page});
    if offset + limit < total {
        body["paging"] = json!({"next": {"after": (offset + limit).to_string()}});
    }
    Json(body).into_response()
}

// --- batch read -------------------------------------------------------------------------------

/// `BatchReadInputSimplePublicObjectId`: `{properties, inputs: [{id}]}` (at most 100 inputs).
#[derive(serde::Deserialize)]
struct BatchReadInput {
    #[serde(default)]
    properties: Vec<String>,
    inputs: Vec<crate::wire::AssociationTarget>,
}

async fn batch_read(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(object_type): Path<String>,
    body: Bytes,
) -> Response {
    let obj = match obj_or_404(&sb, &object_type) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let input: BatchReadInput = match parse_json(&sb, &body) {
        Ok(i) => i,
        Err(r) => return r,
    };
    if input.inputs.len() > 100 {
        return bad_request(&sb, "Batch read is limited to 100 inputs");
    }
    let store = sb.tenant(&token);
    let now = convert::format_datetime(&sb.now());
    let results: Vec<Value> = input
        .inputs
        .iter()
        .filter_map(|i| store.get(obj.name(), &i.id))
        .filter(|r| !is_archived(r))
        .map(|r| render(&store, obj, &r, Some(&input.properties), &[]))
        .collect();
    Json(json!({
        "status": "COMPLETE",
        "results": results,
        "startedAt": now,
        "completedAt": now,
    }))
    .into_response()
}

// --- associations v4 --------------------------------------------------------------------------

async fn associate_default(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((from, from_id, to, to_id)): Path<(String, String, String, String)>,
) -> Response {
    let (from, to) = match (obj_or_404(&sb, &from), obj_or_404(&sb, &to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let store = sb.tenant(&token);
    let exists = |o: Obj, id: &str| store.get(o.name(), id).is_some_and(|r| !is_archived(&r));
    if !exists(from, &from_id) || !exists(to, &to_id) {
        return not_found(&sb);
    }
    let Some((fwd, back)) = default_type(from, to) else {
        return bad_request(
            &sb,
            &format!(
                "No default association from {} to {}",
                from.name(),
                to.name()
            ),
        );
    };
    link(&store, from, &from_id, to, &to_id, fwd, back);
    for (o, id) in [(from, &from_id), (to, &to_id)] {
        if o == Obj::Leads {
            refresh_lead_derived(&store, id);
        }
    }
    Json(json!({
        "status": "COMPLETE",
        "results": [{
            "from": {"id": from_id},
            "to": {"id": to_id},
            "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": fwd},
        }],
        "startedAt": convert::format_datetime(&sb.now()),
        "completedAt": convert::format_datetime(&sb.now()),
    }))
    .into_response()
}

async fn dissociate(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((from, from_id, to, to_id)): Path<(String, String, String, String)>,
) -> Response {
    let (from, to) = match (obj_or_404(&sb, &from), obj_or_404(&sb, &to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let store = sb.tenant(&token);
    if from == Obj::Leads && to == Obj::Contacts {
        let contacts = associations_of(&store, Obj::Leads, &from_id)
            .get(&Obj::Contacts)
            .map_or(0, BTreeMap::len);
        if contacts <= 1 {
            return bad_request(
                &sb,
                "A lead must stay associated with at least one contact.",
            );
        }
    }
    unlink(&store, from, &from_id, to, &to_id);
    if from == Obj::Leads {
        refresh_lead_derived(&store, &from_id);
    }
    StatusCode::NO_CONTENT.into_response()
}

// --- properties -------------------------------------------------------------------------------

async fn list_properties(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(object_type): Path<String>,
) -> Response {
    let obj = match obj_or_404(&sb, &object_type) {
        Ok(o) => o,
        Err(r) => return r,
    };
    Json(json!({"results": definitions(&sb.tenant(&token), obj)})).into_response()
}

async fn create_property(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(object_type): Path<String>,
    body: Bytes,
) -> Response {
    let obj = match obj_or_404(&sb, &object_type) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let input: PropertyCreate = match parse_json(&sb, &body) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let valid_name = !input.name.is_empty()
        && input
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !input.name.starts_with("hs_");
    if !valid_name {
        return bad_request(
            &sb,
            &format!("Property name {} is invalid: use lower-case letters, digits and _; hs_ is reserved", input.name),
        );
    }
    if ![
        "string",
        "number",
        "date",
        "datetime",
        "enumeration",
        "bool",
    ]
    .contains(&input.kind.as_str())
    {
        return bad_request(&sb, &format!("Unknown property type {}", input.kind));
    }
    if input.kind == "enumeration" && input.options.is_empty() {
        return bad_request(&sb, "Enumeration properties need options");
    }
    let store = sb.tenant(&token);
    if definition(&store, obj, &input.name).is_some() {
        return error(
            &sb,
            StatusCode::CONFLICT,
            "OBJECT_ALREADY_EXISTS",
            &format!("Property named '{}' already exists.", input.name),
            json!([]),
        );
    }
    let now = convert::format_datetime(&sb.now());
    let def = json!({
        "name": input.name,
        "label": input.label,
        "type": input.kind,
        "fieldType": input.field_type,
        "groupName": input.group_name,
        "description": input.description.clone().unwrap_or_default(),
        "options": input.options,
        "hidden": input.hidden.unwrap_or(false),
        "hasUniqueValue": input.has_unique_value.unwrap_or(false),
        "formField": input.form_field.unwrap_or(false),
        "hubspotDefined": false,
        "calculated": false,
        "externalOptions": false,
        "displayOrder": -1,
        "archived": false,
        "createdAt": now,
        "updatedAt": now,
        "modificationMetadata": {"readOnlyValue": false, "readOnlyDefinition": false, "archivable": true, "readOnlyOptions": false},
    });
    let _ = store.insert(
        "properties",
        format!("{}:{}", obj.name(), input.name),
        def.clone(),
    );
    (StatusCode::CREATED, Json(def)).into_response()
}

// --- owners -----------------------------------------------------------------------------------

/// The owners every sandbox account has (the first is HubSpot's documented example owner).
const OWNERS: &[(&str, &str, &str, &str, i64)] = &[
    ("6166860", "jsmith@example.com", "John", "Smith", 1296619),
    ("6166861", "mjones@example.com", "Maria", "Jones", 1296620),
    ("6166862", "akim@example.com", "Alex", "Kim", 1296621),
];

fn owner_json(o: &(&str, &str, &str, &str, i64)) -> Value {
    json!({
        "id": o.0,
        "email": o.1,
        "type": "PERSON",
        "firstName": o.2,
        "lastName": o.3,
        "userId": o.4,
        "userIdIncludingInactive": o.4,
        "createdAt": "2019-10-30T03:30:17.883Z",
        "updatedAt": "2019-12-07T16:50:06.678Z",
        "archived": false,
        "teams": [{"id": "178588", "name": "West Coast Sales", "primary": true}],
    })
}

async fn list_owners(State(_sb): State<Sandbox>, TenantToken(_token): TenantToken) -> Response {
    Json(json!({"results": OWNERS.iter().map(owner_json).collect::<Vec<_>>()})).into_response()
}

async fn get_owner(
    State(sb): State<Sandbox>,
    TenantToken(_token): TenantToken,
    Path(id): Path<String>,
) -> Response {
    match OWNERS.iter().find(|o| o.0 == id) {
        Some(o) => Json(owner_json(o)).into_response(),
        None => not_found(&sb),
    }
}

// --- secondary emails (legacy contacts v1) -----------------------------------------------------

async fn add_secondary_email(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((vid, email)): Path<(String, String)>,
) -> Response {
    let store = sb.tenant(&token);
    let Some(rec) = store.get("contacts", &vid).filter(|r| !is_archived(r)) else {
        return not_found(&sb);
    };
    if !email.contains('@') {
        return bad_request(&sb, &format!("{email} is not a valid email address"));
    }
    if let Some(other) = contact_with_email(&store, &email, Some(&vid)) {
        return conflict(&sb, &other);
    }
    let mut props = props_of(&rec);
    let mut list = prop_str(&props, "hs_additional_emails")
        .map(convert::split_multi)
        .unwrap_or_default();
    let primary = prop_str(&props, "email").map(str::to_ascii_lowercase);
    if primary.as_deref() != Some(email.to_ascii_lowercase().as_str())
        && !list.iter().any(|e| e.eq_ignore_ascii_case(&email))
    {
        list.push(email.clone());
    }
    props.insert(
        "hs_additional_emails".into(),
        Value::String(convert::join_multi(&list)),
    );
    let mut data = rec.data.clone();
    data["properties"] = Value::Object(props);
    let _ = store.replace("contacts", &vid, data);
    Json(json!({
        "portalId": 0,
        "vid": vid.parse::<i64>().unwrap_or_default(),
        "secondaryEmails": list,
    }))
    .into_response()
}

async fn remove_secondary_email(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((vid, email)): Path<(String, String)>,
) -> Response {
    let store = sb.tenant(&token);
    let Some(rec) = store.get("contacts", &vid).filter(|r| !is_archived(r)) else {
        return not_found(&sb);
    };
    let mut props = props_of(&rec);
    let list: Vec<String> = prop_str(&props, "hs_additional_emails")
        .map(convert::split_multi)
        .unwrap_or_default()
        .into_iter()
        .filter(|e| !e.eq_ignore_ascii_case(&email))
        .collect();
    if list.is_empty() {
        props.remove("hs_additional_emails");
    } else {
        props.insert(
            "hs_additional_emails".into(),
            Value::String(convert::join_multi(&list)),
        );
    }
    let mut data = rec.data.clone();
    data["properties"] = Value::Object(props);
    let _ = store.replace("contacts", &vid, data);
    Json(json!({
        "portalId": 0,
        "vid": vid.parse::<i64>().unwrap_or_default(),
        "secondaryEmails": list,
    }))
    .into_response()
}

// --- OAuth ------------------------------------------------------------------------------------

async fn oauth_token(State(sb): State<Sandbox>, headers: HeaderMap, body: Bytes) -> Response {
    let form: BTreeMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let bad = |message: &str| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({
                "status": "BAD_REFRESH_TOKEN",
                "message": message,
                "correlationId": sb.uuid(),
            })),
        )
            .into_response()
    };
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return bad("the token request must be application/x-www-form-urlencoded");
    }
    if form.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return bad("grant_type must be refresh_token");
    }
    for k in ["client_id", "client_secret"] {
        if form.get(k).is_none_or(String::is_empty) {
            return bad(&format!("missing {k}"));
        }
    }
    let Some(refresh) = form.get("refresh_token").filter(|r| !r.is_empty()) else {
        return bad("missing or invalid refresh token");
    };
    if unicrm_sandbox::auth::is_reserved_rejected(refresh) || sb.is_token_revoked(refresh) {
        return bad("missing or invalid refresh token");
    }
    // The sandbox names an account by the token a request carries; the access token issued for
    // a refresh token is that same name, so data stays in one account across refreshes.
    Json(json!({
        "token_type": "bearer",
        "refresh_token": refresh,
        "access_token": refresh,
        "expires_in": 1800,
    }))
    .into_response()
}

/// The emulator's routes (paths as HubSpot has them).
pub fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route(
            "/crm/v3/objects/{object_type}",
            get(list_objects).post(create_object),
        )
        .route("/crm/v3/objects/{object_type}/search", post(search_objects))
        .route("/crm/v3/objects/{object_type}/batch/read", post(batch_read))
        .route(
            "/crm/v3/objects/{object_type}/{id}",
            get(get_object).patch(update_object).delete(delete_object),
        )
        .route(
            "/crm/v4/objects/{from}/{from_id}/associations/default/{to}/{to_id}",
            put(associate_default),
        )
        .route(
            "/crm/v4/objects/{from}/{from_id}/associations/{to}/{to_id}",
            axum::routing::delete(dissociate),
        )
        .route(
            "/crm/v3/properties/{object_type}",
            get(list_properties).post(create_property),
        )
        .route("/crm/v3/owners", get(list_owners))
        .route("/crm/v3/owners/{id}", get(get_owner))
        .route(
            "/contacts/v1/secondary-email/{vid}/email/{email}",
            put(add_secondary_email).delete(remove_secondary_email),
        )
        .route("/oauth/v1/token", post(oauth_token))
        .with_state(sandbox)
}

/// Fills an account with `n` realistic records of each kind: companies, contacts (associated
/// with a company), deals (with a contact and the company), meetings (with a contact) and
/// leads (with their contact).
pub fn seed(sb: &Sandbox, token: &str, n: usize, rng: &mut StdRng) {
    use unicrm_sandbox::rand::Rng;
    let store = sb.tenant(token);
    const INDUSTRIES: &[&str] = &[
        "COMPUTER_SOFTWARE",
        "FINANCIAL_SERVICES",
        "HOSPITAL_HEALTH_CARE",
        "RETAIL",
    ];
    const STAGES: &[&str] = &[
        "appointmentscheduled",
        "qualifiedtobuy",
        "presentationscheduled",
        "contractsent",
        "closedwon",
    ];
    const LIFECYCLE: &[&str] = &[
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
    ];
    const FIRST: &[&str] = &[
        "Jane", "Bryan", "Maria", "Ahmed", "Chen", "Olivia", "Lucas", "Priya",
    ];
    const LAST: &[&str] = &[
        "Smith", "Cooper", "Garcia", "Khan", "Wei", "Brown", "Martin", "Patel",
    ];
    const CITIES: &[(&str, &str, &str)] = &[
        ("Cambridge", "MA", "02141"),
        ("Austin", "TX", "73301"),
        ("Denver", "CO", "80202"),
        ("Seattle", "WA", "98101"),
    ];
    const ORGS: &[&str] = &[
        "Biglytics",
        "Acme Corp",
        "Globex",
        "Initech",
        "Umbrella",
        "Hooli",
    ];
    let pick = |rng: &mut StdRng, list: &[&'static str]| list[rng.gen_range(0..list.len())];
    let insert = |obj: Obj, props: Vec<(&str, String)>| -> Option<String> {
        let id = sb.numeric_id();
        let map: Map<String, Value> = props
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::String(v)))
            .collect();
        store
            .insert(
                obj.name(),
                id.clone(),
                json!({"properties": map, "archived": false}),
            )
            .ok()
            .map(|_| id)
    };
    for i in 0..n {
        let org = pick(rng, ORGS);
        let (city, state, zip) = CITIES[rng.gen_range(0..CITIES.len())];
        let domain = format!(
            "{}{}.example.com",
            org.to_ascii_lowercase().replace(' ', ""),
            i
        );
        let Some(company) = insert(
            Obj::Companies,
            vec![
                ("name", format!("{org} {i}")),
                ("domain", domain.clone()),
                ("industry", pick(rng, INDUSTRIES).to_owned()),
                ("city", city.to_owned()),
                ("state", state.to_owned()),
                ("zip", zip.to_owned()),
                ("country", "United States".to_owned()),
                ("phone", format!("+1 555 01{:02}", i % 100)),
            ],
        ) else {
            continue;
        };
        let (first, last) = (pick(rng, FIRST), pick(rng, LAST));
        let owner = OWNERS[rng.gen_range(0..OWNERS.len())].0;
        let Some(contact) = insert(
            Obj::Contacts,
            vec![
                ("firstname", first.to_owned()),
                ("lastname", last.to_owned()),
                (
                    "email",
                    format!(
                        "{}.{}{i}@{domain}",
                        first.to_ascii_lowercase(),
                        last.to_ascii_lowercase()
                    ),
                ),
                ("phone", format!("+1 555 02{:02}", i % 100)),
                ("company", format!("{org} {i}")),
                ("jobtitle", "Head of Operations".to_owned()),
                ("city", city.to_owned()),
                ("state", state.to_owned()),
                ("zip", zip.to_owned()),
                ("lifecyclestage", pick(rng, LIFECYCLE).to_owned()),
                ("hubspot_owner_id", owner.to_owned()),
            ],
        ) else {
            continue;
        };
        link(
            &store,
            Obj::Contacts,
            &contact,
            Obj::Companies,
            &company,
            279,
            280,
        );
        let amount = rng.gen_range(10..500) * 100;
        if let Some(deal) = insert(
            Obj::Deals,
            vec![
                ("dealname", format!("{org} {i} — annual plan")),
                ("amount", format!("{amount}.00")),
                ("deal_currency_code", "USD".to_owned()),
                ("dealstage", pick(rng, STAGES).to_owned()),
                ("pipeline", "default".to_owned()),
                (
                    "closedate",
                    format!("2026-{:02}-15T00:00:00.000Z", 1 + i % 12),
                ),
                ("hubspot_owner_id", owner.to_owned()),
            ],
        ) {
            link(&store, Obj::Deals, &deal, Obj::Contacts, &contact, 3, 4);
            link(
                &store,
                Obj::Deals,
                &deal,
                Obj::Companies,
                &company,
                341,
                342,
            );
        }
        let start = format!("2026-{:02}-{:02}T15:00:00.000Z", 1 + i % 12, 1 + i % 28);
        let end = format!("2026-{:02}-{:02}T15:30:00.000Z", 1 + i % 12, 1 + i % 28);
        if let Some(meeting) = insert(
            Obj::Meetings,
            vec![
                ("hs_timestamp", start.clone()),
                ("hs_meeting_title", format!("Intro call with {first}")),
                (
                    "hs_meeting_body",
                    "Discuss requirements and next steps".to_owned(),
                ),
                ("hs_meeting_location", "Remote".to_owned()),
                ("hs_meeting_start_time", start),
                ("hs_meeting_end_time", end),
                ("hs_meeting_outcome", "SCHEDULED".to_owned()),
                ("hubspot_owner_id", owner.to_owned()),
            ],
        ) {
            link(
                &store,
                Obj::Meetings,
                &meeting,
                Obj::Contacts,
                &contact,
                200,
                199,
            );
        }
        if let Some(lead) = insert(
            Obj::Leads,
            vec![
                ("hs_lead_name", format!("{first} {last}")),
                ("hs_lead_type", "NEW BUSINESS".to_owned()),
                ("hs_lead_label", "WARM".to_owned()),
                ("hs_pipeline", "lead-pipeline-id".to_owned()),
                ("hs_pipeline_stage", "new-stage-id".to_owned()),
                ("hubspot_owner_id", owner.to_owned()),
            ],
        ) {
            link(&store, Obj::Leads, &lead, Obj::Contacts, &contact, 578, 609);
            link(
                &store,
                Obj::Leads,
                &lead,
                Obj::Companies,
                &company,
                580,
                611,
            );
            refresh_lead_derived(&store, &lead);
        }
    }
}

unicrm_sandbox::register_emulator! {
    id: "hubspot",
    router: router,
    seed: seed,
    errors: &HubSpotErrors,
}
