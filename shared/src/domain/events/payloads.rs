//! The payload of each event type: the fields of its `detail` besides `eventId`,
//! `orderId`, `occurredAt` and `version`, named in camelCase on the wire.
//!
//! Each struct is described by `events/schemas/<DetailType>.json`; change both together.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::address::Address;
use crate::domain::ids::{CategoryId, CouponCode, ProductId, SaleId, Sku, UserId};
use crate::domain::money::Money;

/// One line of a placed order, priced when the order was placed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventLine {
    /// What was ordered.
    pub sku: Sku,
    /// How many units.
    pub quantity: u32,
    /// The price of one unit.
    pub unit_price: Money,
}

/// Units of one SKU held or given back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockQuantity {
    /// The SKU counted.
    pub sku: Sku,
    /// How many units.
    pub quantity: u32,
}

/// Payload of `OrderPlaced`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPlaced {
    /// The shopper who placed the order.
    pub user_id: UserId,
    /// What the order costs in all.
    pub total: Money,
    /// What was ordered.
    pub lines: Vec<EventLine>,
    /// When the stock held for the order goes back on sale unless the order is confirmed.
    #[serde(with = "time::serde::rfc3339")]
    pub reservation_expires_at: OffsetDateTime,
}

/// Payload of `OrderConfirmed`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderConfirmed {
    /// The shopper whose order it is.
    pub user_id: UserId,
    /// What the shopper pays.
    pub total: Money,
    /// When the shopper checked out: with `occurredAt`, how long checkout took.
    #[serde(with = "time::serde::rfc3339")]
    pub placed_at: OffsetDateTime,
}

/// Payload of `OrderFailed`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderFailed {
    /// The shopper whose order it is.
    pub user_id: UserId,
    /// Why checkout did not complete, for people.
    pub reason: String,
    /// The SKUs that lacked stock; empty when something else failed.
    pub out_of_stock_skus: Vec<Sku>,
}

/// Payload of `OrderCancelled`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCancelled {
    /// The shopper whose order it is.
    pub user_id: UserId,
    /// Why it was cancelled, for people.
    pub reason: String,
}

/// Payload of `PaymentAuthorized`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentAuthorized {
    /// The amount authorized.
    pub amount: Money,
    /// The gateway's name for the authorization, to capture or void it later.
    pub gateway_reference: String,
}

/// Payload of `PaymentFailed`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentFailed {
    /// The amount that was asked for.
    pub amount: Money,
    /// Why the gateway refused, for people.
    pub reason: String,
}

/// Payload of `InventoryReserved`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryReserved {
    /// The units held, per SKU.
    pub lines: Vec<StockQuantity>,
    /// When the hold lapses unless the order is confirmed.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// Payload of `InventoryReleased`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryReleased {
    /// The units given back, per SKU.
    pub lines: Vec<StockQuantity>,
    /// Why they were given back (payment failed, expired, cancelled), for people.
    pub reason: String,
}

/// Units of one SKU sent back, and what they cost when ordered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnLine {
    /// The SKU sent back.
    pub sku: Sku,
    /// How many units.
    pub quantity: u32,
    /// What those units cost when ordered: what the shopper gets back for them.
    pub amount: Money,
}

/// Payload of `OrderProcessing`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderProcessing {
    /// The shopper whose order it is.
    pub user_id: UserId,
}

/// Payload of `OrderShipped`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderShipped {
    /// The shopper whose order it is.
    pub user_id: UserId,
    /// Who carries the parcel.
    pub carrier: String,
    /// The carrier's number for the parcel.
    pub tracking_number: String,
    /// Where the parcel goes; absent for orders placed before checkout asked for an
    /// address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<Address>,
}

/// Payload of `OrderDelivered`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderDelivered {
    /// The shopper whose order it is.
    pub user_id: UserId,
}

/// Payload of `ReturnRequested`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnRequested {
    /// The shopper whose order it is.
    pub user_id: UserId,
    /// Why they send it back, in their words.
    pub reason: String,
    /// What they send back.
    pub lines: Vec<ReturnLine>,
}

/// Payload of `OrderReturned`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderReturned {
    /// The shopper whose order it is.
    pub user_id: UserId,
    /// What came back and is on sale again.
    pub lines: Vec<ReturnLine>,
    /// What is being refunded for them.
    pub refund_amount: Money,
}

/// Payload of `OrderRefunded`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderRefunded {
    /// The shopper whose order it is.
    pub user_id: UserId,
    /// The refund's name on the payment (`return` for a return).
    pub refund_id: String,
    /// What the gateway gave back.
    pub amount: Money,
    /// The returned lines the refund is for.
    pub lines: Vec<ReturnLine>,
}

/// Payload of `StockLow`. Its detail has no `orderId`: it is about a SKU.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockLow {
    /// The SKU running low.
    pub sku: Sku,
    /// The units left to sell.
    pub available: i64,
    /// The level below which the SKU counts as low.
    pub threshold: u32,
}

/// Payload of `StockChanged`. Its detail has no `orderId`: it is about a SKU.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockChanged {
    /// The SKU counted.
    pub sku: Sku,
    /// Units in the warehouse now, reserved or not.
    pub on_hand: i64,
    /// Units left to sell now.
    pub available: i64,
}

/// What happened to a product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProductChange {
    /// An operator added it.
    Created,
    /// An operator replaced what they control of it (withdrawing it included).
    Replaced,
    /// A review was written, edited or hidden, which moves its rating.
    Rated,
}

/// Payload of `ProductChanged`. Its detail has no `orderId`: it is about a product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductChanged {
    /// The product.
    pub product_id: ProductId,
    /// What happened to it.
    pub change: ProductChange,
}

/// Payload of `CategoryChanged`. Its detail has no `orderId`: it is about a category.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryChanged {
    /// The category.
    pub category_id: CategoryId,
}

/// Payload of `CouponRedeemed` and `CouponReleased`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CouponUse {
    /// The shopper whose order it is.
    pub user_id: UserId,
    /// The coupon the order was placed with.
    pub coupon_code: CouponCode,
    /// What the coupon took off the order.
    pub discount: Money,
}

/// Payload of `CouponRedeemed`.
pub type CouponRedeemed = CouponUse;
/// Payload of `CouponReleased`.
pub type CouponReleased = CouponUse;

/// Payload of `FlashSaleSoldOut`. Its detail has no `orderId`: it is about a sale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlashSaleSoldOut {
    pub sale_id: SaleId,
    /// The SKU on sale.
    pub sku: Sku,
    /// The units the sale set aside, every one now promised.
    pub units: u32,
}
