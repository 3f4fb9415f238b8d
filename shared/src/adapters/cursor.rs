//! The listings' keyset cursors, shared by the SQLite and DynamoDB adapters: the last
//! item's sort position and id, with the listing they belong to, as URL-safe base64 of
//! JSON. Callers treat them as opaque; a cursor that does not decode, or that another
//! listing handed out, is [`StoreError::BadCursor`]. Also the sort keys of notifications
//! and reviews, which both adapters compare as text, and the token expiry they sort
//! tickets by.

use serde::{Deserialize, Serialize};

use time::OffsetDateTime;

use crate::domain::flash_sale::Ticket;
use crate::domain::ids::{ProductId, ReviewId};
use crate::domain::operations::Notification;
use crate::domain::reviews::{Review, ReviewSort};

use crate::domain::store::{decode_cursor, encode_cursor, Page, StoreError};

/// Where a page ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Cursor {
    /// The listing: its name and partition, such as `user:alice` or `status:PENDING`.
    #[serde(rename = "l")]
    pub listing: String,
    /// The last item's sort position (a time, in the listing's unit).
    #[serde(rename = "t")]
    pub at: i64,
    /// The last item's id, which orders items at the same position.
    #[serde(rename = "k")]
    pub id: String,
}

impl Cursor {
    /// The cursor after the item at `at` with `id` in `listing`.
    pub fn new(listing: &str, at: i64, id: impl Into<String>) -> Self {
        Cursor {
            listing: listing.to_owned(),
            at,
            id: id.into(),
        }
    }

    /// The cursor as handed out.
    pub fn encode(&self) -> String {
        encode_cursor(self)
    }

    /// The cursor `raw`, which must have been handed out by `listing`.
    pub fn decode(raw: &str, listing: &str) -> Result<Self, StoreError> {
        let cursor: Cursor = decode_cursor(raw).ok_or(StoreError::BadCursor)?;
        if cursor.listing != listing {
            return Err(StoreError::BadCursor);
        }
        Ok(cursor)
    }

    /// The cursor a page request carries, if any, checked against `listing`.
    pub fn of_request(cursor: Option<&str>, listing: &str) -> Result<Option<Self>, StoreError> {
        cursor.map(|raw| Cursor::decode(raw, listing)).transpose()
    }
}

/// The page of the first `limit` of `items`, which were read one beyond the limit to
/// learn whether more follow: with the cursor after its last item if they do.
pub(crate) fn page_of<T>(
    mut items: Vec<T>,
    limit: usize,
    cursor_after: impl Fn(&T) -> Cursor,
) -> Page<T> {
    if items.len() <= limit {
        return Page::new(items, None);
    }
    items.truncate(limit);
    let next_cursor = items.last().map(|last| cursor_after(last).encode());
    Page::new(items, next_cursor)
}

/// Nanoseconds since the epoch, which sort as the times do until the year 2262.
pub(crate) fn nanos(time: OffsetDateTime) -> i64 {
    i64::try_from(time.unix_timestamp_nanos()).unwrap_or(i64::MAX)
}

/// Where an admitted ticket sorts among its sale's by its token's expiry: epoch
/// nanoseconds, exact, so that a token is listed as run out neither before nor after it
/// is; the earliest instant for a ticket without an expiry, whose token
/// [`Ticket::token_expired`] counts as run out.
pub(crate) fn token_expiry(ticket: &Ticket) -> i64 {
    ticket.token_expires_at.map_or(i64::MIN, nanos)
}

/// Where an item sorts among its listing's when both adapters compare keys as text: by
/// its position, then its id (a notification by time, then event id and kind).
pub(crate) fn sort_key(at: i64, id: &str) -> String {
    format!("{at:020}#{id}")
}

/// Where `review` stands among its product's shown reviews in `sort` order, as a
/// cursor's position and id: newest by time and review id; best by stars, then time and
/// review id. [`sort_key`] of the two is the key both adapters list them by, descending.
pub(crate) fn review_position(review: &Review, sort: ReviewSort) -> (i64, String) {
    let created = nanos(review.created_at);
    match sort {
        ReviewSort::Newest => (created, review.id.to_string()),
        ReviewSort::Rating => (
            i64::from(review.stars),
            sort_key(created, &review.id.to_string()),
        ),
    }
}

/// The review a position of [`review_position`] (a cursor's id) names.
pub(crate) fn review_of_position(id: &str) -> Result<ReviewId, StoreError> {
    let last = id.rsplit('#').next().unwrap_or(id);
    ReviewId::parse(last).map_err(|_| StoreError::BadCursor)
}

/// The cursor listing of `product`'s reviews in `sort` order.
pub(crate) fn review_listing(product: &ProductId, sort: ReviewSort) -> String {
    format!("reviews:{product}:{}", sort.as_str())
}

/// The id that orders notifications of the same instant: event id and kind.
pub(crate) fn notification_id(notification: &Notification) -> String {
    format!("{}#{}", notification.event_id, notification.kind)
}

/// The cursor listing of `recipient`'s notifications.
pub(crate) fn notification_listing(recipient: &str) -> String {
    format!("notify:{recipient}")
}

/// The cursor after `notification` in `listing`.
pub(crate) fn notification_cursor(listing: &str, notification: &Notification) -> Cursor {
    Cursor::new(
        listing,
        nanos(notification.created_at),
        notification_id(notification),
    )
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    use super::*;
    use crate::domain::store::MAX_CURSOR_LENGTH;

    #[test]
    fn cursors_read_back_only_in_their_listing() {
        let cursor = Cursor::new("user:alice", 1_893_456_000, "0b3c");
        let raw = cursor.encode();
        assert_eq!(Cursor::decode(&raw, "user:alice"), Ok(cursor));
        assert_eq!(Cursor::decode(&raw, "user:bob"), Err(StoreError::BadCursor));
    }

    #[test]
    fn a_page_has_a_cursor_only_when_more_follow() {
        let cursor = |item: &i64| Cursor::new("n", *item, item.to_string());
        assert_eq!(page_of(vec![1, 2], 2, cursor), Page::new(vec![1, 2], None));
        let page = page_of(vec![1, 2, 3], 2, cursor);
        assert_eq!(page.items, [1, 2]);
        let next = Cursor::decode(page.next_cursor.as_deref().unwrap(), "n").unwrap();
        assert_eq!(next, cursor(&2));
    }

    #[test]
    fn anything_else_is_a_bad_cursor() {
        let long = "A".repeat(MAX_CURSOR_LENGTH + 1);
        let not_json = URL_SAFE_NO_PAD.encode(b"not json");
        let extra = URL_SAFE_NO_PAD.encode(br#"{"l":"x","t":1,"k":"a","more":1}"#);
        for raw in ["", "%%%", "e30", long.as_str(), &not_json, &extra] {
            assert_eq!(
                Cursor::decode(raw, "x"),
                Err(StoreError::BadCursor),
                "{raw}"
            );
        }
    }
}
