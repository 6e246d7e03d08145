//! HubSpot properties → custom-field definitions (pure).
//!
//! A property has a `type` ("The data type of the property": `bool`, `enumeration`, `date`,
//! `datetime`, `string`, `number`, `phone_number`, `object_coordinates`, `json`) and a
//! `fieldType` (how the form shows it: `booleancheckbox`, `checkbox`, `radio`, `select`, `text`,
//! `textarea`, `number`, `date`, `file`, `calculation_equation`, `html`, `phonenumber`) — HubSpot
//! Properties API. The unified type comes from both; the definition keeps `type` as its
//! `source_type`.

use unicrm_core::{CustomFieldDefinition, CustomFieldOption, FieldType, Resource};

use crate::wire::Property;

/// The unified type of a HubSpot property (`type`, `fieldType`).
pub fn field_type(kind: &str, field_type: &str) -> FieldType {
    match (kind, field_type) {
        // Text of any widget; phone numbers are text too.
        ("string" | "phone_number", _) => FieldType::Text,
        // A HubSpot `number` may carry decimals (no separate integer type): float.
        ("number", _) => FieldType::Float,
        ("date" | "datetime", _) => FieldType::Date,
        ("bool", _) | (_, "booleancheckbox") => FieldType::Boolean,
        // `enumeration` shown as `checkbox`: "Multiple checkboxes" — several options.
        ("enumeration", "checkbox") => FieldType::MultiSelect,
        ("enumeration", _) => FieldType::SingleSelect,
        _ => FieldType::Other,
    }
}

/// Properties with no unified home (custom ones and unmapped HubSpot ones) → definitions.
pub fn definitions_from_wire(
    resource: Resource,
    properties: &[Property],
) -> Vec<CustomFieldDefinition> {
    let mapped = crate::connector::mapped_properties(resource);
    properties
        .iter()
        .filter(|p| {
            !mapped.contains(&p.name.as_str()) && !super::BOOKKEEPING.contains(&p.name.as_str())
        })
        .map(|p| CustomFieldDefinition {
            id: p.name.clone(),
            remote_id: p.name.clone(),
            name: if p.label.is_empty() {
                p.name.clone()
            } else {
                p.label.clone()
            },
            description: p.description.clone().filter(|d| !d.is_empty()),
            kind: field_type(&p.kind, &p.field_type),
            source_type: p.kind.clone(),
            options: p
                .options
                .iter()
                .map(|o| CustomFieldOption {
                    id: o.value.clone(),
                    value: o.label.clone(),
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hubspot_types() {
        assert_eq!(field_type("number", "number"), FieldType::Float);
        assert_eq!(
            field_type("enumeration", "checkbox"),
            FieldType::MultiSelect
        );
        assert_eq!(field_type("enumeration", "radio"), FieldType::SingleSelect);
        assert_eq!(
            field_type("enumeration", "booleancheckbox"),
            FieldType::Boolean
        );
        assert_eq!(field_type("datetime", "date"), FieldType::Date);
        assert_eq!(field_type("object_coordinates", "text"), FieldType::Other);
    }
}
