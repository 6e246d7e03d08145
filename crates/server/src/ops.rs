//! One connector call, whichever dialect asked for it.

use crate::state::Target;
use serde_json::{Map, Value};
use unicrm_core::{Context, ListQuery, Operation, Page, Record, Resource, Result};

/// What to do.
#[derive(Debug)]
pub enum Op {
    /// Create a record.
    Create(Record),
    /// Read a record.
    Get(String),
    /// List a page.
    List(ListQuery),
    /// Patch a record.
    Update(String, Record),
    /// Delete a record.
    Delete(String),
}

impl Op {
    /// The operation kind.
    pub fn operation(&self) -> Operation {
        match self {
            Op::Create(_) => Operation::Create,
            Op::Get(_) => Operation::Get,
            Op::List(_) => Operation::List,
            Op::Update(..) => Operation::Update,
            Op::Delete(_) => Operation::Delete,
        }
    }
}

/// What came back.
#[derive(Debug)]
pub enum Outcome {
    /// One record.
    One(Box<Record>),
    /// A page.
    Many(Page<Record>),
    /// The id deleted.
    Deleted(String),
}

/// Runs `op` on `resource`; an operation the connector does not declare is `Unsupported` (501)
/// before any provider call.
pub async fn run(target: &Target, cx: &Context, resource: Resource, op: Op) -> Result<Outcome> {
    let c = &target.connector;
    c.info().check(resource, op.operation())?;
    Ok(match op {
        Op::Create(r) => Outcome::One(Box::new(c.create(cx, r).await?)),
        Op::Get(id) => Outcome::One(Box::new(c.get(cx, resource, &id).await?)),
        Op::List(q) => Outcome::Many(c.list(cx, resource, &q).await?),
        Op::Update(id, r) => Outcome::One(Box::new(c.update(cx, &id, r).await?)),
        Op::Delete(id) => {
            c.delete(cx, resource, &id).await?;
            Outcome::Deleted(id)
        }
    })
}

/// The project's custom fields of `record`, named by the account's field mapping
/// (`{"my_field": "provider_field"}`, or per resource `{"contact": {"my_field": "…"}}`).
/// `None` when the account maps nothing for this resource.
pub fn unified_custom_fields(
    mapping: &Map<String, Value>,
    record: &Record,
) -> Option<Map<String, Value>> {
    let resource = record.resource();
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for (name, target) in mapping {
        match target {
            Value::String(field) => pairs.push((name, field)),
            Value::Object(inner) if name == resource.as_str() || name == resource.plural() => {
                for (n, t) in inner {
                    if let Value::String(field) = t {
                        pairs.push((n, field));
                    }
                }
            }
            _ => {}
        }
    }
    if pairs.is_empty() {
        return None;
    }
    let mut out = Map::new();
    for (name, field) in pairs {
        out.insert(
            name.to_owned(),
            provider_value(record, field).unwrap_or(Value::Null),
        );
    }
    Some(out)
}

/// The value of provider field `field` on `record`: a custom field targeting it, else the
/// provider's payload (top level, or one object level down, e.g. HubSpot `properties`).
fn provider_value(record: &Record, field: &str) -> Option<Value> {
    if let Some(c) = record.custom_fields().iter().find(|c| {
        c.target() == Some(field)
            || c.name.as_deref() == Some(field)
            || c.id.as_deref() == Some(field)
    }) {
        return Some(c.value.clone());
    }
    let raw = record.raw()?.as_object()?;
    if let Some(v) = raw.get(field) {
        return Some(v.clone());
    }
    raw.values()
        .filter_map(Value::as_object)
        .find_map(|o| o.get(field).cloned())
}
