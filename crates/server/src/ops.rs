//! One connector call, whichever dialect asked for it.

use crate::state::Target;
use serde_json::{Map, Value};
use std::time::Duration;
use unicrm_core::lookup::{fields_sent, Lookup};
use unicrm_core::{Context, Error, ListQuery, Operation, Page, Record, Recorder, Resource, Result};

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

/// How a create under an `Idempotency-Key` avoids creating twice (see [`create_once`]).
#[derive(Debug, Clone)]
pub struct CreateGuard {
    /// Set when an earlier request with the key may already have sent the create.
    pub resume: Option<Resume>,
    /// Records this request's provider calls: it tells a lost answer from a refused one.
    pub recorder: Recorder,
}

/// An earlier request with the key may have sent the create.
#[derive(Debug, Clone, Copy)]
pub struct Resume {
    /// No create for the key was sent before this.
    pub since: chrono::DateTime<chrono::Utc>,
    /// Whether the earlier send is old enough that a create not found now will not land later.
    pub may_resend: bool,
    /// How long until then.
    pub wait: Duration,
}

/// Lookups are reads: a throttled or failed one is tried again this many times in all.
const LOOKUP_ATTEMPTS: u32 = 3;

async fn find(
    target: &Target,
    cx: &Context,
    record: &Record,
    since: chrono::DateTime<chrono::Utc>,
) -> std::result::Result<Lookup, String> {
    let mut attempt = 1;
    loop {
        match target.connector.find_created(cx, record, since).await {
            Ok(l) => return Ok(l),
            Err(e) if e.is_temporary() && attempt < LOOKUP_ATTEMPTS => {
                tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
                attempt += 1;
            }
            Err(e) => return Err(format!("looking for it at the provider failed: {e}")),
        }
    }
}

fn unknown(target: &Target, record: &Record, reason: String) -> Error {
    Error::OutcomeUnknown {
        provider: target.connector.info().id.to_owned(),
        resource: record.resource(),
        fields: fields_sent(record),
        reason,
    }
}

/// A create that never makes two records for one `Idempotency-Key`:
///
/// * when an earlier request with the key may have sent it ([`CreateGuard::resume`]), the
///   record is looked for first ([`unicrm_core::Connector::find_created`]): found → it is the
///   answer; absent and the earlier send older than the grace period → created now; absent but
///   recent, or undecidable → [`Error::OutcomeUnknown`] (nothing sent);
/// * when this request's create got no answer (or a 502/504), it is looked for at once: found →
///   the answer; absent after a lost connection → the original error (the key is freed, as
///   for any 5xx: it did not land); absent after a timeout (the provider may still be working
///   on it) or undecidable → [`Error::OutcomeUnknown`].
pub async fn create_once(
    target: &Target,
    cx: &Context,
    record: Record,
    guard: &CreateGuard,
) -> Result<Outcome> {
    let c = &target.connector;
    c.info().check(record.resource(), Operation::Create)?;
    if let Some(r) = &guard.resume {
        match find(target, cx, &record, r.since).await {
            Ok(Lookup::Found(found)) => return Ok(Outcome::One(found)),
            Ok(Lookup::Absent) if r.may_resend => {}
            Ok(Lookup::Absent) => {
                return Err(unknown(
                    target,
                    &record,
                    format!(
                        "an earlier attempt with this key got no answer and the record is not at the provider yet; it may still land, so the create is sent again only if it is still missing in {} s",
                        r.wait.as_secs().max(1)
                    ),
                ))
            }
            Ok(Lookup::Undecided(why)) => {
                return Err(unknown(
                    target,
                    &record,
                    format!("an earlier attempt with this key got no answer and {why}"),
                ))
            }
            Err(why) => {
                return Err(unknown(
                    target,
                    &record,
                    format!("an earlier attempt with this key got no answer and {why}"),
                ))
            }
        }
    }
    let since = guard
        .resume
        .map(|r| r.since)
        .unwrap_or_else(chrono::Utc::now);
    let err = match c.create(cx, record.clone()).await {
        Ok(r) => return Ok(Outcome::One(Box::new(r))),
        Err(e) => e,
    };
    let Some(write) = crate::idempotency::unknown_write(&guard.recorder) else {
        return Err(err);
    };
    let timed_out = matches!(err, Error::Timeout { .. });
    match find(target, cx, &record, since).await {
        Ok(Lookup::Found(found)) => {
            tracing::info!(provider = c.info().id, %write, "a create whose answer was lost was found at the provider");
            Ok(Outcome::One(found))
        }
        Ok(Lookup::Absent) if !timed_out => Err(err),
        Ok(Lookup::Absent) => Err(unknown(
            target,
            &record,
            format!("{write} ({err}) and the record is not at the provider yet; the provider may still be working on it"),
        )),
        Ok(Lookup::Undecided(why)) => Err(unknown(target, &record, format!("{write} ({err}); {why}"))),
        Err(why) => Err(unknown(target, &record, format!("{write} ({err}); {why}"))),
    }
}

/// Runs `op` like [`run`]; a create with a guard goes through [`create_once`].
pub async fn run_guarded(
    target: &Target,
    cx: &Context,
    resource: Resource,
    op: Op,
    guard: Option<&CreateGuard>,
) -> Result<Outcome> {
    match (op, guard) {
        (Op::Create(r), Some(g)) => {
            target.connector.info().check(resource, Operation::Create)?;
            create_once(target, cx, r, g).await
        }
        (op, _) => run(target, cx, resource, op).await,
    }
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
