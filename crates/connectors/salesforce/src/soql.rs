//! SOQL query building. Nothing a user sends is ever pasted into a query: field names are
//! checked against the API-name grammar, record ids must be 15 or 18 ASCII alphanumerics,
//! date-times are re-formatted from parsed values, and text goes through [`quote`], which applies
//! every escape sequence of "Quoted String Escape Sequences" (SOQL and SOSL Reference).
//!
//! The listing cursor ([`KeysetCursor`]) is keyset paging on `SystemModstamp, Id`: opaque to
//! users (the kit's cursor codec, `unicrm_core::raw::cursor`), validated field by field when it
//! comes back, and rendered into SOQL through the same literal functions, so a tampered cursor is rejected or at worst selects a
//! different (still well-formed) page.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use unicrm_core::raw::cursor::CursorCodec;

use crate::wire::SObjectType;

/// A value a user supplied that cannot go into SOQL; names the offending input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct SoqlError {
    /// Which input was wrong (a unified field path or `cursor`).
    pub field: String,
    /// Why it was refused.
    pub reason: String,
}

impl SoqlError {
    fn new(field: &str, reason: impl Into<String>) -> Self {
        SoqlError {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }
}

/// Escapes text for use between single quotes: `\\`, `\'`, `\"`, `\n`, `\r`, `\t`, `\b`, `\f`,
/// and any other control character as `\uXXXX`.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A quoted SOQL string literal: `'…'` with [`escape`] applied.
pub fn quote(value: &str) -> String {
    format!("'{}'", escape(value))
}

/// A quoted literal for the right side of `LIKE` that matches `value` literally: [`escape`] plus
/// `\%` and `\_`, the LIKE-only escapes.
pub fn quote_like_exact(value: &str) -> String {
    let escaped = escape(value).replace('%', "\\%").replace('_', "\\_");
    format!("'{escaped}'")
}

/// Checks that `id` is a Salesforce record id: 15 (case-sensitive) or 18 (case-safe) ASCII
/// letters and digits. `field` names the input in the error.
pub fn validate_id<'a>(field: &str, id: &'a str) -> Result<&'a str, SoqlError> {
    if (id.len() == 15 || id.len() == 18) && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(id)
    } else {
        Err(SoqlError::new(
            field,
            format!("`{id}` is not a Salesforce id (15 or 18 letters and digits)"),
        ))
    }
}

/// Checks that `id` is a record id of `object` (right key prefix).
pub fn validate_id_of<'a>(
    field: &str,
    id: &'a str,
    object: SObjectType,
) -> Result<&'a str, SoqlError> {
    let id = validate_id(field, id)?;
    if id.starts_with(object.key_prefix()) {
        Ok(id)
    } else {
        Err(SoqlError::new(
            field,
            format!(
                "`{id}` is not a {} id (those start with {})",
                object.api_name(),
                object.key_prefix()
            ),
        ))
    }
}

/// Checks a field API name (`Name`, `Loyalty_Score__c`, `Owner.Name`): letters, digits and
/// underscores, starting with a letter, dot-separated for relationship paths.
pub fn validate_field_name<'a>(field: &str, name: &'a str) -> Result<&'a str, SoqlError> {
    let ok = !name.is_empty()
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    if ok {
        Ok(name)
    } else {
        Err(SoqlError::new(
            field,
            format!("`{name}` is not a Salesforce field API name"),
        ))
    }
}

/// A SOQL dateTime literal in UTC with milliseconds, e.g. `2024-05-01T10:00:00.000Z` (unquoted,
/// "Date Formats and Date Literals in WHERE").
pub fn datetime_literal(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A SOQL date literal `YYYY-MM-DD` (unquoted).
pub fn date_literal(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// A right-hand value in a condition. Rendering always goes through the escaping functions.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// Text, quoted and escaped.
    Text(String),
    /// A record id (validated when the condition is built).
    Id(String),
    /// A date-time.
    DateTime(DateTime<Utc>),
    /// A date.
    Date(NaiveDate),
    /// A boolean.
    Bool(bool),
}

impl Literal {
    fn render(&self) -> String {
        match self {
            Literal::Text(text) | Literal::Id(text) => quote(text),
            Literal::DateTime(at) => datetime_literal(*at),
            Literal::Date(date) => date_literal(*date),
            Literal::Bool(b) => b.to_string(),
        }
    }
}

/// A `WHERE` condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `field = value`.
    Eq(String, Literal),
    /// `field > value`.
    Gt(String, Literal),
    /// `field >= value`.
    Ge(String, Literal),
    /// All of the conditions.
    And(Vec<Condition>),
    /// Any of the conditions (parenthesised).
    Or(Vec<Condition>),
}

