//! After confirmation: the parcel on its way, and what the shopper sends back. The rules
//! here are pure; [`super::lifecycle`] runs them against the stores.

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::{IllegalTransition, Order, OrderStatus};
use crate::domain::address::Address;
use crate::domain::ids::Sku;
use crate::domain::money::Money;
use crate::domain::validation::FieldError;

/// The longest carrier name or tracking number an order keeps.
pub const MAX_SHIPMENT_TEXT: usize = 100;
/// The longest reason for a cancellation or a return.
pub const MAX_REASON: usize = 500;

/// How a shipped order travels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shipment {
    pub carrier: String,
    pub tracking_number: String,
    #[serde(with = "time::serde::rfc3339")]
    pub shipped_at: OffsetDateTime,
    /// Where the parcel goes: the order's shipping address when it was shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<Address>,
}

/// Units of one SKU the shopper asks to send back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnItem {
    pub sku: Sku,
    pub quantity: u32,
}

/// One line of a return: units of one SKU and what they cost when ordered, which is what
/// the shopper gets back for them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnLine {
    pub sku: Sku,
    pub quantity: u32,
    pub amount: Money,
}

/// What the shopper asked to send back, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnRequest {
    pub reason: String,
    pub lines: Vec<ReturnLine>,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
}

impl ReturnRequest {
    /// What the returned lines cost: the amount refunded for them.
    pub fn refund_amount(&self) -> Option<Money> {
        let (first, rest) = self.lines.split_first()?;
        rest.iter()
            .try_fold(first.amount, |sum, line| sum.checked_add(line.amount).ok())
    }
}

/// Why a return was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReturnRefused {
    /// Only delivered orders can be returned by their shopper.
    #[error("an order that is {0} cannot be returned; returns open once it is delivered")]
    NotDelivered(OrderStatus),
    /// The return window has passed.
    #[error("the return window closed at {closed_at}: returns are accepted for {window_days} days after delivery ({delivered_at})", closed_at = rfc3339(*.closed_at), delivered_at = rfc3339(*.delivered_at))]
    WindowClosed {
        delivered_at: OffsetDateTime,
        closed_at: OffsetDateTime,
        window_days: i64,
    },
    /// The lines asked for are not a part of the order.
    #[error("the lines to return are not a part of the order")]
    Lines(Vec<FieldError>),
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}

impl Order {
    /// When the order was delivered: the time of its last change to DELIVERED.
    pub fn delivered_at(&self) -> Option<OffsetDateTime> {
        self.history
            .iter()
            .rev()
            .find(|change| change.to == OrderStatus::Delivered)
            .map(|change| change.at)
    }

    /// The reason recorded with the order's last change to `status`.
    pub fn reason_for(&self, status: OrderStatus) -> Option<&str> {
        self.history
            .iter()
            .rev()
            .find(|change| change.to == status)
            .and_then(|change| change.reason.as_deref())
    }

    /// When the order last changed to `status`.
    pub fn changed_to_at(&self, status: OrderStatus) -> Option<OffsetDateTime> {
        self.history
            .iter()
            .rev()
            .find(|change| change.to == status)
            .map(|change| change.at)
    }

    /// Hands the order to `shipment`'s carrier, addressed to the order's shipping address:
    /// PROCESSING → SHIPPED.
    pub fn ship(
        &mut self,
        shipment: Shipment,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), IllegalTransition> {
        self.transition(OrderStatus::Shipped, actor, None, now)?;
        self.shipment = Some(Shipment {
            ship_to: self.shipping_address.clone(),
            ..shipment
        });
        Ok(())
    }

