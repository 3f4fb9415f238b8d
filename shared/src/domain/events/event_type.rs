//! The kinds of event Mambogo publishes, and the service each comes from.

use std::fmt;

const ORDERS: &str = "mambogo.orders";
const PAYMENTS: &str = "mambogo.payments";
const INVENTORY: &str = "mambogo.inventory";
const COUPONS: &str = "mambogo.coupons";
const CATALOG: &str = "mambogo.catalog";
const FLASH_SALES: &str = "mambogo.flash-sales";

/// Declares [`EventType`]: each variant's name is its `detail-type`, and the expression
/// after the arrow its `source`. A new type is one line here, a payload struct, and a
/// schema and an example in `events/`.
macro_rules! event_types {
    ($($(#[$doc:meta])* $name:ident => $source:expr,)+) => {
        /// What happened; names the event's `detail-type` and decides its `source`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum EventType {
            $($(#[$doc])* $name,)+
        }

        impl EventType {
            /// Every event type, in declaration order.
            pub const ALL: &'static [EventType] = &[$(EventType::$name,)+];

            /// The EventBridge `detail-type`: the type's PascalCase name.
            pub fn detail_type(self) -> &'static str {
                match self {
                    $(EventType::$name => stringify!($name),)+
                }
            }

            /// The EventBridge `source`: `mambogo.<service>` of the service that owns it.
            pub fn source(self) -> &'static str {
                match self {
                    $(EventType::$name => $source,)+
                }
            }
        }
    };
}

event_types! {
    /// A shopper checked out; stock is about to be reserved and payment taken.
    OrderPlaced => ORDERS,
    /// Stock is reserved and payment authorized: the order will be fulfilled.
    OrderConfirmed => ORDERS,
    /// Checkout could not complete (out of stock, payment refused); nothing is held.
    OrderFailed => ORDERS,
    /// The shopper or an operator cancelled the order.
    OrderCancelled => ORDERS,
    /// An operator started picking and packing the order.
    OrderProcessing => ORDERS,
    /// The order left the warehouse with a carrier.
    OrderShipped => ORDERS,
    /// The carrier delivered the order.
    OrderDelivered => ORDERS,
    /// The shopper asked to send some lines of a delivered order back.
    ReturnRequested => ORDERS,
    /// An operator accepted the returned lines: they are back in stock and their refund
    /// is asked of the payment gateway.
    OrderReturned => ORDERS,
    /// The payment gateway refunded the returned lines.
    OrderRefunded => ORDERS,
    /// The payment gateway authorized the order's amount.
    PaymentAuthorized => PAYMENTS,
    /// The payment gateway refused the order's amount.
    PaymentFailed => PAYMENTS,
    /// Stock for every line of the order is held until the reservation expires.
    InventoryReserved => INVENTORY,
    /// A reservation was given back to available stock.
    InventoryReleased => INVENTORY,
    /// An order was placed with a coupon, counted against the coupon's limits.
    CouponRedeemed => COUPONS,
    /// An order that failed or was cancelled gave its use of a coupon back.
    CouponReleased => COUPONS,
    /// A SKU's available units fell below its low-stock threshold. About a SKU, not an
    /// order: its detail has no `orderId`.
    StockLow => INVENTORY,
    /// An operator set a SKU's units on hand. About a SKU: its detail has no `orderId`.
    StockChanged => INVENTORY,
    /// A product was created or replaced, or its reviews moved its rating. About a
    /// product: its detail has no `orderId`.
    ProductChanged => CATALOG,
    /// A category was created, renamed or moved. About a category: its detail has no
    /// `orderId`.
    CategoryChanged => CATALOG,
    /// Every unit of a flash sale is promised to a buyer: those still waiting are told
    /// SOLD_OUT. About a sale: its detail has no `orderId`.
    FlashSaleSoldOut => FLASH_SALES,
}

impl EventType {
    /// Whether events of this type are about one order, and so carry its `orderId`.
    pub fn is_about_an_order(self) -> bool {
        !matches!(
            self,
            EventType::StockLow
                | EventType::StockChanged
                | EventType::ProductChanged
                | EventType::CategoryChanged
                | EventType::FlashSaleSoldOut
        )
    }

    /// The type whose `detail-type` is `detail_type`, if there is one.
    pub fn from_detail_type(detail_type: &str) -> Option<EventType> {
        EventType::ALL
            .iter()
            .copied()
            .find(|event_type| event_type.detail_type() == detail_type)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.detail_type())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_comes_from_the_service_named_by_its_prefix() {
        for event_type in EventType::ALL {
            let name = event_type.detail_type();
            let expected = if name.starts_with("Order") || name.starts_with("Return") {
                ORDERS
            } else if name.starts_with("Payment") {
                PAYMENTS
            } else if name.starts_with("Coupon") {
                COUPONS
            } else if name.starts_with("Product") || name.starts_with("Category") {
                CATALOG
            } else if name.starts_with("FlashSale") {
                FLASH_SALES
            } else {
                INVENTORY
            };
            assert_eq!(event_type.source(), expected, "{name}");
        }
    }

    #[test]
    fn only_stock_catalog_and_sale_events_are_about_no_order() {
        let without: Vec<_> = EventType::ALL
            .iter()
            .filter(|event_type| !event_type.is_about_an_order())
            .collect();
        assert_eq!(
            without,
            [
                &EventType::StockLow,
                &EventType::StockChanged,
                &EventType::ProductChanged,
                &EventType::CategoryChanged,
                &EventType::FlashSaleSoldOut
            ]
        );
    }

    #[test]
    fn detail_types_read_back_to_their_type() {
        for event_type in EventType::ALL {
            assert_eq!(
                EventType::from_detail_type(event_type.detail_type()),
                Some(*event_type)
            );
        }
        assert_eq!(EventType::from_detail_type("orderPlaced"), None);
        assert_eq!(EventType::OrderConfirmed.to_string(), "OrderConfirmed");
    }
}
