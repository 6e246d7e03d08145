//! `Export` walks every page once, and resumes from a saved cursor.

use std::sync::Arc;
use unicrm_core::export::Export;
use unicrm_core::*;

/// Test double: 25 contacts served in pages by offset cursor.
struct Paged;

static INFO: ConnectorInfo = ConnectorInfo::new(
    "paged-test",
    "Paged",
    &[Capability {
        resource: Resource::Contact,
        operations: &[Operation::List],
        fields: &[],
    }],
    &[],
    "http://127.0.0.1:9",
);

#[async_trait::async_trait]
impl Connector for Paged {
    fn info(&self) -> &'static ConnectorInfo {
        &INFO
    }
    async fn list(&self, _cx: &Context, _r: Resource, q: &ListQuery) -> Result<Page<Record>> {
        let start: usize = q
            .cursor
            .as_deref()
            .map_or(Ok(0), str::parse)
            .map_err(|_| Error::invalid("cursor", "bad"))?;
        let size = q.page_size.unwrap_or(10) as usize;
        let end = (start + size).min(25);
        let items = (start..end)
            .map(|i| {
                Record::Contact(Contact {
                    id: Some(i.to_string()),
                    ..Default::default()
                })
            })
            .collect();
        Ok(Page {
            items,
            next_cursor: (end < 25).then(|| end.to_string()),
        })
    }
    fn to_provider(&self, _r: &Record) -> Result<serde_json::Value> {
        Ok(serde_json::Value::Null)
    }
    fn from_provider(&self, _r: Resource, _p: &serde_json::Value) -> Result<Record> {
        Ok(Record::Contact(Contact::default()))
    }
}

fn ids(pages: Vec<Vec<Record>>) -> Vec<String> {
    pages
        .into_iter()
        .flatten()
        .map(|r| r.id().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn walks_every_page_once_and_resumes() {
    let cx = Context::new("http://127.0.0.1:9", Credentials::default());
    let q = ListQuery {
        page_size: Some(10),
        ..Default::default()
    };
    let mut e = Export::new(Arc::new(Paged), cx.clone(), Resource::Contact, q.clone());
    let mut pages = vec![];
    while let Some(p) = e.next_page().await.unwrap() {
        pages.push(p);
    }
    assert_eq!(e.pages(), 3);
    assert_eq!(e.records(), 25);
    let all = ids(pages);
    assert_eq!(all, (0..25).map(|i| i.to_string()).collect::<Vec<_>>());

    // Interrupted after the first page: resume from the saved cursor.
    let mut e = Export::new(Arc::new(Paged), cx.clone(), Resource::Contact, q.clone());
    let first = e.next_page().await.unwrap().unwrap();
    let saved = e.cursor().map(str::to_owned);
    assert_eq!(saved.as_deref(), Some("10"));
    let mut e = Export::new(
        Arc::new(Paged),
        cx,
        Resource::Contact,
        ListQuery { cursor: saved, ..q },
    );
    let mut rest = vec![first];
    while let Some(p) = e.next_page().await.unwrap() {
        rest.push(p);
    }
    assert_eq!(ids(rest), all);
    assert!(e.cursor().is_none());
}
