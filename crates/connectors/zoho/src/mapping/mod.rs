//! Pure mapping between the unified model and Zoho CRM records — no I/O, no async.
//!
//! `*_to_wire` builds the record of a create or update body (`{"data": [record]}` is added by the
//! client); `Write::Create` checks the fields Zoho requires before any call. `*_from_wire` reads a
//! record as `GET /crm/v8/{module}/{id}` or a list answers it. Fields with no unified home come back
//! as `custom_fields` (by API name); unified `custom_fields` go out as fields, then `passthrough`
//! goes out last so a user can override any mapping.

pub mod account;
pub mod contact;
pub mod deal;
pub mod definitions;
pub mod lead;
pub mod meeting;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use unicrm_core::convert;
use unicrm_core::{Address, CustomField, Error, Owner, Passthrough, Resource, Result};

use crate::wire::{Module, ZohoRecord};

/// Whether a body is for a create (required fields checked) or an update (only the fields set are
/// sent; an empty string or list clears a field with `null`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// `POST /crm/v8/{module}`.
    Create,
    /// `PUT /crm/v8/{module}/{id}`.
    Update,
}

/// Fields every record carries that are not data: never reported as custom fields.
pub const SYSTEM_FIELDS: &[&str] = &[
    "id",
    "Owner",
    "Created_Time",
    "Modified_Time",
    "Created_By",
    "Modified_By",
    "Tag",
    "Layout",
    "Record_Image",
    "Last_Activity_Time",
    "Full_Name",
    "Exchange_Rate",
    "Unsubscribed_Mode",
    "Unsubscribed_Time",
    "Change_Log_Time__s",
    "Locked__s",
    "Last_Enriched_Time__s",
    "Enrich_Status__s",
];

/// The Zoho module of a unified resource.
pub fn module_of(resource: Resource) -> Module {
    match resource {
        Resource::Contact => Module::Contacts,
        Resource::Lead => Module::Leads,
        Resource::Deal => Module::Deals,
        Resource::Meeting => Module::Events,
        Resource::Account => Module::Accounts,
    }
}

/// The standard fields of a module the mapping reads (what list calls ask for in `fields=`).
pub fn fields_of(module: Module) -> &'static [&'static str] {
    match module {
        Module::Contacts => contact::FIELDS,
        Module::Leads => lead::FIELDS,
        Module::Deals => deal::FIELDS,
        Module::Events => meeting::FIELDS,
        Module::Accounts => account::FIELDS,
    }
}

/// Zoho field API name → unified field path, per module, for naming fields in errors Zoho reports.
pub fn unified_field(module: Module, api_name: &str) -> Option<&'static str> {
    let table: &[(&str, &str)] = match module {
        Module::Contacts => contact::UNIFIED_NAMES,
        Module::Leads => lead::UNIFIED_NAMES,
        Module::Deals => deal::UNIFIED_NAMES,
        Module::Events => meeting::UNIFIED_NAMES,
        Module::Accounts => account::UNIFIED_NAMES,
    };
    if api_name == "Owner" {
        return Some("owner");
    }
    table
        .iter()
        .find(|(zoho, _)| *zoho == api_name)
        .map(|(_, unified)| *unified)
}

/// A Zoho date-time as Zoho writes it: `2018-01-27T15:10:00+00:00` (seconds, explicit offset).
pub fn datetime_value(t: &DateTime<Utc>) -> Value {
    let s = t.to_rfc3339_opts(SecondsFormat::Secs, false);
    Value::String(s)
}

/// Checks an id given for a lookup: Zoho record ids are decimal numbers (`5725767000000524157`).
pub fn check_id(field: &str, id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 24 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            field,
            format!("`{id}` is not a Zoho record id (a decimal number like 5725767000000524157)"),
        ));
    }
    Ok(())
}

/// A record body under construction.
pub(crate) struct Body {
    map: ZohoRecord,
    mode: Write,
}

impl Body {
    pub(crate) fn new(mode: Write) -> Body {
        Body {
            map: Map::new(),
            mode,
        }
    }

    pub(crate) fn mode(&self) -> Write {
        self.mode
    }

    /// A text field: `Some` → the text; on update an empty string clears the field.
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

