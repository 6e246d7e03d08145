//! Module rules: mandatory fields, lookups, standard and custom fields, display names.

use super::*;

/// Fields each module requires.
pub(super) fn mandatory(module: Module) -> &'static [&'static str] {
    match module {
        Module::Contacts => &["Last_Name"],
        Module::Leads => &["Last_Name", "Company"],
        Module::Deals => &["Deal_Name", "Stage", "Closing_Date"],
        Module::Events => &["Event_Title", "Start_DateTime", "End_DateTime"],
        Module::Accounts => &["Account_Name"],
    }
}

/// Lookup fields of a module and the module they point at (`What_Id` follows `$se_module`).
pub(super) fn lookups(module: Module) -> &'static [(&'static str, Module)] {
    match module {
        Module::Contacts => &[("Account_Name", Module::Accounts)],
        Module::Deals => &[
            ("Account_Name", Module::Accounts),
            ("Contact_Name", Module::Contacts),
        ],
        Module::Events => &[("Who_Id", Module::Contacts)],
        Module::Leads | Module::Accounts => &[],
    }
}

pub(super) const EMAIL_FIELDS: &[&str] = &["Email", "Secondary_Email"];
pub(super) const NUMBER_FIELDS: &[&str] =
    &["Amount", "Annual_Revenue", "Probability", "No_of_Employees"];
pub(super) const DATE_FIELDS: &[&str] = &["Closing_Date"];
pub(super) const DATETIME_FIELDS: &[&str] = &["Start_DateTime", "End_DateTime"];
/// Set by Zoho; ignored in bodies.
pub(super) const READ_ONLY: &[&str] = &[
    "id",
    "Created_Time",
    "Modified_Time",
    "Created_By",
    "Modified_By",
];

/// The standard fields of each module: (API name, label, data type).
pub(super) fn standard_fields(
    module: Module,
) -> &'static [(&'static str, &'static str, &'static str)] {
    match module {
        Module::Contacts => &[
            ("Owner", "Contact Owner", "ownerlookup"),
            ("First_Name", "First Name", "text"),
            ("Last_Name", "Last Name", "text"),
            ("Email", "Email", "email"),
            ("Secondary_Email", "Secondary Email", "email"),
            ("Phone", "Phone", "phone"),
            ("Mobile", "Mobile", "phone"),
            ("Home_Phone", "Home Phone", "phone"),
            ("Other_Phone", "Other Phone", "phone"),
            ("Title", "Title", "text"),
            ("Account_Name", "Account Name", "lookup"),
            ("Mailing_Street", "Mailing Street", "text"),
            ("Mailing_City", "Mailing City", "text"),
            ("Mailing_State", "Mailing State", "text"),
            ("Mailing_Zip", "Mailing Zip", "text"),
            ("Mailing_Country", "Mailing Country", "text"),
            ("Lead_Source", "Lead Source", "picklist"),
            ("Description", "Description", "textarea"),
        ],
        Module::Leads => &[
            ("Owner", "Lead Owner", "ownerlookup"),
            ("First_Name", "First Name", "text"),
            ("Last_Name", "Last Name", "text"),
            ("Company", "Company", "text"),
            ("Email", "Email", "email"),
            ("Secondary_Email", "Secondary Email", "email"),
            ("Phone", "Phone", "phone"),
            ("Mobile", "Mobile", "phone"),
            ("Designation", "Title", "text"),
            ("Street", "Street", "text"),
            ("City", "City", "text"),
            ("State", "State", "text"),
            ("Zip_Code", "Zip Code", "text"),
            ("Country", "Country", "text"),
            ("Lead_Status", "Lead Status", "picklist"),
            ("Lead_Source", "Lead Source", "picklist"),
            ("Industry", "Industry", "picklist"),
            ("Website", "Website", "website"),
        ],
        Module::Deals => &[
            ("Owner", "Deal Owner", "ownerlookup"),
            ("Deal_Name", "Deal Name", "text"),
            ("Amount", "Amount", "currency"),
            ("Stage", "Stage", "picklist"),
            ("Pipeline", "Pipeline", "picklist"),
            ("Closing_Date", "Closing Date", "date"),
            ("Probability", "Probability (%)", "integer"),
            ("Account_Name", "Account Name", "lookup"),
            ("Contact_Name", "Contact Name", "lookup"),
            ("Lead_Source", "Lead Source", "picklist"),
            ("Type", "Type", "picklist"),
        ],
        Module::Events => &[
            ("Owner", "Host", "ownerlookup"),
            ("Event_Title", "Title", "text"),
            ("Start_DateTime", "From", "datetime"),
            ("End_DateTime", "To", "datetime"),
            ("Venue", "Location", "text"),
            ("Description", "Description", "textarea"),
            ("Participants", "Participants", "event_reminder"),
            ("Who_Id", "Contact Name", "lookup"),
            ("What_Id", "Related To", "lookup"),
        ],
        Module::Accounts => &[
            ("Owner", "Account Owner", "ownerlookup"),
            ("Account_Name", "Account Name", "text"),
            ("Website", "Website", "website"),
            ("Industry", "Industry", "picklist"),
            ("Annual_Revenue", "Annual Revenue", "currency"),
            ("Phone", "Phone", "phone"),
            ("Billing_Street", "Billing Street", "text"),
            ("Billing_City", "Billing City", "text"),
            ("Billing_State", "Billing State", "text"),
            ("Billing_Code", "Billing Code", "text"),
            ("Billing_Country", "Billing Country", "text"),
            ("Description", "Description", "textarea"),
        ],
    }
}

/// Custom fields every sandbox account has: (API name, label, data type, pick-list values).
pub(super) fn custom_fields(
    module: Module,
) -> &'static [(
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
)] {
    match module {
        Module::Contacts | Module::Leads => &[
            (
                "Loyalty_Tier",
                "Loyalty Tier",
                "picklist",
                &["Gold", "Silver", "Bronze"],
            ),
            ("Preferred_Language", "Preferred Language", "text", &[]),
            (
                "Training_Completion_Status",
                "Training Completion Status",
                "picklist",
                &["Not Started", "In Progress", "Completed"],
            ),
        ],
        Module::Deals => &[("Competitor", "Competitor", "text", &[])],
        Module::Events => &[("Meeting_Link", "Meeting Link", "website", &[])],
        Module::Accounts => &[(
            "Tier",
            "Tier",
            "picklist",
            &["Enterprise", "Mid-market", "SMB"],
        )],
    }
}

/// The name a lookup to this record shows.
pub(super) fn display_name(module: Module, data: &Value) -> Value {
    let text = |k: &str| data.get(k).and_then(Value::as_str).unwrap_or_default();
    let name = match module {
        Module::Contacts | Module::Leads => {
            let first = text("First_Name");
            let last = text("Last_Name");
            if first.is_empty() {
                last.to_owned()
            } else {
                format!("{first} {last}")
            }
        }
        Module::Deals => text("Deal_Name").to_owned(),
        Module::Events => text("Event_Title").to_owned(),
        Module::Accounts => text("Account_Name").to_owned(),
    };
    Value::String(name)
}

pub(super) fn parse_module(raw: &str) -> Option<Module> {
    Module::parse(raw)
}
