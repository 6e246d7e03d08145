//! Pure mapping between the unified model and Salesforce sObject JSON — no I/O, no async.
//!
//! `*_to_wire` builds the request body of a create or update (`Write::Create` checks the fields
//! Salesforce requires before any call); `*_from_wire` reads a record as answered by SOQL
//! (`SELECT …, Owner.Name, Owner.Email, FIELDS(CUSTOM) …`) or `GET /sobjects/{Obj}/{id}`.
//! `__c` fields come back as `custom_fields`; unified `custom_fields` go out as fields, then
//! `passthrough` goes out last so a user can override any mapping.

pub mod account;
pub mod contact;
pub mod deal;
pub mod definitions;
pub mod lead;
pub mod meeting;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use unicrm_core::convert;
use unicrm_core::{Address, CustomField, Error, Owner, Passthrough, Result};

use crate::soql;
use crate::wire::{SObject, SObjectType};

/// Whether a body is for a create (required fields checked) or an update (patch: only the fields
/// set are sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// `POST /sobjects/{Obj}/`.
    Create,
    /// `PATCH /sobjects/{Obj}/{id}`.
    Update,
}

/// Fields every mapping selects besides its own: ids, owner, timestamps.
pub const COMMON_FIELDS: &[&str] = &[
    "Id",
    "OwnerId",
    "Owner.Name",
    "Owner.Email",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
];

/// A body under construction: keeps insertion order readable and knows the write mode.
pub(crate) struct Body {
    map: Map<String, Value>,
    mode: Write,
}

impl Body {
    pub(crate) fn new(mode: Write) -> Body {
        Body {
            map: Map::new(),
            mode,
        }
    }

    /// Sets a text field: `Some` → the text, and on update an explicit empty string → null.
    pub(crate) fn text(&mut self, field: &str, value: Option<&String>) {
        if let Some(v) = value {
            if v.is_empty() {
                if self.mode == Write::Update {
                    self.map.insert(field.into(), Value::Null);
                }
            } else {
                self.map.insert(field.into(), Value::String(v.clone()));
            }
        }
    }

    pub(crate) fn value(&mut self, field: &str, value: Value) {
        self.map.insert(field.into(), value);
    }

    pub(crate) fn mode(&self) -> Write {
        self.mode
    }

    /// Fills a list of slots (`Phone`, `MobilePhone` …) from a list; more values than slots is an
    /// error naming the first one without a home. On update, unused slots are cleared.
    pub(crate) fn slots(
        &mut self,
        field: &str,
        values: Option<&Vec<String>>,
        slots: &[&str],
        what: &str,
    ) -> Result<()> {
        let Some(values) = values else {
            return Ok(());
        };
        if values.len() > slots.len() {
            return Err(Error::invalid(
                format!("{field}[{}]", slots.len()),
                format!(
                    "Salesforce keeps {} {what} ({}); this one has no field to go to — send it \
                     as a custom field or passthrough",
                    slots.len(),
                    slots.join(", ")
                ),
            ));
        }
        for (i, slot) in slots.iter().enumerate() {
            match values.get(i) {
                Some(v) if !v.trim().is_empty() => {
                    self.map.insert((*slot).into(), Value::String(v.clone()));
                }
                Some(_) => {
                    return Err(Error::invalid(format!("{field}[{i}]"), "must not be empty"));
                }
                None if self.mode == Write::Update => {
                    self.map.insert((*slot).into(), Value::Null);
                }
                None => {}
            }
        }
        Ok(())
    }

    /// Address parts into `{prefix}Street`, `{prefix}City` ….
    pub(crate) fn address(&mut self, prefix: &str, address: Option<&Address>) {
        if let Some(a) = address {
            self.text(&format!("{prefix}Street"), a.street.as_ref());
            self.text(&format!("{prefix}City"), a.city.as_ref());
            self.text(&format!("{prefix}State"), a.state.as_ref());
            self.text(&format!("{prefix}PostalCode"), a.postal_code.as_ref());
            self.text(&format!("{prefix}Country"), a.country.as_ref());
        }
    }

    /// `OwnerId` from the unified owner (checked to be a User id).
    pub(crate) fn owner(&mut self, owner: Option<&Owner>) -> Result<()> {
        if let Some(owner) = owner {
            soql::validate_id_of("owner.id", &owner.id, SObjectType::User)
                .map_err(|e| Error::invalid(e.field, e.reason))?;
            self.map
                .insert("OwnerId".into(), Value::String(owner.id.clone()));
        }
        Ok(())
    }

