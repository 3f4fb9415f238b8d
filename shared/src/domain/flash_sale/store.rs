//! The flash-sale port: the sales and the tickets of their waiting rooms.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{FlashSale, QueueKey, Ticket};
use crate::domain::ids::{SaleId, UserId};
use crate::domain::store::StoreError;

/// What a join did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Joined {
    /// The ticket was kept just now.
    New(Ticket),
    /// The buyer had a ticket for this sale already: that one, unchanged.
    Existing(Ticket),
}

impl Joined {
    /// The buyer's ticket, new or not.
    pub fn ticket(self) -> Ticket {
        match self {
            Joined::New(ticket) | Joined::Existing(ticket) => ticket,
        }
    }
}

/// Sales and tickets. A ticket is keyed by its sale and its buyer (one per buyer per
/// sale); every change to it is a write conditional on its version.
#[async_trait]
pub trait FlashSaleStore: Send + Sync {
    /// Keeps a new sale; [`StoreError::AlreadyExists`] if its id is taken.
    async fn create_sale(&self, sale: &FlashSale) -> Result<(), StoreError>;

    /// One sale.
    async fn sale(&self, id: &SaleId) -> Result<Option<FlashSale>, StoreError>;

    /// Up to `limit` sales that have not ended at `now` (scheduled or open), the soonest
    /// to end first: the sales whose waiting rooms the sweeper keeps moving.
    async fn sales_not_ended(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<FlashSale>, StoreError>;

    /// Keeps `ticket` unless its buyer holds a ticket for its sale already, in one
    /// conditional write: a second join, or two at once, leave one ticket.
    async fn join(&self, ticket: &Ticket) -> Result<Joined, StoreError>;

    /// The ticket of `buyer` for `sale`.
    async fn ticket(&self, sale: &SaleId, buyer: &UserId) -> Result<Option<Ticket>, StoreError>;

    /// Writes `ticket`, whose version the caller has just incremented; the stored version
    /// must be one less, else [`StoreError::Conflict`].
    async fn update_ticket(&self, ticket: &Ticket) -> Result<(), StoreError>;

    /// How many tickets of `sale` are waiting with a queue key below `key`, counting at
    /// most `cap` of them.
    async fn waiting_ahead(
        &self,
        sale: &SaleId,
        key: QueueKey,
        cap: u32,
    ) -> Result<u32, StoreError>;

    /// The first `limit` waiting tickets of `sale`, lowest queue key first. On DynamoDB
    /// the listing reads an index, which may lag a write by a moment: a ticket just
    /// admitted may still be listed, and its conditional update then refused.
    async fn next_waiting(&self, sale: &SaleId, limit: u32) -> Result<Vec<Ticket>, StoreError>;

    /// How many admitted tickets of `sale` there are (tokens out, expired or not),
    /// counting at most `cap` of them.
    async fn admitted_count(&self, sale: &SaleId, cap: u32) -> Result<u32, StoreError>;

    /// Up to `limit` admitted tickets of `sale` whose token expires at or before `now`,
    /// soonest expiry first (the index may lag as [`Self::next_waiting`]'s does).
    async fn expired_tokens(
        &self,
        sale: &SaleId,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Ticket>, StoreError>;
}
