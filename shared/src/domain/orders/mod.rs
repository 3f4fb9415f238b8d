//! Orders: what was bought at which price, and the life of the order as a checked
//! sequence of status changes: checkout makes it (see [`crate::application::checkout`]), and
//! [`lifecycle`] takes it from there — cancel, process, ship, deliver, return, refund.

mod fulfilment;
mod pricing;
mod quote;
mod status;
mod store;
mod timeline;

pub use fulfilment::{
    ReturnItem, ReturnLine, ReturnRefused, ReturnRequest, Shipment, MAX_REASON, MAX_SHIPMENT_TEXT,
};
pub use pricing::{
    price_cart_for_order, PriceTerms, PricedCart, PricingError, PricingRules, Totals,
};
pub use quote::{Quote, QuotedLine};
pub use status::{IllegalTransition, OrderStatus};
pub use store::OrderStore;
pub use timeline::{timeline, Source, TimelineEntry};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::address::Address;
use crate::domain::correlation::CorrelationId;
use crate::domain::ids::{CouponCode, OrderId, ProductId, Sku, UserId};
use crate::domain::inventory::StockLine;
use crate::domain::mail::EmailAddress;
use crate::domain::money::Money;
use crate::domain::payments::PaymentMethod;

/// One line of an order: a price snapshot taken at checkout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    pub product_id: ProductId,
    pub sku: Sku,
    pub name: String,
    pub quantity: u32,
    pub unit_price: Money,
    pub line_total: Money,
    /// This line's share of a coupon's discount; what was paid for it is the line total
    /// less this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Money>,
}

impl OrderLine {
    /// What the shopper paid for `quantity` of this line's units (at most its quantity):
    /// the line's paid amount in proportion, rounded down, so that the parts of a line
    /// never add up to more than was paid, and all of it is exactly what was paid.
    pub fn paid_for(&self, quantity: u32) -> Money {
        let paid = i128::from(self.line_total.amount)
            - i128::from(self.discount.map_or(0, |discount| discount.amount));
        let share =
            paid * i128::from(quantity.min(self.quantity)) / i128::from(self.quantity.max(1));
        Money::new(i64::try_from(share).unwrap_or(0), self.line_total.currency)
    }
}

/// One status change in an order's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<OrderStatus>,
    pub to: OrderStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who made the change: a user id, `checkout`, `checkout-saga`, `sweeper`,
    /// `admin:<user id>`, `payment-gateway`.
    pub actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Where an order goes and how it is paid, as the shopper chose at checkout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutChoices {
    pub shipping_address: Address,
    /// Who is billed, when not the shipping address.
    pub billing_address: Option<Address>,
    pub payment_method: PaymentMethod,
}

/// An order as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: OrderId,
    pub user_id: UserId,
    pub status: OrderStatus,
    pub lines: Vec<OrderLine>,
    pub totals: Totals,
    /// The coupon the order was placed with; its redemption is given back if the order
    /// fails or is cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_code: Option<CouponCode>,
    /// Where it goes: the order's own copy, which later edits of the address book do not
    /// change. Orders placed before checkout asked for an address have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<Address>,
    /// Who is billed, when not the shipping address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Address>,
    #[serde(default)]
    pub payment_method: PaymentMethod,
    /// Until when the stock stays reserved for this order while it is paid for.
    #[serde(with = "time::serde::rfc3339")]
    pub reservation_expires_at: OffsetDateTime,
    /// SKUs that were short when the order failed for lack of stock.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub out_of_stock: Vec<Sku>,
    pub history: Vec<StatusChange>,
    /// What ties the order's logs and events to the request that placed it; orders placed
    /// before the shop kept one have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<CorrelationId>,
    /// Where the shopper is told about the order: their verified address when they
    /// placed it. Orders placed without one, or before the shop kept it, have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<EmailAddress>,
    /// How the parcel travels, once the order is shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment: Option<Shipment>,
    /// What the shopper asked to send back, once they asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_request: Option<ReturnRequest>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Incremented by every write; stores refuse a write based on a stale version.
    pub version: u64,
}

impl Order {
    /// Whether the order brought `product` to its shopper: it holds the product and was
    /// delivered (a return asked for since does not undo that). What makes a review a
    /// verified purchase.
    pub fn delivered(&self, product: &ProductId) -> bool {
        self.lines.iter().any(|line| &line.product_id == product)
            && self
                .history
                .iter()
                .any(|change| change.to == OrderStatus::Delivered)
    }

