//! The two public API dialects, as serde views over the core model.
//!
//! * [`unified`]: snake_case bodies as on StackOne's CRM API (`/unified/crm/contacts`).
//! * [`v1`]: camelCase bodies in a `{success, statusCode, message, data}` envelope (`/api/v1/contact`).
//!
//! What is here is what an embedder needs: parsing a dialect's request body into the model and a
//! record's view in a dialect ([`render`], [`v1::view`]). The envelopes around those views and
//! the dialects' error bodies are the gateway's (`unicrm_server::render`).
//!
//! Parsing is strict: a wrong type, an unknown field or invalid JSON is an
//! [`Error::InvalidInput`] whose `field` is the JSON path (`emails[1]`, `address.city`).

pub mod unified;
pub mod v1;

use crate::error::{Error, Result};
use crate::model::EnumValue;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize, Serializer};

/// The dialects unicrm speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// snake_case, StackOne-style.
    Unified,
    /// camelCase, `{success, statusCode, message, data}` envelope.
    V1,
}

/// Parses `bytes` as `T`, naming the JSON path of the first problem.
///
/// Well-formed input is parsed once, without path tracking; only input that fails is parsed a
/// second time with `serde_path_to_error` to name the path (deserializing is deterministic, so
/// the second pass fails at the same place).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    if let Ok(value) = serde_json::from_slice::<T>(bytes) {
        return Ok(value);
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        path_error(&path, &inner)
    })?;
    Ok(value)
}

/// Parses a JSON value as `T`, naming the JSON path of the first problem.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        path_error(&path, &inner)
    })
}

fn path_error(path: &str, inner: &serde_json::Error) -> Error {
    let msg = inner.to_string();
    let path = if path == "." || path == "?" { "" } else { path };
    // serde names an unknown field in its message; put it into the path.
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        if let Some(end) = rest.find('`') {
            let name = &rest[..end];
            // An empty key still gets a visible path.
            let name = if name.is_empty() { "[\"\"]" } else { name };
            // serde_path_to_error already ends the path with the unknown key; add it if not.
            let field = if path.is_empty() {
                name.to_owned()
            } else if path == name || path.ends_with(&format!(".{name}")) {
                path.to_owned()
            } else {
                format!("{path}.{name}")
            };
            return Error::invalid(field, format!("unknown field; {}", strip_position(&msg)));
        }
    }
    if inner.is_syntax() || inner.is_eof() {
        return Error::invalid(
            if path.is_empty() { "body" } else { path },
            format!("invalid JSON: {msg}"),
        );
    }
    Error::invalid(
        if path.is_empty() { "body" } else { path },
        strip_position(&msg),
    )
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

/// An enumerated value on input: a plain string or `{value, source_value}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum EnumInput {
    /// A plain string: a unified value, or a provider value the connector passes on.
    Plain(String),
    /// Both parts.
    Full {
        /// Unified value.
        value: Option<String>,
        /// Provider value.
        source_value: Option<String>,
    },
}

impl EnumInput {
    /// Into the core value. A plain string is taken as the unified value; connectors send a value
    /// they do not know as the provider's own value, so nothing is lost.
    pub fn into_core(self) -> EnumValue {
        match self {
            EnumInput::Plain(v) => EnumValue::unified(v),
            EnumInput::Full {
                value,
                source_value,
            } => EnumValue {
                value,
                source_value,
            },
        }
    }
}

/// Serializes an optional timestamp as `2021-01-01T01:01:01.000Z`.
pub fn ser_ts<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&crate::model::format_timestamp(t)),
        None => s.serialize_none(),
    }
}

/// Serializes an optional decimal as a JSON number.
pub fn ser_decimal<S: Serializer>(
    d: &Option<rust_decimal::Decimal>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use rust_decimal::prelude::ToPrimitive;
    match d {
        Some(d) => match d.to_i64().filter(|i| rust_decimal::Decimal::from(*i) == *d) {
            Some(i) => s.serialize_i64(i),
            None => match d.to_f64() {
                Some(f) => s.serialize_f64(f),
                None => s.serialize_str(&d.to_string()),
            },
        },
        None => s.serialize_none(),
    }
}

/// Serializes an `EnumValue` as a plain string (unified value, else provider value).
pub fn ser_enum_plain<S: Serializer>(e: &Option<&EnumValue>, s: S) -> Result<S::Ok, S::Error> {
    match e.and_then(|e| e.as_str()) {
        Some(v) => s.serialize_str(v),
        None => s.serialize_none(),
    }
}

/// `{value, source_value}` view of an enum for output.
#[derive(Debug, Clone, Serialize)]
pub struct EnumOutput {
    /// Unified value.
    pub value: Option<String>,
    /// Provider value.
    pub source_value: Option<String>,
}

impl From<&EnumValue> for EnumOutput {
    fn from(e: &EnumValue) -> Self {
        EnumOutput {
            value: e.value.clone(),
            source_value: e.source_value.clone(),
        }
    }
}

/// Parses a request body of `resource` in `dialect` into a core record.
pub fn parse_request(
    dialect: Dialect,
    resource: crate::model::Resource,
    bytes: &[u8],
) -> Result<crate::model::Record> {
    match dialect {
        Dialect::Unified => unified::parse_request(resource, bytes),
        Dialect::V1 => v1::parse_request(resource, bytes),
    }
}

/// Merges a primary single value (`email`) with a list (`emails`): primary first, no duplicates.
pub(crate) fn merge_primary(one: Option<String>, many: Option<Vec<String>>) -> Option<Vec<String>> {
    match (one, many) {
        (None, many) => many,
        (Some(one), None) => Some(vec![one]),
        (Some(one), Some(many)) => {
            let mut out = vec![one.clone()];
            out.extend(many.into_iter().filter(|m| *m != one));
            Some(out)
        }
    }
}

/// What `unicrm map` and the mapping snapshot tests do with a request body: parse it in
/// `dialect`, then map it with the connector's pure `to_provider` — the exact provider body.
pub fn request_to_provider(
    connector: &dyn crate::Connector,
    dialect: Dialect,
    resource: crate::model::Resource,
    bytes: &[u8],
) -> Result<serde_json::Value> {
    let record = parse_request(dialect, resource, bytes)?;
    connector.to_provider(&record)
}

/// What `unicrm map --from provider` and the snapshot tests do with a provider record: map it
/// with the connector's pure `from_provider`, then render it in `dialect`.
pub fn provider_to_dialect(
    connector: &dyn crate::Connector,
    resource: crate::model::Resource,
    payload: &serde_json::Value,
    dialect: Dialect,
) -> Result<serde_json::Value> {
    let record = connector.from_provider(resource, payload)?;
    Ok(render(dialect, &record))
}

/// Renders a record in `dialect` (dialect "unified" without project custom-field names).
pub fn render(dialect: Dialect, record: &crate::model::Record) -> serde_json::Value {
    match dialect {
        Dialect::Unified => unified::render(record, None),
        Dialect::V1 => v1::render(record),
    }
}
