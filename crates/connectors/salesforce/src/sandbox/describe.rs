//! `GET /sobjects/{Obj}/describe`: the object's fields, custom fields included.

use serde_json::{json, Value};

use super::org::Org;
use super::schema::{schema, Kind};
use crate::wire::SObjectType;

impl Org {
    /// `GET /sobjects/{Obj}/describe`.
    pub fn describe(&self, object: SObjectType) -> Value {
        let fields: Vec<Value> = schema(object)
            .into_iter()
            .map(|d| {
                let (kind, length) = match d.kind {
                    Kind::Id => ("id", 18),
                    Kind::Text => ("string", 255),
                    Kind::Picklist => ("picklist", 255),
                    Kind::Number => ("double", 0),
                    Kind::Bool => ("boolean", 0),
                    Kind::Date => ("date", 0),
                    Kind::DateTime => ("datetime", 0),
                    Kind::Reference(_) => ("reference", 18),
                };
                let reference_to: Vec<&str> = match d.kind {
                    Kind::Reference(targets) => targets.iter().map(|t| t.api_name()).collect(),
                    _ => Vec::new(),
                };
                let picklist: Vec<Value> = d
                    .picklist
                    .iter()
                    .map(|v| json!({"active": true, "defaultValue": false, "label": v, "validFor": null, "value": v}))
                    .collect();
                json!({
                    "name": d.name,
                    "label": d.label,
                    "type": kind,
                    "custom": d.custom,
                    "nillable": !d.required && d.kind != Kind::Id && d.kind != Kind::Bool,
                    "createable": d.writable,
                    "updateable": d.writable,
                    "length": length,
                    "picklistValues": picklist,
                    "referenceTo": reference_to,
                })
            })
            .collect();
        json!({
            "name": object.api_name(),
            "label": object.api_name(),
            "custom": false,
            "keyPrefix": object.key_prefix(),
            "createable": true,
            "updateable": true,
            "queryable": true,
            "fields": fields,
        })
    }
}
