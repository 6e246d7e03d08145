//! The property catalog (built-in and custom properties) and `/crm/v3/properties/{type}`.

use super::*;

/// A HubSpot-defined property of the emulated objects: `(name, label, type, fieldType, read-only)`.
pub(super) type PropDef = (&'static str, &'static str, &'static str, &'static str, bool);

pub(super) const COMMON_PROPS: &[PropDef] = &[
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

pub(super) const CONTACT_PROPS: &[PropDef] = &[
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

pub(super) const COMPANY_PROPS: &[PropDef] = &[
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

pub(super) const DEAL_PROPS: &[PropDef] = &[
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

pub(super) const MEETING_PROPS: &[PropDef] = &[
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

pub(super) const LEAD_PROPS: &[PropDef] = &[
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

pub(super) fn builtin_props(obj: Obj) -> impl Iterator<Item = &'static PropDef> {
    let specific = match obj {
        Obj::Contacts => CONTACT_PROPS,
        Obj::Companies => COMPANY_PROPS,
        Obj::Deals => DEAL_PROPS,
        Obj::Meetings => MEETING_PROPS,
        Obj::Leads => LEAD_PROPS,
    };
    COMMON_PROPS.iter().chain(specific.iter())
}

pub(super) fn options_of(obj: Obj, name: &str) -> Vec<Value> {
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

pub(super) fn builtin_definition(obj: Obj, p: &PropDef) -> Value {
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
pub(super) fn definitions(store: &TenantStore, obj: Obj) -> Vec<Value> {
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

pub(super) fn definition(store: &TenantStore, obj: Obj, name: &str) -> Option<Value> {
    builtin_props(obj)
        .find(|p| p.0 == name)
        .map(|p| builtin_definition(obj, p))
        .or_else(|| {
            store
                .get("properties", &format!("{}:{name}", obj.name()))
                .map(|r| r.data)
        })
}

pub(super) async fn list_properties(
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

pub(super) async fn create_property(
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