    /// Fills slots (`Email`, `Secondary_Email` …) from a list; more values than slots is an error
    /// naming the first value without a home. On update, unused slots are cleared.
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
                    "Zoho keeps {} {what} ({}); this one has no field to go to — send it as a \
                     custom field or passthrough",
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
                    return Err(Error::invalid(format!("{field}[{i}]"), "must not be empty"))
                }
                None if self.mode == Write::Update => {
                    self.map.insert((*slot).into(), Value::Null);
                }
                None => {}
            }
        }
        Ok(())
    }

    /// Address parts into the five fields named by `names` (street, city, state, code, country).
    pub(crate) fn address(&mut self, names: [&str; 5], address: Option<&Address>) {
        if let Some(a) = address {
            self.text(names[0], a.street.as_ref());
            self.text(names[1], a.city.as_ref());
            self.text(names[2], a.state.as_ref());
            self.text(names[3], a.postal_code.as_ref());
            self.text(names[4], a.country.as_ref());
        }
    }

    /// `Owner: {"id": …}` from the unified owner (a user id).
    pub(crate) fn owner(&mut self, owner: Option<&Owner>) -> Result<()> {
        if let Some(owner) = owner {
            check_id("owner.id", &owner.id)?;
            self.map.insert("Owner".into(), json!({ "id": owner.id }));
        }
        Ok(())
    }

    /// A lookup field (`{"id": …}`) from a unified id; an empty id clears it on update.
    pub(crate) fn lookup(
        &mut self,
        field: &str,
        unified_field: &str,
        id: Option<&String>,
    ) -> Result<()> {
        let Some(id) = id else { return Ok(()) };
        if id.is_empty() {
            if self.mode == Write::Update {
                self.map.insert(field.into(), Value::Null);
            }
            return Ok(());
        }
        check_id(unified_field, id)?;
        self.map.insert(field.into(), json!({ "id": id }));
        Ok(())
    }

    /// `Tag: [{"name": …}]` from unified tags.
    pub(crate) fn tags(&mut self, tags: Option<&Vec<String>>) -> Result<()> {
        let Some(tags) = tags else { return Ok(()) };
        let mut out = Vec::with_capacity(tags.len());
        for (i, t) in tags.iter().enumerate() {
            if t.trim().is_empty() {
                return Err(Error::invalid(format!("tags[{i}]"), "must not be empty"));
            }
            out.push(json!({ "name": t }));
        }
        self.map.insert("Tag".into(), Value::Array(out));
        Ok(())
    }

    /// A decimal as a JSON number (Zoho currency/number fields are numbers).
    pub(crate) fn decimal(&mut self, field: &str, value: Option<&Decimal>) {
        if let Some(d) = value {
            self.map.insert(field.into(), convert::decimal_to_json(d));
        }
    }

    /// Unified custom fields, then passthrough (last, overriding).
    pub(crate) fn finish(
        mut self,
        custom_fields: &[CustomField],
        passthrough: &Passthrough,
    ) -> Result<ZohoRecord> {
        for (i, cf) in custom_fields.iter().enumerate() {
            let path = format!("custom_fields[{i}].remote_id");
            let Some(target) = cf.target() else {
                return Err(Error::invalid(
                    path,
                    "names no Zoho field (set remote_id to the field API name, e.g. Loyalty_Tier)",
                ));
            };
            check_field_name(&path, target)?;
            self.map.insert(target.to_owned(), cf.wire_value());
        }
        for (key, value) in passthrough {
            check_field_name(&format!("passthrough.{key}"), key)?;
            self.map.insert(key.clone(), value.clone());
        }
        Ok(self.map)
    }
}

/// A Zoho field API name: letters, digits, `_` and `$` (e.g. `$se_module`), at most 100 chars.
pub fn check_field_name(field: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$');
    if ok && name != "id" {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("`{name}` is not a Zoho field API name (letters, digits, `_`; not `id`)"),
        ))
    }
}

/// Requires a non-empty value on create.
pub(crate) fn require(
    mode: Write,
    field: &str,
    zoho_field: &str,
    value: Option<&str>,
) -> Result<()> {
    if mode == Write::Create && value.is_none_or(|v| v.trim().is_empty()) {
        return Err(Error::invalid(
            field,
            format!("required: Zoho CRM needs {zoho_field} to create this record"),
        ));
    }
    Ok(())
}

