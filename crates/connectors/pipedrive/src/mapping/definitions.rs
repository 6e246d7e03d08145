//! Pipedrive fields → custom-field definitions (pure).
//!
//! A field of `GET /v1/{entity}Fields` has a `field_type` (`varchar`, `varchar_auto`, `text`,
//! `double`, `monetary`, `int`, `date`, `daterange`, `time`, `timerange`, `enum`, `set`,
//! `status`, `phone`, `address`, `user`, `org`, `people`, `visible_to` … — Pipedrive's field
//! types); account-defined ones have `is_custom_field` (their `key` is a 40-character hash).
//! The definition keeps `field_type` as its `source_type`.

use serde_json::Value;
use unicrm_core::{CustomFieldDefinition, CustomFieldOption, FieldType};

use crate::wire::Field;

/// The unified type of a Pipedrive `field_type`.
pub fn field_type(kind: &str) -> FieldType {
    match kind {
        "varchar" | "varchar_auto" | "text" | "phone" => FieldType::Text,
        "double" | "monetary" => FieldType::Float,
        "int" => FieldType::Integer,
        "date" => FieldType::Date,
        "boolean" => FieldType::Boolean,
        "enum" | "status" => FieldType::SingleSelect,
        "set" => FieldType::MultiSelect,
        // Ranges, times, addresses and references to users, organizations, people.
        _ => FieldType::Other,
    }
}

/// Account-defined fields (`is_custom_field`) → definitions.
pub fn definitions_from_wire(fields: &[Field]) -> Vec<CustomFieldDefinition> {
    fields
        .iter()
        .filter(|f| f.is_custom_field)
        .map(|f| CustomFieldDefinition {
            id: f.field_code.clone(),
            remote_id: f.field_code.clone(),
            name: f.field_name.clone(),
            description: None,
            kind: field_type(&f.field_type),
            source_type: f.field_type.clone(),
            options: f
                .options
                .iter()
                .flatten()
                .map(|o| CustomFieldOption {
                    id: match &o.id {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    },
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
    fn pipedrive_types() {
        assert_eq!(field_type("double"), FieldType::Float);
        assert_eq!(field_type("monetary"), FieldType::Float);
        assert_eq!(field_type("int"), FieldType::Integer);
        assert_eq!(field_type("enum"), FieldType::SingleSelect);
        assert_eq!(field_type("set"), FieldType::MultiSelect);
        assert_eq!(field_type("daterange"), FieldType::Other);
    }
}