impl Condition {
    /// `field = value` after checking the field name.
    pub fn eq(field: &str, value: Literal) -> Result<Condition, SoqlError> {
        validate_field_name("field", field)?;
        Ok(Condition::Eq(field.to_owned(), value))
    }

    /// `field > value` after checking the field name.
    pub fn gt(field: &str, value: Literal) -> Result<Condition, SoqlError> {
        validate_field_name("field", field)?;
        Ok(Condition::Gt(field.to_owned(), value))
    }

    /// `field >= value` after checking the field name.
    pub fn ge(field: &str, value: Literal) -> Result<Condition, SoqlError> {
        validate_field_name("field", field)?;
        Ok(Condition::Ge(field.to_owned(), value))
    }

    fn render(&self) -> String {
        match self {
            Condition::Eq(field, value) => format!("{field} = {}", value.render()),
            Condition::Ge(field, value) => format!("{field} >= {}", value.render()),
            Condition::Gt(field, value) => format!("{field} > {}", value.render()),
            Condition::And(all) => all
                .iter()
                .map(Condition::render)
                .collect::<Vec<_>>()
                .join(" AND "),
            Condition::Or(any) => format!(
                "({})",
                any.iter()
                    .map(|c| match c {
                        Condition::And(_) => format!("({})", c.render()),
                        _ => c.render(),
                    })
                    .collect::<Vec<_>>()
                    .join(" OR ")
            ),
        }
    }
}

/// A `SELECT … FROM … [WHERE …] [ORDER BY …] [LIMIT n]` statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    object: SObjectType,
    fields: Vec<String>,
    custom_fields: bool,
    condition: Option<Condition>,
    order_by: Vec<String>,
    limit: Option<u32>,
}

impl Select {
    /// Most rows a query with `FIELDS(CUSTOM)` may ask for ("FIELDS()": bounded to `LIMIT 200`).
    pub const FIELDS_CUSTOM_MAX_LIMIT: u32 = 200;

    /// Starts a select on `object` with the given fields (checked against the name grammar).
    pub fn new<'a>(
        object: SObjectType,
        fields: impl IntoIterator<Item = &'a str>,
    ) -> Result<Select, SoqlError> {
        let fields = fields
            .into_iter()
            .map(|f| validate_field_name("field", f).map(str::to_owned))
            .collect::<Result<Vec<_>, _>>()?;
        if fields.is_empty() {
            return Err(SoqlError::new("field", "a SELECT needs at least one field"));
        }
        Ok(Select {
            object,
            fields,
            custom_fields: false,
            condition: None,
            order_by: Vec::new(),
            limit: None,
        })
    }

    /// Adds `FIELDS(CUSTOM)` to the field list (every `__c` field the user may read).
    pub fn with_custom_fields(mut self) -> Select {
        self.custom_fields = true;
        self
    }

    /// Sets the `WHERE` condition.
    pub fn filter(mut self, condition: Condition) -> Select {
        self.condition = Some(condition);
        self
    }

    /// Sets `ORDER BY` (ascending) fields.
    pub fn order_by<'a>(
        mut self,
        fields: impl IntoIterator<Item = &'a str>,
    ) -> Result<Select, SoqlError> {
        self.order_by = fields
            .into_iter()
            .map(|f| validate_field_name("field", f).map(str::to_owned))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self)
    }

    /// Sets `LIMIT`; with `FIELDS(CUSTOM)` it is capped at 200.
    pub fn limit(mut self, limit: u32) -> Select {
        self.limit = Some(if self.custom_fields {
            limit.min(Self::FIELDS_CUSTOM_MAX_LIMIT)
        } else {
            limit
        });
        self
    }

    /// The SOQL text.
    pub fn to_soql(&self) -> String {
        let mut fields = self.fields.join(", ");
        if self.custom_fields {
            fields.push_str(", FIELDS(CUSTOM)");
        }
        let mut soql = format!("SELECT {fields} FROM {}", self.object.api_name());
        if let Some(condition) = &self.condition {
            soql.push_str(" WHERE ");
            soql.push_str(&condition.render());
        }
        if !self.order_by.is_empty() {
            soql.push_str(" ORDER BY ");
            soql.push_str(&self.order_by.join(", "));
        }
        let limit = match (self.limit, self.custom_fields) {
            (Some(limit), _) => Some(limit),
            // FIELDS(CUSTOM) is only accepted on bounded queries.
            (None, true) => Some(Self::FIELDS_CUSTOM_MAX_LIMIT),
            (None, false) => None,
        };
        if let Some(limit) = limit {
            soql.push_str(&format!(" LIMIT {limit}"));
        }
        soql
    }
}

