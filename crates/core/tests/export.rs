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

/// Test double: counts list calls; each takes 50 ms; the page after `fail_at` fails.
struct Slow {
    calls: std::sync::atomic::AtomicUsize,
    fail_at: Option<usize>,
}

#[async_trait::async_trait]
impl Connector for Slow {
    fn info(&self) -> &'static ConnectorInfo {
        &INFO
    }
    async fn list(&self, cx: &Context, r: Resource, q: &ListQuery) -> Result<Page<Record>> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let start: usize = q.cursor.as_deref().map_or(0, |c| c.parse().unwrap());
        if Some(start) == self.fail_at {
            return Err(Error::RateLimited {
                retry_after: None,
                message: "slow down".into(),
                provider: None,
            });
        }
        Paged.list(cx, r, q).await
    }
    fn to_provider(&self, _r: &Record) -> Result<serde_json::Value> {
        Ok(serde_json::Value::Null)
    }
    fn from_provider(&self, _r: Resource, _p: &serde_json::Value) -> Result<Record> {
        Ok(Record::Contact(Contact::default()))
    }
}

#[tokio::test(start_paused = true)]
async fn fetches_the_next_page_while_the_caller_works() {
    let cx = Context::new("http://127.0.0.1:9", Credentials::default());
    let q = ListQuery {
        page_size: Some(10),
        ..Default::default()
    };
    let slow = Arc::new(Slow {
        calls: Default::default(),
        fail_at: None,
    });
    let started = tokio::time::Instant::now();
    let mut e = Export::new(slow.clone(), cx.clone(), Resource::Contact, q.clone());
    let mut all = vec![];
    while let Some(p) = e.next_page().await.unwrap() {
        all.push(p);
        // The caller's work on a page (writing it) takes as long as a fetch.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // 3 fetches and 3 writes of 50 ms each, overlapped: 4 × 50 ms, not 6 × 50 ms.
    assert_eq!(started.elapsed(), std::time::Duration::from_millis(200));
    assert_eq!(ids(all).len(), 25);
    assert_eq!(slow.calls.load(std::sync::atomic::Ordering::SeqCst), 3);

    // Without prefetch: one fetch at a time, on demand.
    let slow = Arc::new(Slow {
        calls: Default::default(),
        fail_at: None,
    });
    let started = tokio::time::Instant::now();
    let mut e = Export::new(slow.clone(), cx.clone(), Resource::Contact, q.clone()).prefetch(false);
    e.next_page().await.unwrap().unwrap();
    assert_eq!(slow.calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    while e.next_page().await.unwrap().is_some() {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(started.elapsed(), std::time::Duration::from_millis(250));

    // A failing prefetch surfaces at the page it belongs to; the cursor still points at it.
    let slow = Arc::new(Slow {
        calls: Default::default(),
        fail_at: Some(10),
    });
    let mut e = Export::new(slow, cx, Resource::Contact, q);
    assert_eq!(e.next_page().await.unwrap().unwrap().len(), 10);
    assert_eq!(e.cursor(), Some("10"));
    assert!(matches!(
        e.next_page().await,
        Err(Error::RateLimited { .. })
    ));
    assert_eq!(e.cursor(), Some("10"));
}
