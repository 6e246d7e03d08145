//! Salesforce describe fields → custom-field definitions (pure).
//!
//! A describe field has a `type` (`FieldType` of the SOAP/REST describe: `string`, `textarea`,
//! `email`, `phone`, `url`, `encryptedstring`, `double`, `currency`, `percent`, `int`, `long`,
//! `date`, `datetime`, `time`, `boolean`, `picklist`, `multipicklist`, `reference`, `location` …);
//! custom fields are those with `custom: true` (API names ending in `__c`). The definition keeps
//! `type` as its `source_type`.

use unicrm_core::{CustomFieldDefinition, CustomFieldOption, FieldType};

use crate::wire::DescribeSObjectResult;

/// The unified type of a Salesforce describe `type`.
pub fn field_type(kind: &str) -> FieldType {
    match kind {
        "string" | "textarea" | "email" | "phone" | "encryptedstring" => FieldType::Text,
        "url" => FieldType::Url,
        "double" | "currency" | "percent" => FieldType::Float,
        "int" | "long" => FieldType::Integer,
        "date" | "datetime" => FieldType::Date,
        // Shown as "Checkbox" in Setup, typed `boolean` by the API.
        "boolean" => FieldType::Boolean,
        "picklist" => FieldType::SingleSelect,
        "multipicklist" => FieldType::MultiSelect,
        // `reference` (lookups), `time`, `location`, `address` …
        _ => FieldType::Other,
    }
}

/// The `custom: true` fields of a describe result as unified definitions.
pub fn custom_field_definitions_from_describe(
    describe: &DescribeSObjectResult,
) -> Vec<CustomFieldDefinition> {
    describe
        .fields
        .iter()
        .filter(|f| f.custom)
        .map(|f| CustomFieldDefinition {
            id: f.name.clone(),
            remote_id: f.name.clone(),
            name: f.label.clone().unwrap_or_else(|| f.name.clone()),
            description: None,
            kind: field_type(&f.field_type),
            source_type: f.field_type.clone(),
            options: f
                .picklist_values
                .iter()
                .filter(|p| p.active)
                .map(|p| CustomFieldOption {
                    id: p.value.clone(),
                    value: p.label.clone().unwrap_or_else(|| p.value.clone()),
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_types() {
        assert_eq!(field_type("double"), FieldType::Float);
        assert_eq!(field_type("int"), FieldType::Integer);
        assert_eq!(field_type("url"), FieldType::Url);
        assert_eq!(field_type("picklist"), FieldType::SingleSelect);
        assert_eq!(field_type("multipicklist"), FieldType::MultiSelect);
        assert_eq!(field_type("reference"), FieldType::Other);
    }
}