    /// The shopper asks to send `items` back: DELIVERED → RETURN_REQUESTED, within
    /// `window` of delivery, for SKUs of the order and at most the units ordered. Each line
    /// is priced at what was paid for those units ([`super::OrderLine::paid_for`]: the
    /// line's price less its share of a coupon's discount).
    pub fn request_return(
        &mut self,
        items: &[ReturnItem],
        reason: String,
        window: Duration,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), ReturnRefused> {
        if self.status != OrderStatus::Delivered {
            return Err(ReturnRefused::NotDelivered(self.status));
        }
        // A delivered order always has the change in its history; the update time stands
        // in for it should stored data lack it.
        let delivered_at = self.delivered_at().unwrap_or(self.updated_at);
        let closed_at = delivered_at + window;
        if now > closed_at {
            return Err(ReturnRefused::WindowClosed {
                delivered_at,
                closed_at,
                window_days: window.whole_days(),
            });
        }
        let lines = self.price_return(items).map_err(ReturnRefused::Lines)?;
        self.transition(
            OrderStatus::ReturnRequested,
            actor,
            Some(reason.clone()),
            now,
        )
        .map_err(|refused| ReturnRefused::NotDelivered(refused.current))?;
        self.return_request = Some(ReturnRequest {
            reason,
            lines,
            requested_at: now,
        });
        Ok(())
    }

