//! Zoho field metadata → custom-field definitions (pure).
//!
//! A field of `GET /crm/v8/settings/fields?module=…` has a `data_type` (`text`, `textarea`,
//! `email`, `phone`, `website`, `autonumber`, `integer`, `bigint`, `double`, `decimal`,
//! `currency`, `percent`, `date`, `datetime`, `boolean`, `picklist`, `multiselectpicklist`,
//! `lookup`, `ownerlookup`, `fileupload` … — Zoho's Fields Metadata API); custom fields are those
//! with `custom_field: true`. The definition keeps `data_type` as its `source_type`.

use serde_json::Value;
use unicrm_core::{CustomFieldDefinition, CustomFieldOption, FieldType};

use crate::wire::FieldMeta;

/// The unified type of a Zoho `data_type`.
pub fn field_type(data_type: &str) -> FieldType {
    match data_type {
        "text" | "textarea" | "email" | "phone" | "autonumber" => FieldType::Text,
        "website" => FieldType::Url,
        "integer" | "bigint" => FieldType::Integer,
        "double" | "decimal" | "currency" | "percent" => FieldType::Float,
        "date" | "datetime" => FieldType::Date,
        // Zoho's "Checkbox" field, typed `boolean` by the API.
        "boolean" => FieldType::Boolean,
        "picklist" => FieldType::SingleSelect,
        "multiselectpicklist" => FieldType::MultiSelect,
        // Lookups, file uploads, formulas …
        _ => FieldType::Other,
    }
}

/// The `custom_field: true` fields of a module as unified definitions.
pub fn custom_field_definitions_from_fields(fields: &[FieldMeta]) -> Vec<CustomFieldDefinition> {
    fields
        .iter()
        .filter(|f| f.custom_field)
        .map(|f| CustomFieldDefinition {
            id: f.api_name.clone(),
            remote_id: f.api_name.clone(),
            name: f
                .field_label
                .clone()
                .or_else(|| f.display_label.clone())
                .unwrap_or_else(|| f.api_name.clone()),
            description: f
                .tooltip
                .as_ref()
                .and_then(|t| t.get("value"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            kind: field_type(&f.data_type),
            source_type: f.data_type.clone(),
            options: f
                .pick_list_values
                .iter()
                .filter(|p| p.actual_value != "-None-")
                .map(|p| CustomFieldOption {
                    id: p.actual_value.clone(),
                    value: p.display_value.clone(),
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoho_types() {
        assert_eq!(field_type("double"), FieldType::Float);
        assert_eq!(field_type("bigint"), FieldType::Integer);
        assert_eq!(field_type("website"), FieldType::Url);
        assert_eq!(field_type("picklist"), FieldType::SingleSelect);
        assert_eq!(field_type("multiselectpicklist"), FieldType::MultiSelect);
        assert_eq!(field_type("lookup"), FieldType::Other);
    }
}
