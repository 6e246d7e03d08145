//! Close custom fields → custom-field definitions (pure).
//!
//! A Close custom field has a `type` (`text`, `number`, `date`, `datetime`, `choices`, `user`,
//! `contact`, `hidden` … — Close API "Custom Fields") and `accepts_multiple_values`; the
//! definition keeps `type` as its `source_type`.

use unicrm_core::{CustomFieldDefinition, CustomFieldOption, FieldType};

use crate::wire::CustomFieldDef;

/// The unified type of a Close custom field type.
pub fn field_type(kind: &str, multiple: bool) -> FieldType {
    match (kind, multiple) {
        ("text" | "textarea", _) => FieldType::Text,
        // Close numbers take decimals.
        ("number", _) => FieldType::Float,
        ("date" | "datetime", _) => FieldType::Date,
        ("choices", true) => FieldType::MultiSelect,
        ("choices", false) => FieldType::SingleSelect,
        // `user`, `contact` (references), `hidden` and anything newer.
        _ => FieldType::Other,
    }
}

/// A Close custom field definition as a unified one.
pub fn definition_from_wire(def: &CustomFieldDef) -> CustomFieldDefinition {
    CustomFieldDefinition {
        id: def.id.clone(),
        remote_id: def.id.clone(),
        name: def.name.clone(),
        description: def.description.clone().filter(|d| !d.is_empty()),
        kind: field_type(&def.field_type, def.accepts_multiple_values),
        source_type: def.field_type.clone(),
        options: def
            .choices
            .iter()
            .flatten()
            .map(|c| CustomFieldOption {
                id: c.clone(),
                value: c.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_types() {
        assert_eq!(field_type("number", false), FieldType::Float);
        assert_eq!(field_type("choices", true), FieldType::MultiSelect);
        assert_eq!(field_type("choices", false), FieldType::SingleSelect);
        assert_eq!(field_type("datetime", false), FieldType::Date);
        assert_eq!(field_type("user", false), FieldType::Other);
    }
}
