//! Finding the record a create made when the create's answer was lost.
//!
//! A create whose request reached the provider but whose answer never came back (the connection
//! dropped after sending, the provider timed out, a proxy answered 502/504) may or may not have
//! made a record. Before such a create is ever sent again, the gateway asks the connector
//! ([`crate::Connector::find_created`]) to look for it. The generic way, shared by every
//! connector, is [`find_by_natural_key`]: list the records changed since the create was first
//! sent (`ListQuery::updated_after`) and keep those whose natural key ([`NaturalKey`]) equals the
//! create's and that the provider created no earlier than that moment (less [`CLOCK_SKEW`]).
//!
//! * exactly one such record → it is the create's ([`Lookup::Found`]);
//! * none, every page read → the create did not land ([`Lookup::Absent`]);
//! * anything else (no natural key, a candidate without a creation time, two candidates, more
//!   pages than [`MAX_PAGES`]) → [`Lookup::Undecided`]: the caller must not create again.
//!
//! A record with the same e-mail that existed **before** the create was sent is never taken for
//! it: its creation time is older than the window.

use crate::connector::Connector;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::model::{ListQuery, Record};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// What looking for a create's record found.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// The record the create made.
    Found(Box<Record>),
    /// Certainly not there: the create did not land (so far).
    Absent,
    /// Cannot tell; says why.
    Undecided(String),
}

/// How much earlier than the create was first sent a provider's creation time may be and still
/// count as the create's: the gateway's and the provider's clocks may differ this much.
pub const CLOCK_SKEW: Duration = Duration::from_secs(60);
/// The most pages [`find_by_natural_key`] reads before answering [`Lookup::Undecided`].
pub const MAX_PAGES: usize = 20;
/// The page size [`find_by_natural_key`] asks for.
pub const PAGE_SIZE: u32 = 100;

/// The unified field a record is recognised by, and its normalised value: the first e-mail of
/// a contact or lead; an account's web domain, else its name; a deal's name; a meeting's title
/// (and start time, when set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NaturalKey {
    /// The unified field (`emails`, `website`, `name`, `title`).
    pub field: &'static str,
    /// Its normalised value (lower case, trimmed; a web site reduced to its domain).
    pub value: String,
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase()
}

/// The domain of a web site as written (`https://www.Acme.com/x` → `acme.com`).
pub fn web_domain(site: &str) -> Option<String> {
    let s = norm(site);
    let s = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(&s);
    let host = s.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    let host = host.strip_prefix("www.").unwrap_or(host);
    (!host.is_empty()).then(|| host.to_owned())
}

fn some_text(s: &Option<String>) -> Option<String> {
    s.as_deref().map(norm).filter(|v| !v.is_empty())
}

impl NaturalKey {
    /// The natural key of `record`, if it carries one.
    pub fn of(record: &Record) -> Option<NaturalKey> {
        let key = |field, value: Option<String>| value.map(|value| NaturalKey { field, value });
        match record {
            Record::Contact(c) => key("emails", first_email(&c.emails)),
            Record::Lead(l) => key("emails", first_email(&l.emails)),
            Record::Account(a) => match a.website.as_deref().and_then(web_domain) {
                Some(d) => key("website", Some(d)),
                None => key("name", some_text(&a.name)),
            },
            Record::Deal(d) => key("name", some_text(&d.name)),
            Record::Meeting(m) => key("title", some_text(&m.title)),
        }
    }

    /// Whether `candidate` has this key (and, for a meeting, the start time `sent` has).
    pub fn matches(&self, sent: &Record, candidate: &Record) -> bool {
        let v = &self.value;
        match (sent, candidate) {
            (Record::Contact(_), Record::Contact(c)) => has_email(&c.emails, v),
            (Record::Lead(_), Record::Lead(l)) => has_email(&l.emails, v),
            (Record::Account(_), Record::Account(a)) => match self.field {
                "website" => a.website.as_deref().and_then(web_domain).as_ref() == Some(v),
                _ => some_text(&a.name).as_ref() == Some(v),
            },
            (Record::Deal(_), Record::Deal(d)) => some_text(&d.name).as_ref() == Some(v),
            (Record::Meeting(s), Record::Meeting(m)) => {
                some_text(&m.title).as_ref() == Some(v)
                    && (s.start_time.is_none()
                        || m.start_time.is_none()
                        || s.start_time == m.start_time)
            }
            _ => false,
        }
    }
}

