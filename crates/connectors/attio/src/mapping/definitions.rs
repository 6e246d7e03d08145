//! Attio attributes → custom-field definitions (pure).
//!
//! An attribute has a `type` (`text`, `number`, `checkbox`, `currency`, `date`, `timestamp`,
//! `rating`, `status`, `select`, `record-reference`, `actor-reference`, `location`, `domain`,
//! `email-address`, `phone-number`, `interaction`, `personal-name` — Attio's attribute types) and
//! `is_multiselect`; the definition keeps `type` as its `source_type`.

use unicrm_core::{CustomFieldDefinition, CustomFieldOption, FieldType};

use crate::wire::Attribute;

/// The unified type of an Attio attribute type.
pub fn field_type(kind: &str, multiselect: bool) -> FieldType {
    match (kind, multiselect) {
        ("select", true) => FieldType::MultiSelect,
        ("select" | "status", _) => FieldType::SingleSelect,
        // Several free values of one attribute (e.g. `email_addresses`, `domains`).
        ("text" | "email-address" | "domain" | "phone-number" | "number", true) => FieldType::List,
        ("text" | "email-address" | "domain" | "phone-number" | "personal-name", _) => {
            FieldType::Text
        }
        ("number" | "currency", _) => FieldType::Float,
        // A rating is a whole number of stars.
        ("rating", _) => FieldType::Integer,
        // Attio calls its true/false attribute a checkbox.
        ("checkbox", _) => FieldType::Checkbox,
        ("date" | "timestamp", _) => FieldType::Date,
        // References, locations, interactions.
        _ => FieldType::Other,
    }
}

/// An attribute (with the options of a select or status, read separately) as a definition.
pub fn definition_from_wire(
    attr: &Attribute,
    options: Vec<CustomFieldOption>,
) -> CustomFieldDefinition {
    CustomFieldDefinition {
        id: attr.api_slug.clone(),
        remote_id: attr.api_slug.clone(),
        name: attr.title.clone(),
        description: attr.description.clone().filter(|d| !d.is_empty()),
        kind: field_type(&attr.kind, attr.is_multiselect),
        source_type: attr.kind.clone(),
        options,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attio_types() {
        assert_eq!(field_type("select", true), FieldType::MultiSelect);
        assert_eq!(field_type("status", false), FieldType::SingleSelect);
        assert_eq!(field_type("email-address", true), FieldType::List);
        assert_eq!(field_type("currency", false), FieldType::Float);
        assert_eq!(field_type("rating", false), FieldType::Integer);
        assert_eq!(field_type("checkbox", false), FieldType::Checkbox);
        assert_eq!(field_type("timestamp", false), FieldType::Date);
        assert_eq!(field_type("record-reference", true), FieldType::Other);
    }
}