/// The codec of Salesforce list cursors.
const CURSOR: CursorCodec = CursorCodec::new(crate::config::ID, 1);

/// Position after the last record of a page, in `ORDER BY SystemModstamp, Id` order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeysetCursor {
    /// Object the cursor belongs to (a cursor of another resource is refused).
    #[serde(rename = "o")]
    pub object: String,
    /// `SystemModstamp` of the last record returned.
    #[serde(rename = "t")]
    pub after_modstamp: DateTime<Utc>,
    /// `Id` of the last record returned.
    #[serde(rename = "i")]
    pub after_id: String,
}

impl KeysetCursor {
    /// Opaque text form (the kit's cursor codec over compact JSON).
    pub fn encode(&self) -> String {
        CURSOR.encode(self)
    }

    /// Reads a cursor handed back by a user, checking every member; refuses cursors of other
    /// objects or connectors, malformed ids and anything that is not our encoding.
    pub fn decode(text: &str, object: SObjectType) -> Result<KeysetCursor, SoqlError> {
        let bad = |reason: &str| SoqlError::new("cursor", reason);
        if text.len() > 512 {
            return Err(bad("is too long to be a cursor this connector issued"));
        }
        let cursor: KeysetCursor = CURSOR.decode(text).map_err(|e| match e {
            unicrm_core::Error::InvalidInput { reason, .. } => bad(&reason),
            _ => bad("is not a cursor this connector issued"),
        })?;
        if cursor.object != object.api_name() {
            return Err(bad(&format!(
                "belongs to a {} listing, not {}",
                cursor.object,
                object.api_name()
            )));
        }
        validate_id_of("cursor", &cursor.after_id, object)?;
        Ok(cursor)
    }

