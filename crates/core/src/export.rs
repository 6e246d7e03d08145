//! Paging through a whole resource with bounded memory: one page in memory at a time, a cursor
//! to resume from after an interruption.

use crate::connector::Connector;
use crate::context::Context;
use crate::error::Result;
use crate::model::{ListQuery, Record, Resource};
use std::sync::Arc;

/// Walks every page of a resource.
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
        }
    }

    /// The next page, or `None` after the last one.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Record>>> {
        if self.done {
            return Ok(None);
        }
        let page = self
            .connector
            .list(&self.cx, self.resource, &self.query)
            .await?;
        self.pages += 1;
        self.records += page.items.len() as u64;
        match page.next_cursor {
            Some(c) if Some(&c) != self.query.cursor.as_ref() => self.query.cursor = Some(c),
            _ => self.done = true,
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
