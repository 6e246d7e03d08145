//! The SOQL subset the emulator understands, parsed properly (tokenizer + recursive descent),
//! and its evaluation over in-memory records.
//!
//! Accepted: `SELECT <fields | Rel.Field | FIELDS(CUSTOM|STANDARD|ALL)> FROM <Object>
//! [WHERE <cond>] [ORDER BY <field> [ASC|DESC], …] [LIMIT n]`, where `<cond>` combines
//! `field <op> literal` (`=`, `!=`, `>`, `>=`, `<`, `<=`) with `AND`, `OR` and parentheses, and
//! literals are quoted strings (with SOQL's escape sequences), dateTimes, dates, numbers,
//! `true`/`false`/`null`. Anything else is refused with the parse error Salesforce would give
//! (`MALFORMED_QUERY`).

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

/// A refused query: Salesforce's error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// `MALFORMED_QUERY` or `INVALID_FIELD`.
    pub code: &'static str,
    /// Message in Salesforce's style.
    pub message: String,
}

fn malformed(message: impl Into<String>) -> QueryError {
    QueryError {
        code: "MALFORMED_QUERY",
        message: message.into(),
    }
}

/// One selected item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectItem {
    /// A field of the object (`Name`).
    Field(String),
    /// A field of a parent through a relationship (`Owner.Name`).
    Relationship(String, String),
    /// `FIELDS(CUSTOM)`.
    CustomFields,
    /// `FIELDS(STANDARD)`.
    StandardFields,
    /// `FIELDS(ALL)`.
    AllFields,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    /// `'text'`, escapes resolved.
    Text(String),
    /// `2024-01-01T00:00:00Z`.
    DateTime(DateTime<Utc>),
    /// `2024-01-01`.
    Date(NaiveDate),
    /// `12.5`.
    Number(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// A `WHERE` expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `field op literal` (`field` may be `Rel.Field`).
    Compare(String, Op, Lit),
    /// `a AND b AND …`
    And(Vec<Expr>),
    /// `a OR b OR …`
    Or(Vec<Expr>),
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// Selected items in order.
    pub select: Vec<SelectItem>,
    /// Object name after `FROM`.
    pub from: String,
    /// `WHERE`, if any.
    pub filter: Option<Expr>,
    /// `ORDER BY` fields with `true` for descending.
    pub order_by: Vec<(String, bool)>,
    /// `LIMIT`, if any.
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(String),
    Comma,
    LParen,
    RParen,
    Op(Op),
}