fn first_email(emails: &Option<Vec<String>>) -> Option<String> {
    emails
        .as_ref()
        .and_then(|e| e.iter().map(|s| norm(s)).find(|s| !s.is_empty()))
}

fn has_email(emails: &Option<Vec<String>>, wanted: &str) -> bool {
    emails
        .as_ref()
        .is_some_and(|e| e.iter().any(|s| norm(s) == wanted))
}

/// The unified fields `record` sets (names only, for messages: never the values).
pub fn fields_sent(record: &Record) -> Vec<String> {
    let Ok(serde_json::Value::Object(map)) = serde_json::to_value(record) else {
        return Vec::new();
    };
    map.into_iter()
        .filter(|(k, v)| {
            !matches!(
                k.as_str(),
                "resource" | "id" | "remote_id" | "created_at" | "updated_at"
            ) && match v {
                serde_json::Value::Null => false,
                serde_json::Value::Array(a) => !a.is_empty(),
                serde_json::Value::Object(o) => !o.is_empty(),
                _ => true,
            }
        })
        .map(|(k, _)| k)
        .collect()
}

/// The generic lookup behind [`Connector::find_created`]: pages through `connector.list` of the
/// records changed since `since − CLOCK_SKEW` and keeps those with `record`'s natural key
/// created in that window (see the module docs for what decides).
pub async fn find_by_natural_key<C: Connector + ?Sized>(
    connector: &C,
    cx: &Context,
    record: &Record,
    since: DateTime<Utc>,
) -> Result<Lookup> {
    let resource = record.resource();
    let Some(key) = NaturalKey::of(record) else {
        return Ok(Lookup::Undecided(format!(
            "the {resource} carries no natural key to look it up by ({})",
            match resource {
                crate::Resource::Contact | crate::Resource::Lead => "no e-mail",
                crate::Resource::Account => "no website and no name",
                crate::Resource::Deal => "no name",
                crate::Resource::Meeting => "no title",
            }
        )));
    };
    let from = since - chrono::Duration::from_std(CLOCK_SKEW).unwrap_or_default();
    let mut query = ListQuery {
        cursor: None,
        page_size: Some(PAGE_SIZE),
        updated_after: Some(from),
    };
    let mut found: Vec<Record> = Vec::new();
    for _ in 0..MAX_PAGES {
        let page = match connector.list(cx, resource, &query).await {
            Ok(p) => p,
            Err(Error::Unsupported { .. }) => {
                return Ok(Lookup::Undecided(format!(
                    "{} cannot list {} records to look for it",
                    connector.info().id,
                    resource
                )))
            }
            Err(e) => return Err(e),
        };
        for r in page.items {
            if !key.matches(record, &r) {
                continue;
            }
            match r.created_at() {
                // Existed before the create was sent: someone else's record with the same key.
                Some(t) if t < from => {}
                Some(_) => found.push(r),
                None => {
                    return Ok(Lookup::Undecided(format!(
                    "a {resource} with the same {} exists and {} does not say when it was created",
                    key.field,
                    connector.info().id
                )))
                }
            }
        }
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => {
                return Ok(match found.len() {
                    0 => Lookup::Absent,
                    1 => Lookup::Found(Box::new(found.remove(0))),
                    n => Lookup::Undecided(format!(
                        "{n} {} records with the same {} were created since it was sent",
                        resource, key.field
                    )),
                })
            }
        }
    }
    Ok(Lookup::Undecided(format!(
        "more than {} records changed since it was sent; the lookup stopped",
        MAX_PAGES as u32 * PAGE_SIZE
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::{Capability, ConnectorInfo};
    use crate::model::{Account, Contact, Operation, Page, Resource};
    use serde_json::Value;

    static CAPS: [Capability; 1] = [Capability {
        resource: Resource::Contact,
        operations: &[Operation::List],
        fields: &[],
    }];
    static INFO: ConnectorInfo = ConnectorInfo::new("fake", "Fake", &CAPS, &[], "http://fake");

    /// A provider holding `records`, listed two to a page.
    struct Listed(Vec<Record>);

    #[async_trait::async_trait]
    impl Connector for Listed {
        fn info(&self) -> &'static ConnectorInfo {
            &INFO
        }
        async fn list(&self, _: &Context, _: Resource, q: &ListQuery) -> Result<Page<Record>> {
            let from: usize = q.cursor.as_deref().map_or(0, |c| c.parse().unwrap());
            let items: Vec<Record> = self.0.iter().skip(from).take(2).cloned().collect();
            let next = (from + 2 < self.0.len()).then(|| (from + 2).to_string());
            Ok(Page {
                items,
                next_cursor: next,
            })
        }
        fn to_provider(&self, _: &Record) -> Result<Value> {
            Ok(Value::Null)
        }
        fn from_provider(&self, _: Resource, _: &Value) -> Result<Record> {
            Err(Error::Internal("unused".into()))
        }
    }

    fn contact(id: &str, email: &str, created: Option<DateTime<Utc>>) -> Record {
        Record::Contact(Contact {
            id: Some(id.into()),
            emails: Some(vec![email.into()]),
            created_at: created,
            ..Default::default()
        })
    }

    #[tokio::test]
    async fn an_older_record_with_the_same_email_is_not_the_creates() {
        let cx = &Context::new("http://fake", crate::Credentials::default());
        let sent = Utc::now();
        let ours = contact(
            "new",
            "ada@example.com",
            Some(sent + chrono::Duration::seconds(1)),
        );
        let theirs = contact(
            "old",
            "ADA@example.com",
            Some(sent - chrono::Duration::hours(2)),
        );
        let other = contact("x", "bob@example.com", Some(sent));
        let find = |records: Vec<Record>| async move {
            find_by_natural_key(
                &Listed(records),
                cx,
                &contact("", "ada@example.com", None),
                sent,
            )
            .await
            .unwrap()
        };
        // Found on the second page, next to an older record with the same e-mail.
        assert_eq!(
            find(vec![theirs.clone(), other.clone(), ours.clone()]).await,
            Lookup::Found(Box::new(ours.clone()))
        );
        // Only the older one: the create did not land.
        assert_eq!(
            find(vec![theirs.clone(), other.clone()]).await,
            Lookup::Absent
        );
        // Two made since: cannot tell which.
        let twin = contact("new2", "ada@example.com", Some(sent));
        assert!(matches!(
            find(vec![ours.clone(), twin]).await,
            Lookup::Undecided(_)
        ));
        // A match without a creation time: cannot tell.
        assert!(matches!(
            find(vec![contact("?", "ada@example.com", None)]).await,
            Lookup::Undecided(_)
        ));
        // Within the clock-skew allowance counts as made since.
        let skewed = contact(
            "s",
            "ada@example.com",
            Some(sent - chrono::Duration::seconds(30)),
        );
        assert_eq!(
            find(vec![skewed.clone()]).await,
            Lookup::Found(Box::new(skewed))
        );
        // Nothing to look up by.
        let none = find_by_natural_key(
            &Listed(vec![ours]),
            cx,
            &Record::Contact(Contact::default()),
            sent,
        )
        .await
        .unwrap();
        assert!(matches!(none, Lookup::Undecided(r) if r.contains("e-mail")));
    }

    #[test]
    fn natural_keys() {
        let c = Record::Contact(Contact {
            emails: Some(vec![" Ada@Example.com ".into()]),
            ..Default::default()
        });
        let k = NaturalKey::of(&c).unwrap();
        assert_eq!((k.field, k.value.as_str()), ("emails", "ada@example.com"));
        let other = Record::Contact(Contact {
            emails: Some(vec!["x@y.z".into(), "ADA@example.com".into()]),
            ..Default::default()
        });
        assert!(k.matches(&c, &other));
        let a = Record::Account(Account {
            website: Some("https://www.Acme.com/about".into()),
            name: Some("Acme".into()),
            ..Default::default()
        });
        let k = NaturalKey::of(&a).unwrap();
        assert_eq!((k.field, k.value.as_str()), ("website", "acme.com"));
        assert!(NaturalKey::of(&Record::Contact(Contact::default())).is_none());
        assert_eq!(
            fields_sent(&a),
            vec!["name".to_owned(), "website".to_owned()]
        );
    }
}