/// A unified field Zoho has no home for in this module.
pub(crate) fn no_home(field: &str, module: &str, hint: &str) -> Error {
    Error::no_home(
        field,
        format!("Zoho CRM {module} have no field for this; {hint}"),
    )
}

/// Reading helpers over one record.
pub(crate) struct Read<'a> {
    pub(crate) rec: &'a ZohoRecord,
}

impl<'a> Read<'a> {
    pub(crate) fn new(rec: &'a ZohoRecord) -> Read<'a> {
        Read { rec }
    }

    pub(crate) fn text(&self, field: &str) -> Option<String> {
        match self.rec.get(field) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        }
    }

    pub(crate) fn texts(&self, fields: &[&str]) -> Option<Vec<String>> {
        let values: Vec<String> = fields.iter().filter_map(|f| self.text(f)).collect();
        (!values.is_empty()).then_some(values)
    }

    /// The id of a lookup field (`{"id", "name"}`), or a bare id.
    pub(crate) fn lookup_id(&self, field: &str) -> Option<String> {
        match self.rec.get(field)? {
            Value::Object(o) => match o.get("id")? {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            },
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// The `name` of a lookup field.
    pub(crate) fn lookup_name(&self, field: &str) -> Option<String> {
        match self.rec.get(field)?.get("name")? {
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
        match self.rec.get(field) {
            None => Ok(None),
            Some(v) => convert::decimal_from_json(field, v),
        }
    }

    pub(crate) fn address(&self, names: [&str; 5]) -> Option<Address> {
        let address = Address {
            street: self.text(names[0]),
            city: self.text(names[1]),
            state: self.text(names[2]),
            postal_code: self.text(names[3]),
            country: self.text(names[4]),
        };
        (!address.is_empty()).then_some(address)
    }

    /// `Owner: {"name", "id", "email"}`.
    pub(crate) fn owner(&self) -> Option<Owner> {
        let id = self.lookup_id("Owner")?;
        let email = match self.rec.get("Owner")?.get("email") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        };
        Some(Owner {
            id,
            name: self.lookup_name("Owner"),
            email,
        })
    }

    /// `Tag: [{"name", "id"}]` → names.
    pub(crate) fn tags(&self) -> Option<Vec<String>> {
        let tags = self.rec.get("Tag")?.as_array()?;
        Some(
            tags.iter()
                .filter_map(|t| t.get("name").and_then(Value::as_str))
                .map(str::to_owned)
                .collect(),
        )
    }

    /// Every non-empty field that is neither mapped (`known`) nor a system field, by API name.
    pub(crate) fn custom_fields(&self, known: &[&str]) -> Vec<CustomField> {
        self.rec
            .iter()
            .filter(|(k, v)| {
                !v.is_null()
                    && !k.starts_with('$')
                    && !known.contains(&k.as_str())
                    && !SYSTEM_FIELDS.contains(&k.as_str())
            })
            .map(|(k, v)| CustomField::named(k.clone(), v.clone()))
            .collect()
    }

    pub(crate) fn id(&self) -> Option<String> {
        self.text("id")
    }
}

/// The payload as a Zoho record (a JSON object), or `{"data": [record]}` unwrapped.
pub fn expect_record(payload: &Value) -> Result<&ZohoRecord> {
    let obj = payload.as_object().ok_or_else(|| not_a_record(payload))?;
    if let Some(Value::Array(data)) = obj.get("data") {
        if let [Value::Object(one)] = data.as_slice() {
            return Ok(one);
        }
        return Err(not_one_record());
    }
    Ok(obj)
}

/// [`expect_record`] of a payload given by value: the record moves out of it, uncopied (same
/// errors).
pub fn into_record(payload: Value) -> Result<ZohoRecord> {
    let mut obj = match payload {
        Value::Object(obj) => obj,
        other => return Err(not_a_record(&other)),
    };
    if let Some(Value::Array(data)) = obj.get_mut("data") {
        if let [Value::Object(one)] = data.as_mut_slice() {
            return Ok(std::mem::take(one));
        }
        return Err(not_one_record());
    }
    Ok(obj)
}

fn not_a_record(payload: &Value) -> Error {
    Error::invalid("", format!("a Zoho record is a JSON object, got {payload}"))
}

fn not_one_record() -> Error {
    Error::invalid("data", "expected exactly one record in the `data` array")
}