    /// `items` as priced return lines, or every way they do not fit the order.
    fn price_return(&self, items: &[ReturnItem]) -> Result<Vec<ReturnLine>, Vec<FieldError>> {
        if items.is_empty() {
            return Err(vec![FieldError::new(
                "lines",
                "name at least one line of the order to return",
            )]);
        }
        let mut errors = Vec::new();
        let mut lines = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            if items[..index].iter().any(|earlier| earlier.sku == item.sku) {
                errors.push(FieldError::new(
                    format!("lines[{index}].sku"),
                    format!("{} is named twice; name each SKU once", item.sku),
                ));
                continue;
            }
            let ordered = self.lines.iter().filter(|line| line.sku == item.sku);
            let units: u32 = ordered.clone().map(|line| line.quantity).sum();
            let Some(line) = ordered.clone().next() else {
                errors.push(FieldError::new(
                    format!("lines[{index}].sku"),
                    format!("{} is not in this order", item.sku),
                ));
                continue;
            };
            if item.quantity == 0 || item.quantity > units {
                errors.push(FieldError::new(
                    format!("lines[{index}].quantity"),
                    format!(
                        "must be from 1 to {units}, the units of {} ordered",
                        item.sku
                    ),
                ));
                continue;
            }
            lines.push(ReturnLine {
                sku: item.sku.clone(),
                quantity: item.quantity,
                amount: line.paid_for(item.quantity),
            });
        }
        if errors.is_empty() {
            Ok(lines)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::domain::ids::{OrderId, ProductId, UserId};
    use crate::domain::money::Currency;
    use crate::domain::orders::{OrderLine, Totals};

    const PLACED: OffsetDateTime = datetime!(2026-03-01 10:00:00 UTC);

    fn usd(amount: i64) -> Money {
        Money::new(amount, Currency::USD)
    }

    fn line(sku: &str, quantity: u32, unit: i64) -> OrderLine {
        OrderLine {
            product_id: ProductId::parse("prod_1").unwrap(),
            sku: Sku::parse(sku).unwrap(),
            name: sku.to_owned(),
            quantity,
            unit_price: usd(unit),
            line_total: usd(unit * i64::from(quantity)),
            discount: None,
        }
    }

    fn delivered() -> Order {
        let lines = vec![line("A-1", 2, 1_000), line("B-2", 1, 2_500)];
        let totals = Totals {
            subtotal: usd(4_500),
            discount: None,
            shipping: usd(599),
            tax: usd(360),
            total: usd(5_459),
        };
        let mut order = Order::place(
            OrderId::parse("0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55").unwrap(),
            UserId::parse("alice").unwrap(),
            lines,
            totals,
            PLACED,
            PLACED,
        );
        for status in [
            OrderStatus::Confirmed,
            OrderStatus::Processing,
            OrderStatus::Shipped,
            OrderStatus::Delivered,
        ] {
            order
                .transition(status, "ops", None, PLACED + Duration::days(1))
                .unwrap();
        }
        order
    }

    fn item(sku: &str, quantity: u32) -> ReturnItem {
        ReturnItem {
            sku: Sku::parse(sku).unwrap(),
            quantity,
        }
    }

    #[test]
    fn some_lines_are_returned_at_the_price_paid() {
        let mut order = delivered();
        let now = PLACED + Duration::days(5);
        order
            .request_return(
                &[item("A-1", 1)],
                "too big".into(),
                Duration::days(30),
                "alice",
                now,
            )
            .unwrap();
        assert_eq!(order.status, OrderStatus::ReturnRequested);
        let request = order.return_request.clone().unwrap();
        assert_eq!(
            request.lines,
            [ReturnLine {
                sku: Sku::parse("A-1").unwrap(),
                quantity: 1,
                amount: usd(1_000)
            }]
        );
        assert_eq!(request.refund_amount(), Some(usd(1_000)));
        assert_eq!(order.history.last().unwrap().actor, "alice");
    }

    #[test]
    fn the_window_counts_from_delivery() {
        let delivered_at = PLACED + Duration::days(1);
        let window = Duration::days(30);
        let mut order = delivered();
        let last_moment = delivered_at + window;
        assert!(order
            .clone()
            .request_return(
                &[item("B-2", 1)],
                "late".into(),
                window,
                "alice",
                last_moment
            )
            .is_ok());
        let refused = order.request_return(
            &[item("B-2", 1)],
            "late".into(),
            window,
            "alice",
            last_moment + Duration::seconds(1),
        );
        let Err(refused) = refused else {
            panic!("a return after the window was accepted")
        };
        assert_eq!(
            refused,
            ReturnRefused::WindowClosed {
                delivered_at,
                closed_at: last_moment,
                window_days: 30
            }
        );
        assert!(refused.to_string().contains("2026-04-01T10:00:00Z"));
        assert_eq!(order.status, OrderStatus::Delivered);
    }

    #[test]
    fn lines_must_be_a_part_of_the_order() {
        let mut order = delivered();
        let now = PLACED + Duration::days(2);
        let refused = order.request_return(
            &[
                item("A-1", 3),
                item("Z-9", 1),
                item("B-2", 1),
                item("B-2", 1),
            ],
            "no".into(),
            Duration::days(30),
            "alice",
            now,
        );
        let Err(ReturnRefused::Lines(errors)) = refused else {
            panic!("expected refused lines, got {refused:?}")
        };
        let fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(
            fields,
            ["lines[0].quantity", "lines[1].sku", "lines[3].sku"]
        );
        let none = order.request_return(&[], "no".into(), Duration::days(30), "alice", now);
        assert!(matches!(none, Err(ReturnRefused::Lines(_))));
        assert_eq!(order.status, OrderStatus::Delivered);
    }

    #[test]
    fn only_delivered_orders_are_returned() {
        let mut order = delivered();
        order.status = OrderStatus::Shipped;
        assert_eq!(
            order.request_return(
                &[item("A-1", 1)],
                "x".into(),
                Duration::days(30),
                "alice",
                PLACED
            ),
            Err(ReturnRefused::NotDelivered(OrderStatus::Shipped))
        );
    }

    #[test]
    fn shipping_records_the_carrier() {
        let mut order = delivered();
        order.status = OrderStatus::Processing;
        let shipment = Shipment {
            carrier: "UPS".into(),
            tracking_number: "1Z999".into(),
            shipped_at: PLACED,
            ship_to: None,
        };
        order.ship(shipment.clone(), "admin:ops", PLACED).unwrap();
        assert_eq!(order.status, OrderStatus::Shipped);
        assert_eq!(order.shipment, Some(shipment.clone()));
        assert!(order.ship(shipment, "admin:ops", PLACED).is_err());
    }

    #[test]
    fn a_parcel_goes_to_the_orders_shipping_address() {
        let mut order = delivered();
        order.status = OrderStatus::Processing;
        let address = Address {
            name: "Ada Lovelace".into(),
            line1: "12 St James's Square".into(),
            line2: None,
            city: "London".into(),
            region: None,
            postal_code: "SW1Y 4JH".into(),
            country: "GB".into(),
        };
        order.shipping_address = Some(address.clone());
        let shipment = Shipment {
            carrier: "UPS".into(),
            tracking_number: "1Z999".into(),
            shipped_at: PLACED,
            ship_to: None,
        };
        order.ship(shipment, "admin:ops", PLACED).unwrap();
        assert_eq!(
            order.shipment.and_then(|shipment| shipment.ship_to),
            Some(address)
        );
    }
}