    /// A reference field from a unified id, checked against the objects it may point to.
    pub(crate) fn reference(
        &mut self,
        field: &str,
        unified_field: &str,
        id: Option<&String>,
        targets: &[SObjectType],
    ) -> Result<()> {
        let Some(id) = id else { return Ok(()) };
        if id.is_empty() {
            if self.mode == Write::Update {
                self.map.insert(field.into(), Value::Null);
            }
            return Ok(());
        }
        check_reference(unified_field, id, targets)?;
        self.map.insert(field.into(), Value::String(id.clone()));
        Ok(())
    }

    /// Unified custom fields, then passthrough (last, overriding).
    pub(crate) fn finish(
        mut self,
        custom_fields: &[CustomField],
        passthrough: &Passthrough,
    ) -> Result<Map<String, Value>> {
        for (i, cf) in custom_fields.iter().enumerate() {
            let path = format!("custom_fields[{i}]");
            let Some(target) = cf.target() else {
                return Err(Error::invalid(
                    format!("{path}.remote_id"),
                    "names no Salesforce field (set remote_id to the field API name, e.g. \
                     Loyalty_Score__c)",
                ));
            };
            soql::validate_field_name(&format!("{path}.remote_id"), target)
                .map_err(|e| Error::invalid(e.field, e.reason))?;
            self.map.insert(target.to_owned(), cf.wire_value());
        }
        for (key, value) in passthrough {
            soql::validate_field_name(&format!("passthrough.{key}"), key)
                .map_err(|e| Error::invalid(e.field, e.reason))?;
            self.map.insert(key.clone(), value.clone());
        }
        Ok(self.map)
    }
}

/// Checks a unified id given for a reference field.
pub(crate) fn check_reference(field: &str, id: &str, targets: &[SObjectType]) -> Result<()> {
    soql::validate_id(field, id).map_err(|e| Error::invalid(e.field, e.reason))?;
    if targets.iter().any(|t| id.starts_with(t.key_prefix())) {
        Ok(())
    } else {
        let names: Vec<String> = targets
            .iter()
            .map(|t| format!("{} ({}…)", t.api_name(), t.key_prefix()))
            .collect();
        Err(Error::invalid(
            field,
            format!("`{id}` is not the id of a {}", names.join(" or ")),
        ))
    }
}

/// A unified field Salesforce has no home for on this object.
pub(crate) fn no_home(field: &str, object: &str, hint: &str) -> Error {
    Error::no_home(
        field,
        format!("Salesforce {object} records have no field for this; {hint}"),
    )
}

/// Requires a non-empty value on create.
pub(crate) fn require(mode: Write, field: &str, sf_field: &str, value: Option<&str>) -> Result<()> {
    if mode == Write::Create && value.is_none_or(|v| v.trim().is_empty()) {
        return Err(Error::invalid(
            field,
            format!("required: Salesforce needs {sf_field} to create this record"),
        ));
    }
    Ok(())
}

/// Reading helpers over one sObject.
pub(crate) struct Read<'a> {
    pub(crate) obj: &'a SObject,
}

impl<'a> Read<'a> {
    pub(crate) fn new(obj: &'a SObject) -> Read<'a> {
        Read { obj }
    }

    pub(crate) fn text(&self, field: &str) -> Option<String> {
        match self.obj.get(field) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        }
    }

    pub(crate) fn texts(&self, fields: &[&str]) -> Option<Vec<String>> {
        let values: Vec<String> = fields.iter().filter_map(|f| self.text(f)).collect();
        (!values.is_empty()).then_some(values)
    }

