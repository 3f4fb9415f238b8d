//! What every store port shares: the errors a store answers with, pages of listings and
//! their cursors, and the retry of optimistic writes.

mod cursor;
mod retry;

pub use cursor::{decode_cursor, encode_cursor, MAX_CURSOR_LENGTH};
pub use retry::{retry_on_conflict, LostRace, WRITE_ATTEMPTS};

use serde::Serialize;

use crate::domain::ids::Sku;

/// How a store refused or failed a request.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    /// The record changed (or appeared) since it was read; read again and retry.
    #[error("the record was changed by someone else")]
    Conflict,
    /// A record with this id (a product, an order) exists already.
    #[error("a record with this id exists already")]
    AlreadyExists,
    /// The SKU belongs to another product.
    #[error("SKU {0} belongs to another product")]
    SkuTaken(Sku),
    /// The store could not be reached or refused for load; worth retrying later.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// What the store holds cannot be read back.
    #[error("the store holds unreadable data: {0}")]
    Corrupt(String),
    /// The function was not granted this access to the table in `functions/manifest.json`
    /// (see [`crate::adapters::access`]); retrying cannot help.
    #[error("{0}")]
    NotGranted(String),
    /// A listing's cursor is not one the store handed out (or is for another listing).
    #[error("the cursor is not one this listing handed out")]
    BadCursor,
}

/// Which page of a listing to read: the first (no cursor) or the one after the page
/// whose [`Page::next_cursor`] this is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Opaque: handed out by the store as [`Page::next_cursor`], never built by callers.
    pub cursor: Option<String>,
    /// How many items at most; stores keep it within `1..=`[`PageRequest::MAX_LIMIT`].
    pub limit: u32,
}

impl PageRequest {
    /// The page size when the caller names none.
    pub const DEFAULT_LIMIT: u32 = 20;
    /// The largest page a store hands out.
    pub const MAX_LIMIT: u32 = 100;

    /// The first page of at most `limit` items.
    pub fn first(limit: u32) -> Self {
        PageRequest {
            cursor: None,
            limit,
        }
    }

    /// The page after the one that handed out `cursor`, of at most `limit` items.
    pub fn after(cursor: impl Into<String>, limit: u32) -> Self {
        PageRequest {
            cursor: Some(cursor.into()),
            limit,
        }
    }

    /// The limit as stores apply it: at least 1, at most [`PageRequest::MAX_LIMIT`].
    pub fn bounded_limit(&self) -> u32 {
        self.limit.clamp(1, Self::MAX_LIMIT)
    }
}

/// One page of a listing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page. Opaque to callers: pass it
    /// back as [`PageRequest::cursor`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page of `items` followed by the page at `next_cursor`, if any.
    pub fn new(items: Vec<T>, next_cursor: Option<String>) -> Self {
        Page { items, next_cursor }
    }

    /// The same page with its items changed by `change`.
    pub fn map<U>(self, change: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(change).collect(),
            next_cursor: self.next_cursor,
        }
    }
}