fn tokenize(input: &str) -> Result<Vec<Tok>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            '(' => {
                out.push(Tok::LParen);
                i += 1
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1
            }
            '=' => {
                out.push(Tok::Op(Op::Eq));
                i += 1
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                out.push(Tok::Op(Op::Ne));
                i += 2
            }
            '<' if chars.get(i + 1) == Some(&'>') => {
                out.push(Tok::Op(Op::Ne));
                i += 2
            }
            '<' | '>' => {
                let eq = chars.get(i + 1) == Some(&'=');
                out.push(Tok::Op(match (c, eq) {
                    ('<', true) => Op::Le,
                    ('<', false) => Op::Lt,
                    (_, true) => Op::Ge,
                    (_, false) => Op::Gt,
                }));
                i += if eq { 2 } else { 1 };
            }
            '\'' => {
                i += 1;
                let mut text = String::new();
                loop {
                    let Some(&c) = chars.get(i) else {
                        return Err(malformed("unterminated string literal"));
                    };
                    i += 1;
                    match c {
                        '\'' => break,
                        '\\' => {
                            let Some(&e) = chars.get(i) else {
                                return Err(malformed("unterminated string literal"));
                            };
                            i += 1;
                            match e {
                                'n' | 'N' => text.push('\n'),
                                'r' | 'R' => text.push('\r'),
                                't' | 'T' => text.push('\t'),
                                'b' | 'B' => text.push('\u{8}'),
                                'f' | 'F' => text.push('\u{c}'),
                                '"' | '\'' | '\\' => text.push(e),
                                // LIKE-only escapes are kept verbatim: this subset has no LIKE,
                                // so they can only mean a literal `\%` / `\_` pair.
                                '%' | '_' => {
                                    return Err(malformed(format!(
                                        "Invalid string literal: \\{e} is only valid in LIKE"
                                    )))
                                }
                                'u' => {
                                    let hex: String = chars.iter().skip(i).take(4).collect();
                                    let code = u32::from_str_radix(&hex, 16)
                                        .ok()
                                        .filter(|_| hex.len() == 4)
                                        .and_then(char::from_u32)
                                        .ok_or_else(|| malformed("Invalid unicode escape"))?;
                                    text.push(code);
                                    i += 4;
                                }
                                other => {
                                    return Err(malformed(format!(
                                        "Invalid string literal: unknown escape \\{other}"
                                    )))
                                }
                            }
                        }
                        c => text.push(c),
                    }
                }
                out.push(Tok::Str(text));
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || matches!(chars[i], '-' | ':' | '.' | '+'))
                {
                    i += 1;
                }
                out.push(Tok::Num(chars[start..i].iter().collect()));
            }
            c if c.is_ascii_alphabetic() => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '_' | '.'))
                {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
            }
            other => return Err(malformed(format!("unexpected token: '{other}'"))),
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let tok = self.toks.get(self.pos).cloned();
        self.pos += 1;
        tok
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(word))
    }

    fn expect_keyword(&mut self, word: &str) -> Result<(), QueryError> {
        if self.keyword(word) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(&format!("expecting '{word}'")))
        }
    }

    fn unexpected(&self, what: &str) -> QueryError {
        match self.peek() {
            Some(tok) => malformed(format!("unexpected token: {} ({what})", describe(tok))),
            None => malformed(format!("unexpected end of query ({what})")),
        }
    }

    fn ident(&mut self, what: &str) -> Result<String, QueryError> {
        match self.peek() {
            Some(Tok::Ident(name)) if is_path(name) && !is_reserved(name) => {
                let name = name.clone();
                self.pos += 1;
                Ok(name)
            }
            _ => Err(self.unexpected(what)),
        }
    }

    fn select_item(&mut self) -> Result<SelectItem, QueryError> {
        if self.keyword("FIELDS") && self.toks.get(self.pos + 1) == Some(&Tok::LParen) {
            self.pos += 2;
            let which = match self.next() {
                Some(Tok::Ident(w)) => w.to_ascii_uppercase(),
                _ => return Err(malformed("FIELDS() takes ALL, CUSTOM or STANDARD")),
            };
            if self.next() != Some(Tok::RParen) {
                return Err(malformed("FIELDS() takes ALL, CUSTOM or STANDARD"));
            }
            return match which.as_str() {
                "CUSTOM" => Ok(SelectItem::CustomFields),
                "STANDARD" => Ok(SelectItem::StandardFields),
                "ALL" => Ok(SelectItem::AllFields),
                _ => Err(malformed("FIELDS() takes ALL, CUSTOM or STANDARD")),
            };
        }
        let path = self.ident("expecting a field name")?;
        Ok(match path.split_once('.') {
            Some((rel, field)) => SelectItem::Relationship(rel.to_owned(), field.to_owned()),
            None => SelectItem::Field(path),
        })
    }

    fn or_expr(&mut self) -> Result<Expr, QueryError> {
        let mut parts = vec![self.and_expr()?];
        while self.keyword("OR") {
            self.pos += 1;
            parts.push(self.and_expr()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and_expr(&mut self) -> Result<Expr, QueryError> {
        let mut parts = vec![self.atom()?];
        while self.keyword("AND") {
            self.pos += 1;
            parts.push(self.atom()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    fn atom(&mut self) -> Result<Expr, QueryError> {
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let inner = self.or_expr()?;
            if self.next() != Some(Tok::RParen) {
                return Err(malformed("expecting ')'"));
            }
            return Ok(inner);
        }
        let field = self.ident("expecting a field name")?;
        let op = match self.next() {
            Some(Tok::Op(op)) => op,
            _ => {
                self.pos -= 1;
                return Err(self.unexpected("expecting a comparison operator"));
            }
        };
        let lit = match self.next() {
            Some(Tok::Str(text)) => Lit::Text(text),
            Some(Tok::Num(text)) => parse_number_like(&text)?,
            Some(Tok::Ident(word)) if word.eq_ignore_ascii_case("true") => Lit::Bool(true),
            Some(Tok::Ident(word)) if word.eq_ignore_ascii_case("false") => Lit::Bool(false),
            Some(Tok::Ident(word)) if word.eq_ignore_ascii_case("null") => Lit::Null,
            _ => {
                self.pos -= 1;
                return Err(self.unexpected("expecting a value"));
            }
        };
        Ok(Expr::Compare(field, op, lit))
    }
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Ident(w) | Tok::Num(w) => format!("'{w}'"),
        Tok::Str(s) => format!("'{s}'"),
        Tok::Comma => "','".into(),
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::Op(_) => "operator".into(),
    }
}

fn is_path(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() <= 2
        && parts.iter().all(|p| {
            let mut cs = p.chars();
            matches!(cs.next(), Some(c) if c.is_ascii_alphabetic())
                && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

const RESERVED: [&str; 20] = [
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "ORDER", "BY", "LIMIT", "OFFSET", "GROUP",
    "HAVING", "LIKE", "IN", "INCLUDES", "EXCLUDES", "WITH", "ASC", "DESC", "NULLS",
];

fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}

fn parse_number_like(text: &str) -> Result<Lit, QueryError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(Lit::DateTime(at.with_timezone(&Utc)));
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(Lit::Date(date));
    }
    text.parse::<f64>()
        .map(Lit::Number)
        .map_err(|_| malformed(format!("unexpected token: '{text}'")))
}

/// Parses a query of the supported subset.
pub fn parse(soql: &str) -> Result<Query, QueryError> {
    let mut p = Parser {
        toks: tokenize(soql)?,
        pos: 0,
    };
    p.expect_keyword("SELECT")?;
    let mut select = vec![p.select_item()?];
    while p.peek() == Some(&Tok::Comma) {
        p.pos += 1;
        select.push(p.select_item()?);
    }
    p.expect_keyword("FROM")?;
    let from = p.ident("expecting an object name")?;
    if from.contains('.') {
        return Err(malformed(format!("unexpected token: '{from}'")));
    }
    let filter = if p.keyword("WHERE") {
        p.pos += 1;
        Some(p.or_expr()?)
    } else {
        None
    };
    let mut order_by = Vec::new();
    if p.keyword("ORDER") {
        p.pos += 1;
        p.expect_keyword("BY")?;
        loop {
            let field = p.ident("expecting a field name")?;
            let desc = if p.keyword("DESC") {
                p.pos += 1;
                true
            } else {
                if p.keyword("ASC") {
                    p.pos += 1;
                }
                false
            };
            order_by.push((field, desc));
            if p.peek() == Some(&Tok::Comma) {
                p.pos += 1;
            } else {
                break;
            }
        }
    }
    let limit = if p.keyword("LIMIT") {
        p.pos += 1;
        match p.next() {
            Some(Tok::Num(n)) => Some(
                n.parse::<usize>()
                    .map_err(|_| malformed(format!("unexpected token: '{n}'")))?,
            ),
            _ => return Err(malformed("expecting a number after LIMIT")),
        }
    } else {
        None
    };
    if p.peek().is_some() {
        return Err(p.unexpected("expecting end of query"));
    }
    let bounded_fields = select
        .iter()
        .any(|s| matches!(s, SelectItem::CustomFields | SelectItem::AllFields));
    if bounded_fields && limit.is_none_or(|l| l > 200) {
        return Err(malformed(
            "The SOQL FIELDS function must have a LIMIT of at most 200",
        ));
    }
    Ok(Query {
        select,
        from,
        filter,
        order_by,
        limit,
    })
}

/// Field values read through a record: `get("Name")`, `get("Owner.Name")`.
pub trait RecordView {
    /// The value of `path`, `Null` when empty.
    fn get(&self, path: &str) -> Value;
}

/// Compares a stored value with a literal; `None` when they are not comparable.
fn compare(value: &Value, lit: &Lit) -> Option<Ordering> {
    match (value, lit) {
        (Value::Null, Lit::Null) => Some(Ordering::Equal),
        (Value::Null, _) | (_, Lit::Null) => None,
        (Value::String(s), Lit::DateTime(at)) => parse_stored_datetime(s).map(|v| v.cmp(at)),
        (Value::String(s), Lit::Date(d)) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .map(|v| v.cmp(d)),
        (Value::String(s), Lit::Text(t)) => Some(s.cmp(t)),
        (Value::Number(n), Lit::Number(x)) => n.as_f64().and_then(|v| v.partial_cmp(x)),
        (Value::Bool(b), Lit::Bool(x)) => Some(b.cmp(x)),
        _ => None,
    }
}

/// Parses a dateTime as Salesforce stores it (`2024-01-01T00:00:00.000+0000`) or RFC 3339.
pub fn parse_stored_datetime(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// Whether a record satisfies an expression.
pub fn matches(expr: &Expr, record: &dyn RecordView) -> bool {
    match expr {
        Expr::Compare(field, op, lit) => {
            let value = record.get(field);
            // Text equality in SOQL ignores case.
            let ordering = match (&value, lit, op) {
                (Value::String(s), Lit::Text(t), Op::Eq | Op::Ne) => {
                    Some(s.to_lowercase().cmp(&t.to_lowercase()))
                }
                _ => compare(&value, lit),
            };
            match (op, ordering) {
                (Op::Ne, None) => !matches!((&value, lit), (Value::Null, Lit::Null)),
                (_, None) => false,
                (Op::Eq, Some(o)) => o == Ordering::Equal,
                (Op::Ne, Some(o)) => o != Ordering::Equal,
                (Op::Gt, Some(o)) => o == Ordering::Greater,
                (Op::Ge, Some(o)) => o != Ordering::Less,
                (Op::Lt, Some(o)) => o == Ordering::Less,
                (Op::Le, Some(o)) => o != Ordering::Greater,
            }
        }
        Expr::And(all) => all.iter().all(|e| matches(e, record)),
        Expr::Or(any) => any.iter().any(|e| matches(e, record)),
    }
}

/// Orders two stored values for `ORDER BY` (nulls first, like Salesforce's ascending default).
pub fn order_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::String(x), Value::String(y)) => {
            match (parse_stored_datetime(x), parse_stored_datetime(y)) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => x.cmp(y),
            }
        }
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// Every field path a query mentions (select list, where, order by), for validation.
pub fn referenced_paths(query: &Query) -> Vec<String> {
    fn walk(expr: &Expr, out: &mut Vec<String>) {
        match expr {
            Expr::Compare(field, _, _) => out.push(field.clone()),
            Expr::And(all) | Expr::Or(all) => all.iter().for_each(|e| walk(e, out)),
        }
    }
    let mut out = Vec::new();
    for item in &query.select {
        match item {
            SelectItem::Field(f) => out.push(f.clone()),
            SelectItem::Relationship(r, f) => out.push(format!("{r}.{f}")),
            _ => {}
        }
    }
    if let Some(filter) = &query.filter {
        walk(filter, &mut out);
    }
    out.extend(query.order_by.iter().map(|(f, _)| f.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_the_connector_emits() {
        let q = parse(
            "SELECT Id, Owner.Name, FIELDS(CUSTOM) FROM Contact WHERE (SystemModstamp > \
             2024-05-01T10:00:00.000Z OR (SystemModstamp = 2024-05-01T10:00:00.000Z AND Id > \
             '003D000000QV9n2IAD')) AND SystemModstamp > 2024-01-01T00:00:00.000Z ORDER BY \
             SystemModstamp, Id LIMIT 200",
        )
        .expect("parsed");
        assert_eq!(q.from, "Contact");
        assert_eq!(
            q.select,
            vec![
                SelectItem::Field("Id".into()),
                SelectItem::Relationship("Owner".into(), "Name".into()),
                SelectItem::CustomFields
            ]
        );
        assert_eq!(q.limit, Some(200));
        assert!(matches!(q.filter, Some(Expr::And(ref parts)) if parts.len() == 2));
    }

    #[test]
    fn escapes_resolve_and_injection_stays_a_literal() {
        let q = parse(r"SELECT Id FROM Account WHERE Name = 'x\' OR Name != \'' LIMIT 1")
            .expect("parsed");
        assert_eq!(
            q.filter,
            Some(Expr::Compare(
                "Name".into(),
                Op::Eq,
                Lit::Text("x' OR Name != '".into())
            ))
        );
    }

    #[test]
    fn refuses_what_it_does_not_support() {
        for bad in [
            "SELECT Id FROM Contact WHERE Name LIKE 'a%'",
            "SELECT Id FROM Contact WHERE Name IN ('a')",
            "SELECT Id, (SELECT Id FROM Cases) FROM Account",
            "SELECT Id FROM Contact LIMIT 5 OFFSET 5",
            "SELECT FIELDS(CUSTOM) FROM Contact",
            "SELECT Id FROM Contact WHERE Name = 'unterminated",
            "SELECT Id FROM Contact WHERE Name = 'a' OR",
            "SELECT Id FRM Contact",
            "DELETE FROM Contact",
        ] {
            let err = parse(bad).expect_err(bad);
            assert_eq!(err.code, "MALFORMED_QUERY", "{bad}");
        }
    }
}
