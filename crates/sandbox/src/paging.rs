//! Paging helpers, one per style providers use:
//!
//! * [`after_cursor`]: opaque `after` cursor over a list sorted by a stable numeric key (HubSpot
//!   `paging.next.after`, Attio/Close cursors). Keyed on the record's position key, so deleting
//!   records between pages never makes the next page skip or repeat one.
//! * [`offset_limit`]: `start`/`limit` or `offset`/`limit` paging (Pipedrive v1, Zoho `page`).
//! * page tokens (Salesforce `nextRecordsUrl` query locators): the result set is captured when the
//!   query runs and later pages are served from it; see [`crate::TenantStore::open_token_pages`]
//!   and [`crate::TenantStore::next_token_page`], which keep the snapshots per sandbox account.
//!
//! All helpers refuse a zero page size and an unreadable cursor with a [`PagingError`], which the
//! emulator turns into its provider's own 400 body.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// Why a page request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PagingError {
    /// The cursor or page token was not issued by this sandbox (or no longer exists).
    #[error("invalid paging cursor `{0}`")]
    InvalidCursor(String),
    /// The page size was zero.
    #[error("page size must be at least 1")]
    InvalidLimit,
}

/// One page of a cursor- or token-paged listing.
#[derive(Debug, Clone, PartialEq)]
pub struct CursorPage<T> {
    /// The records of this page, in listing order.
    pub items: Vec<T>,
    /// The cursor (or token) of the next page; `None` on the last page.
    pub next: Option<String>,
    /// How many records the whole listing has (across all pages).
    pub total: usize,
}

/// Encodes a position key as an opaque cursor (base64url of the decimal key, no padding).
pub fn encode_cursor(key: u64) -> String {
    URL_SAFE_NO_PAD.encode(key.to_string())
}

/// Decodes a cursor made by [`encode_cursor`]; anything else is [`PagingError::InvalidCursor`].
pub fn decode_cursor(cursor: &str) -> Result<u64, PagingError> {
    let invalid = || PagingError::InvalidCursor(cursor.to_owned());
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = std::str::from_utf8(&bytes).map_err(|_| invalid())?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    text.parse().map_err(|_| invalid())
}

/// Pages `items` (sorted ascending by `key`, keys unique) with an opaque `after` cursor.
///
/// The page holds the first `limit` items whose key is greater than the cursor's; `next` is the
/// cursor of the page's last item when more items follow, else `None`.
pub fn after_cursor<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> u64,
    after: Option<&str>,
    limit: usize,
) -> Result<CursorPage<T>, PagingError> {
    if limit == 0 {
        return Err(PagingError::InvalidLimit);
    }
    let after = after
        .filter(|a| !a.is_empty())
        .map(decode_cursor)
        .transpose()?;
    let total = items.len();
    let mut rest = items
        .into_iter()
        .filter(|item| after.is_none_or(|a| key(item) > a))
        .peekable();
    let page: Vec<T> = rest.by_ref().take(limit).collect();
    let next = match (rest.peek(), page.last()) {
        (Some(_), Some(last)) => Some(encode_cursor(key(last))),
        _ => None,
    };
    Ok(CursorPage {
        items: page,
        next,
        total,
    })
}

/// One page of an offset/limit listing.
#[derive(Debug, Clone, PartialEq)]
pub struct OffsetPage<T> {
    /// The records of this page, in listing order.
    pub items: Vec<T>,
    /// The offset this page starts at (as requested).
    pub offset: usize,
    /// The page size that was requested.
    pub limit: usize,
    /// How many records the whole listing has.
    pub total: usize,
    /// Where the next page starts; `None` on the last page.
    pub next_offset: Option<usize>,
}

impl<T> OffsetPage<T> {
    /// Whether more records follow this page (Pipedrive's `more_items_in_collection`).
    pub fn has_more(&self) -> bool {
        self.next_offset.is_some()
    }
}

/// Pages `items` by offset and limit. An offset past the end gives an empty last page (as the
/// providers do); a zero limit is [`PagingError::InvalidLimit`].
pub fn offset_limit<T>(
    items: Vec<T>,
    offset: usize,
    limit: usize,
) -> Result<OffsetPage<T>, PagingError> {
    if limit == 0 {
        return Err(PagingError::InvalidLimit);
    }
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(offset).take(limit).collect();
    let end = offset.saturating_add(page.len());
    let next_offset = (end < total && !page.is_empty()).then_some(end);
    Ok(OffsetPage {
        items: page,
        offset,
        limit,
        total,
        next_offset,
    })
}

/// Splits a page token made by the token pager into its locator and offset (`"{locator}-{offset}"`).
pub(crate) fn split_token(token: &str) -> Option<(&str, usize)> {
    let (locator, offset) = token.rsplit_once('-')?;
    if locator.is_empty() || offset.is_empty() || !offset.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((locator, offset.parse().ok()?))
}