    pub(crate) fn related_text(&self, relationship: &str, field: &str) -> Option<String> {
        match self.obj.get(relationship)?.get(field)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            _ => None,
        }
    }

    pub(crate) fn datetime(&self, field: &str) -> Result<Option<DateTime<Utc>>> {
        self.text(field)
            .map(|s| convert::parse_timestamp(field, &s))
            .transpose()
    }

    pub(crate) fn date(&self, field: &str) -> Result<Option<NaiveDate>> {
        self.text(field)
            .map(|s| convert::parse_date(field, &s))
            .transpose()
    }

    pub(crate) fn decimal(&self, field: &str) -> Result<Option<Decimal>> {
        match self.obj.get(field) {
            None => Ok(None),
            Some(v) => convert::decimal_from_json(field, v),
        }
    }

    pub(crate) fn address(&self, prefix: &str) -> Option<Address> {
        let address = Address {
            street: self.text(&format!("{prefix}Street")),
            city: self.text(&format!("{prefix}City")),
            state: self.text(&format!("{prefix}State")),
            postal_code: self.text(&format!("{prefix}PostalCode")),
            country: self.text(&format!("{prefix}Country")),
        };
        (!address.is_empty()).then_some(address)
    }

    /// `OwnerId` with `Owner.Name` / `Owner.Email` when the query selected them.
    pub(crate) fn owner(&self) -> Option<Owner> {
        let id = self.text("OwnerId")?;
        Some(Owner {
            id,
            name: self.related_text("Owner", "Name"),
            email: self.related_text("Owner", "Email"),
        })
    }

    /// The `__c` fields that hold a value, as custom fields (name = API name; labels come from
    /// describe). `FIELDS(CUSTOM)` selects every custom field of the object; the empty ones are
    /// left out, as HubSpot and the other connectors leave out properties without a value.
    pub(crate) fn custom_fields(&self) -> Vec<CustomField> {
        self.obj
            .iter()
            .filter(|(k, v)| k.ends_with("__c") && !v.is_null())
            .map(|(k, v)| CustomField::named(k.clone(), v.clone()))
            .collect()
    }

    pub(crate) fn id(&self) -> Option<String> {
        self.text("Id")
    }
}

/// The unified record type of an object, as used in errors.
pub(crate) fn expect_object(payload: &Value) -> Result<&SObject> {
    payload.as_object().ok_or_else(|| {
        Error::invalid(
            "",
            format!("a Salesforce record is a JSON object, got {payload}"),
        )
    })
}

/// Decimals as JSON numbers (Salesforce currency/percent fields are numbers).
pub(crate) fn decimal_value(d: &Decimal) -> Value {
    convert::decimal_to_json(d)
}

/// The unified field path of a Salesforce field, for naming fields in provider errors
/// (`REQUIRED_FIELD_MISSING` on `LastName` → `last_name`). `None` for fields without a unified
/// home (custom fields keep their API name).
pub fn unified_field(object: SObjectType, field: &str) -> Option<&'static str> {
    let address = |prefix: &str| -> Option<&'static str> {
        let part = field.strip_prefix(prefix)?;
        Some(match part {
            "Street" => "address.street",
            "City" => "address.city",
            "State" => "address.state",
            "PostalCode" => "address.postal_code",
            "Country" => "address.country",
            _ => return None,
        })
    };
    let common = match field {
        "OwnerId" => Some("owner.id"),
        _ => None,
    };
    let specific = match object {
        SObjectType::Contact => match field {
            "FirstName" => Some("first_name"),
            "LastName" => Some("last_name"),
            "Email" => Some("emails[0]"),
            "Phone" => Some("phone_numbers[0]"),
            "MobilePhone" => Some("phone_numbers[1]"),
            "HomePhone" => Some("phone_numbers[2]"),
            "OtherPhone" => Some("phone_numbers[3]"),
            "Title" => Some("job_title"),
            "AccountId" => Some("account_ids[0]"),
            "LeadSource" => Some("source"),
            _ => address("Mailing"),
        },
        SObjectType::Lead => match field {
            "FirstName" => Some("first_name"),
            "LastName" => Some("last_name"),
            "Company" => Some("company_name"),
            "Email" => Some("emails[0]"),
            "Phone" => Some("phone_numbers[0]"),
            "MobilePhone" => Some("phone_numbers[1]"),
            "Title" => Some("job_title"),
            "Status" => Some("status"),
            "LeadSource" => Some("source"),
            _ => address(""),
        },
        SObjectType::Opportunity => match field {
            "Name" => Some("name"),
            "StageName" => Some("stage"),
            "CloseDate" => Some("close_date"),
            "Amount" => Some("amount"),
            "CurrencyIsoCode" => Some("currency"),
            "Probability" => Some("probability"),
            "AccountId" => Some("account_id"),
            "ContactId" => Some("contact_ids[0]"),
            _ => None,
        },
        SObjectType::Event => match field {
            "Subject" => Some("title"),
            "Description" => Some("description"),
            "Location" => Some("location"),
            "StartDateTime" | "ActivityDateTime" => Some("start_time"),
            "EndDateTime" | "DurationInMinutes" => Some("end_time"),
            "WhoId" => Some("contact_ids[0]"),
            _ => None,
        },
        SObjectType::Account => match field {
            "Name" => Some("name"),
            "Website" => Some("website"),
            "Industry" => Some("industry"),
            "AnnualRevenue" => Some("annual_revenue"),
            "Phone" => Some("phone_numbers[0]"),
            "Description" => Some("description"),
            _ => address("Billing"),
        },
        SObjectType::User => None,
    };
    specific.or(common)
}
