//! What the flash-sale routes answer: a sale as the public and as operators see it, and a
//! ticket as its owner sees it.

use serde::Serialize;
use time::OffsetDateTime;

use super::holds::Holds;
use crate::domain::flash_sale::{FlashSale, SaleStatus};
use crate::domain::ids::{ProductId, SaleId, Sku, TicketId};
use crate::domain::money::Money;

/// A sale as anyone may see it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SaleView {
    pub sale_id: SaleId,
    pub sku: Sku,
    pub product_id: ProductId,
    pub status: SaleStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub sale_price: Money,
    pub regular_price: Money,
    /// Units not yet sold or promised, as of the holds read just now.
    pub units_left: u64,
    pub per_customer_limit: u32,
}

impl SaleView {
    /// `sale` at `now`, its holds as `holds` says.
    pub(super) fn new(sale: &FlashSale, holds: &Holds, now: OffsetDateTime) -> Self {
        SaleView {
            sale_id: sale.id,
            sku: sale.sku.clone(),
            product_id: sale.product_id.clone(),
            status: sale.status(now, holds.left()),
            starts_at: sale.starts_at,
            ends_at: sale.ends_at,
            sale_price: sale.sale_price,
            regular_price: sale.regular_price,
            units_left: holds.left(),
            per_customer_limit: sale.per_customer_limit,
        }
    }
}

/// A sale as operators see it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminSaleView {
    #[serde(flatten)]
    pub sale: SaleView,
    /// Units set aside for the sale.
    pub units: u32,
    /// Tickets admitted with a purchase token, used up or not.
    pub tokens_out: u32,
    /// Units buyers' orders took and did not give back.
    pub sold: u64,
    /// Tickets waiting to be admitted.
    pub queue_length: u32,
    pub token_ttl_seconds: u32,
    /// The holds the units are spread over.
    pub shards: u32,
}

impl AdminSaleView {
    /// `sale` at `now` with `tokens_out` tokens handed out and `queue_length` waiting.
    pub(super) fn new(
        sale: &FlashSale,
        holds: &Holds,
        tokens_out: u32,
        queue_length: u32,
        now: OffsetDateTime,
    ) -> Self {
        AdminSaleView {
            sale: SaleView::new(sale, holds, now),
            units: sale.units,
            tokens_out,
            sold: holds.sold(sale),
            queue_length,
            token_ttl_seconds: sale.token_ttl_seconds,
            shards: sale.holds,
        }
    }
}

/// A ticket's status as its owner is told it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketAnswer {
    /// In the queue, with units left to admit it to.
    Waiting,
    /// Holding units under a purchase token that has not run out.
    Admitted,
    /// Waiting, but every unit is sold or promised.
    SoldOut,
    /// The token ran out.
    Expired,
    /// The sale is over.
    Ended,
}

/// The answer to joining the queue.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JoinView {
    pub ticket_id: TicketId,
    pub status: TicketAnswer,
}

/// A ticket as its owner sees it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketView {
    pub ticket_id: TicketId,
    pub status: TicketAnswer,
    /// Waiting tickets ahead of this one plus one (at most a thousand are counted); 0
    /// unless waiting.
    pub position: u32,
    pub estimated_wait_seconds: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchase_token: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub token_expires_at: Option<OffsetDateTime>,
    /// Units the token may still buy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<u32>,
}
