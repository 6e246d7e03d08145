//! Paging through a whole resource with bounded memory: at most two pages in memory (the one
//! handed out and the next one, fetched meanwhile), a cursor to resume from after an
//! interruption.

use crate::connector::Connector;
use crate::context::Context;
use crate::error::Result;
use crate::model::{ListQuery, Page, Record, Resource};
use std::sync::Arc;
use tokio::task::JoinHandle;

/// Walks every page of a resource.
///
/// While the caller works on a page, the next one is already being fetched (a task on the
/// current tokio runtime; [`Export::prefetch`] turns that off), so a whole export takes about
/// the longer of the provider's paging and the caller's writing, not their sum.
///
/// ```no_run
/// # async fn run(c: std::sync::Arc<dyn unicrm_core::Connector>, cx: unicrm_core::Context) -> unicrm_core::Result<()> {
/// use unicrm_core::export::Export;
/// let mut export = Export::new(c, cx, unicrm_core::Resource::Contact, Default::default());
/// while let Some(page) = export.next_page().await? {
///     for record in page { /* write it */ }
///     let resume_from = export.cursor(); // persist to resume later
/// }
/// # Ok(()) }
/// ```
pub struct Export {
    connector: Arc<dyn Connector>,
    cx: Context,
    resource: Resource,
    query: ListQuery,
    done: bool,
    pages: u64,
    records: u64,
    prefetch: bool,
    /// The fetch of the page at `query.cursor`, started when the previous page was handed out.
    next: Option<JoinHandle<Result<Page<Record>>>>,
}

impl Drop for Export {
    fn drop(&mut self) {
        if let Some(next) = self.next.take() {
            next.abort();
        }
    }
}

impl Export {
    /// Starts at `query.cursor` (or the beginning), with `query`'s page size and filter.
    pub fn new(
        connector: Arc<dyn Connector>,
        cx: Context,
        resource: Resource,
        query: ListQuery,
    ) -> Self {
        Export {
            connector,
            cx,
            resource,
            query,
            done: false,
            pages: 0,
            records: 0,
            prefetch: true,
            next: None,
        }
    }

    /// Whether the next page is fetched while the caller works on the current one (default:
    /// yes). Without it, exactly one page is in memory at a time.
    pub fn prefetch(mut self, on: bool) -> Self {
        self.prefetch = on;
        self
    }

    fn fetch(&self) -> impl std::future::Future<Output = Result<Page<Record>>> + Send + 'static {
        let (connector, cx, resource, query) = (
            self.connector.clone(),
            self.cx.clone(),
            self.resource,
            self.query.clone(),
        );
        async move { connector.list(&cx, resource, &query).await }
    }

    /// The next page, or `None` after the last one.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Record>>> {
        if self.done {
            return Ok(None);
        }
        let page = match self.next.take() {
            Some(next) => next.await.map_err(|e| {
                crate::error::Error::Internal(format!("fetching the next page: {e}"))
            })??,
            None => self.fetch().await?,
        };
        self.pages += 1;
        self.records += page.items.len() as u64;
        match page.next_cursor {
            Some(c) if Some(&c) != self.query.cursor.as_ref() => self.query.cursor = Some(c),
            _ => self.done = true,
        }
        if self.prefetch && !self.done {
            self.next = Some(tokio::spawn(self.fetch()));
        }
        Ok(Some(page.items))
    }

    /// The cursor of the next page to fetch (`None` at the start or when finished): store it to
    /// resume with `ListQuery { cursor, .. }`.
    pub fn cursor(&self) -> Option<&str> {
        if self.done {
            None
        } else {
            self.query.cursor.as_deref()
        }
    }

    /// Whether the last page was read.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Pages read so far.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// Records read so far.
    pub fn records(&self) -> u64 {
        self.records
    }
}