    /// A new order, PENDING, with its first history entry.
    pub fn place(
        id: OrderId,
        user_id: UserId,
        lines: Vec<OrderLine>,
        totals: Totals,
        reservation_expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Self {
        Order {
            id,
            user_id: user_id.clone(),
            status: OrderStatus::Pending,
            lines,
            totals,
            coupon_code: None,
            shipping_address: None,
            billing_address: None,
            payment_method: PaymentMethod::default(),
            reservation_expires_at,
            out_of_stock: Vec::new(),
            history: vec![StatusChange {
                from: None,
                to: OrderStatus::Pending,
                at: now,
                actor: user_id.to_string(),
                reason: None,
            }],
            correlation_id: None,
            contact_email: None,
            shipment: None,
            return_request: None,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    /// This order, sent and paid as the shopper chose.
    pub fn with_choices(self, choices: CheckoutChoices) -> Self {
        Order {
            shipping_address: Some(choices.shipping_address),
            billing_address: choices.billing_address,
            payment_method: choices.payment_method,
            ..self
        }
    }

    /// The order's lines as units of stock: what its reservation holds.
    pub fn stock_lines(&self) -> Vec<StockLine> {
        self.lines
            .iter()
            .map(|line| StockLine {
                sku: line.sku.clone(),
                quantity: line.quantity,
            })
            .collect()
    }

    /// How many units of `sku` the order buys.
    pub fn quantity_of(&self, sku: &Sku) -> u32 {
        self.lines
            .iter()
            .filter(|line| line.sku == *sku)
            .fold(0, |sum, line| sum.saturating_add(line.quantity))
    }

    /// Moves the order to `to` if the rules allow it from its current status, recording
    /// who did it and why; bumps the version for the conditional write.
    pub fn transition(
        &mut self,
        to: OrderStatus,
        actor: &str,
        reason: Option<String>,
        now: OffsetDateTime,
    ) -> Result<(), IllegalTransition> {
        if !self.status.can_become(to) {
            return Err(IllegalTransition {
                current: self.status,
                requested: to,
            });
        }
        self.history.push(StatusChange {
            from: Some(self.status),
            to,
            at: now,
            actor: actor.to_owned(),
            reason,
        });
        self.status = to;
        self.updated_at = now;
        self.version += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;

    fn order() -> Order {
        let zero = Money::zero(Currency::USD);
        let totals = Totals {
            subtotal: zero,
            discount: None,
            shipping: zero,
            tax: zero,
            total: zero,
        };
        Order::place(
            OrderId::parse("0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55").unwrap(),
            UserId::parse("alice").unwrap(),
            Vec::new(),
            totals,
            OffsetDateTime::UNIX_EPOCH,
            OffsetDateTime::UNIX_EPOCH,
        )
    }

    #[test]
    fn a_legal_transition_is_recorded_in_the_history() {
        let mut order = order();
        order
            .transition(
                OrderStatus::Confirmed,
                "saga",
                None,
                OffsetDateTime::UNIX_EPOCH,
            )
            .unwrap();
        assert_eq!(order.status, OrderStatus::Confirmed);
        assert_eq!(order.version, 2);
        let last = order.history.last().unwrap();
        assert_eq!(
            (last.from, last.to, last.actor.as_str()),
            (Some(OrderStatus::Pending), OrderStatus::Confirmed, "saga")
        );
    }

    #[test]
    fn orders_stored_before_shipments_and_returns_still_read() {
        let mut stored = serde_json::to_value(order()).unwrap();
        assert_eq!(
            stored.get("shipment"),
            None,
            "absent fields are not written"
        );
        stored.as_object_mut().unwrap().remove("returnRequest");
        let read: Order = serde_json::from_value(stored).unwrap();
        assert_eq!(read, order());
        assert_eq!((read.shipment, read.return_request), (None, None));
    }

    #[test]
    fn an_illegal_transition_changes_nothing() {
        let mut order = order();
        let before = order.clone();
        let refused = order.transition(
            OrderStatus::Shipped,
            "ops",
            None,
            OffsetDateTime::UNIX_EPOCH,
        );
        assert_eq!(
            refused,
            Err(IllegalTransition {
                current: OrderStatus::Pending,
                requested: OrderStatus::Shipped
            })
        );
        assert_eq!(order, before);
    }
}