    /// The keyset condition: `(SystemModstamp > t OR (SystemModstamp = t AND Id > 'id'))`.
    pub fn condition(&self) -> Condition {
        Condition::Or(vec![
            Condition::Gt(
                "SystemModstamp".into(),
                Literal::DateTime(self.after_modstamp),
            ),
            Condition::And(vec![
                Condition::Eq(
                    "SystemModstamp".into(),
                    Literal::DateTime(self.after_modstamp),
                ),
                Condition::Gt("Id".into(), Literal::Id(self.after_id.clone())),
            ]),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn quote_escapes_every_documented_sequence() {
        assert_eq!(quote("Bob's BBQ"), r"'Bob\'s BBQ'");
        assert_eq!(quote(r"back\slash"), r"'back\\slash'");
        assert_eq!(quote("say \"hi\""), r#"'say \"hi\"'"#);
        assert_eq!(quote("a\nb\rc\td"), r"'a\nb\rc\td'");
        assert_eq!(quote("\u{8}\u{c}\u{1}"), r"'\b\f\u0001'");
        assert_eq!(quote("100%_done"), "'100%_done'");
        assert_eq!(quote_like_exact("100%_done"), r"'100\%\_done'");
    }

    #[test]
    fn injection_through_a_value_stays_inside_the_literal() {
        let attack = "x' OR Name != '";
        let select = Select::new(SObjectType::Account, ["Id", "Name"])
            .expect("fields")
            .filter(Condition::eq("Name", Literal::Text(attack.into())).expect("field"))
            .limit(1);
        assert_eq!(
            select.to_soql(),
            r"SELECT Id, Name FROM Account WHERE Name = 'x\' OR Name != \'' LIMIT 1"
        );
        // A backslash cannot be used to swallow the escape of the closing quote.
        let sneaky = r"x\' OR Name != '";
        assert_eq!(quote(sneaky), r"'x\\\' OR Name != \''");
    }

    #[test]
    fn ids_and_field_names_are_checked() {
        assert!(validate_id("id", "001D000000IqhSLIAZ").is_ok());
        assert!(validate_id("id", "001D000000IqhSL").is_ok());
        assert!(validate_id("id", "001D000000IqhSL'").is_err());
        assert!(validate_id("id", "001' OR Id != '0").is_err());
        assert!(validate_id_of("id", "001D000000IqhSLIAZ", SObjectType::Contact).is_err());
        assert!(validate_field_name("f", "Loyalty_Score__c").is_ok());
        assert!(validate_field_name("f", "Owner.Name").is_ok());
        assert!(validate_field_name("f", "Name FROM User").is_err());
        assert!(validate_field_name("f", "_x").is_err());
        assert!(Select::new(SObjectType::Contact, ["Id, (SELECT Id FROM Cases)"]).is_err());
    }

    #[test]
    fn keyset_query_renders_with_formatted_timestamps() {
        let cursor = KeysetCursor {
            object: "Contact".into(),
            after_modstamp: Utc
                .with_ymd_and_hms(2024, 5, 1, 10, 0, 0)
                .single()
                .expect("ts"),
            after_id: "003D000000QV9n2IAD".into(),
        };
        let soql = Select::new(SObjectType::Contact, ["Id", "Owner.Name"])
            .expect("fields")
            .with_custom_fields()
            .filter(cursor.condition())
            .order_by(["SystemModstamp", "Id"])
            .expect("order")
            .limit(500)
            .to_soql();
        assert_eq!(
            soql,
            "SELECT Id, Owner.Name, FIELDS(CUSTOM) FROM Contact WHERE (SystemModstamp > \
             2024-05-01T10:00:00.000Z OR (SystemModstamp = 2024-05-01T10:00:00.000Z AND Id > \
             '003D000000QV9n2IAD')) ORDER BY SystemModstamp, Id LIMIT 200"
        );
    }

    #[test]
    fn cursor_round_trips_and_tampering_is_refused() {
        let cursor = KeysetCursor {
            object: "Lead".into(),
            after_modstamp: Utc
                .with_ymd_and_hms(2024, 5, 1, 10, 0, 0)
                .single()
                .expect("ts"),
            after_id: "00QD000000QV9n2IAD".into(),
        };
        let text = cursor.encode();
        assert_eq!(
            KeysetCursor::decode(&text, SObjectType::Lead),
            Ok(cursor.clone())
        );
        assert!(KeysetCursor::decode(&text, SObjectType::Contact).is_err());
        let forge =
            |state: &str| CURSOR.encode(&serde_json::from_str::<serde_json::Value>(state).unwrap());
        let forged = forge(r#"{"o":"Lead","t":"2024-05-01T10:00:00Z","i":"00Q' OR Name != '"}"#);
        assert_eq!(
            KeysetCursor::decode(&forged, SObjectType::Lead).map_err(|e| e.field),
            Err("cursor".to_owned())
        );
        let forged_time =
            forge(r#"{"o":"Lead","t":"2024 OR Id != null","i":"00QD000000QV9n2IAD"}"#);
        assert!(KeysetCursor::decode(&forged_time, SObjectType::Lead).is_err());
        assert!(KeysetCursor::decode("not a cursor!", SObjectType::Lead).is_err());
        let other = unicrm_core::raw::cursor::CursorCodec::new("zoho", 1).encode(&cursor);
        assert!(KeysetCursor::decode(&other, SObjectType::Lead).is_err());
    }
}
