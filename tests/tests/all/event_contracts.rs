//! Every event keeps to its contract in `events/`: examples validate against schemas,
//! payload structs and schemas agree, and a broken detail is refused.

use std::collections::BTreeSet;

use mambogo::domain::address::Address;
use mambogo::domain::events::payloads::{
    CategoryChanged, CouponRedeemed, CouponReleased, CouponUse, EventLine, FlashSaleSoldOut,
    InventoryReleased, InventoryReserved, OrderCancelled, OrderConfirmed, OrderDelivered,
    OrderFailed, OrderPlaced, OrderProcessing, OrderRefunded, OrderReturned, OrderShipped,
    PaymentAuthorized, PaymentFailed, ProductChange, ProductChanged, ReturnLine, ReturnRequested,
    StockChanged, StockLow, StockQuantity,
};
use mambogo::domain::events::{DomainEvent, EventType};
use mambogo::domain::ids::{CategoryId, CouponCode, OrderId, ProductId, SaleId, Sku, UserId};
use mambogo::domain::money::{Currency, Money};
use mambogo_tests::events::{assert_valid, contracts_dir, example, validation_errors};
use serde::Serialize;
use serde_json::{json, Value};
use time::macros::datetime;
use uuid::Uuid;

fn file_stems(folder: &str) -> BTreeSet<String> {
    std::fs::read_dir(contracts_dir().join(folder))
        .unwrap()
        .map(|entry| {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".json")
                .unwrap_or_else(|| panic!("events/{folder}/{name} is not a .json file"))
                .to_owned()
        })
        .collect()
}

fn example_event(event_type: EventType) -> DomainEvent {
    DomainEvent::from_envelope(&example(event_type))
        .unwrap_or_else(|error| panic!("the {event_type} example is not an event: {error}"))
}

#[test]
fn every_event_type_has_exactly_one_schema_and_one_example() {
    let types: BTreeSet<String> = EventType::ALL
        .iter()
        .map(|event_type| event_type.detail_type().to_owned())
        .collect();
    assert_eq!(file_stems("schemas"), types);
    assert_eq!(file_stems("examples"), types);
}

#[test]
fn every_example_keeps_to_its_schema() {
    for &event_type in EventType::ALL {
        let event = example_event(event_type);
        assert_eq!(event.event_type, event_type);
        assert_valid(&event);
    }
}

/// The example's detail read into its payload struct and built again with
/// [`DomainEvent::new`] (or [`DomainEvent::without_order`] for an event about no order),
/// correlated as the example is: equal only if the struct and the example name the same
/// fields.
fn rebuilt(event: &DomainEvent) -> DomainEvent {
    let event_id = event.event_id().unwrap();
    let occurred_at = event.occurred_at().unwrap();
    let correlation_id = event.correlation_id();
    let build = |payload: Value| match event.order_id() {
        Some(order_id) => {
            DomainEvent::new(event.event_type, event_id, order_id, occurred_at, payload)
                .map(|built| built.correlated(correlation_id.as_ref()))
        }
        None => DomainEvent::without_order(event.event_type, event_id, occurred_at, payload),
    };
    macro_rules! rebuild {
        ($($payload:ident),+) => {
            match event.event_type {
                $(EventType::$payload => {
                    build(serde_json::to_value(event.payload::<$payload>().unwrap()).unwrap())
                })+
            }
        };
    }
    rebuild!(
        OrderPlaced,
        OrderConfirmed,
        OrderFailed,
        OrderCancelled,
        OrderProcessing,
        OrderShipped,
        OrderDelivered,
        ReturnRequested,
        OrderReturned,
        OrderRefunded,
        PaymentAuthorized,
        PaymentFailed,
        InventoryReserved,
        InventoryReleased,
        StockLow,
        StockChanged,
        ProductChanged,
        CategoryChanged,
        CouponRedeemed,
        CouponReleased,
        FlashSaleSoldOut
    )
    .unwrap()
}

#[test]
fn payload_structs_carry_exactly_the_fields_of_the_examples() {
    for &event_type in EventType::ALL {
        let event = example_event(event_type);
        assert_eq!(rebuilt(&event), event, "{event_type}");
    }
}

fn usd(amount: i64) -> Money {
    Money::new(amount, Currency::USD)
}

fn sku(raw: &str) -> Sku {
    Sku::parse(raw).unwrap()
}

fn alice() -> UserId {
    UserId::parse("alice@example.com").unwrap()
}

fn stock() -> Vec<StockQuantity> {
    vec![StockQuantity {
        sku: sku("HP-0042-BLK"),
        quantity: 3,
    }]
}

fn built(event_type: EventType, payload: impl Serialize) -> DomainEvent {
    let order_id = OrderId::from_uuid(Uuid::new_v4());
    let at = datetime!(2026-05-04 08:30:15.25 +01:00);
    if event_type.is_about_an_order() {
        DomainEvent::new(event_type, Uuid::new_v4(), order_id, at, payload).unwrap()
    } else {
        DomainEvent::without_order(event_type, Uuid::new_v4(), at, payload).unwrap()
    }
}

fn returned() -> Vec<ReturnLine> {
    vec![ReturnLine {
        sku: sku("HP-0042-BLK"),
        quantity: 1,
        amount: usd(2999),
    }]
}

fn coupon_use() -> CouponUse {
    CouponUse {
        user_id: alice(),
        coupon_code: CouponCode::parse("SPRING-10").unwrap(),
        discount: usd(500),
    }
}

#[test]
fn events_built_from_each_payload_keep_to_their_schema() {
    let expires = datetime!(2026-05-04 07:45:15 UTC);
    let events = [
        built(
            EventType::OrderPlaced,
            OrderPlaced {
                user_id: alice(),
                total: usd(8997),
                lines: vec![EventLine {
                    sku: sku("HP-0042-BLK"),
                    quantity: 3,
                    unit_price: usd(2999),
                }],
                reservation_expires_at: expires,
            },
        ),
        built(
            EventType::OrderConfirmed,
            OrderConfirmed {
                user_id: alice(),
                total: usd(8997),
                placed_at: datetime!(2026-05-04 08:29:58 +01:00),
            },
        ),
        built(
            EventType::OrderFailed,
            OrderFailed {
                user_id: alice(),
                reason: "out of stock".into(),
                out_of_stock_skus: vec![sku("HP-0042-BLK"), sku("CBL-1")],
            },
        ),
        built(
            EventType::OrderCancelled,
            OrderCancelled {
                user_id: alice(),
                reason: "changed my mind".into(),
            },
        ),
        built(
            EventType::OrderProcessing,
            OrderProcessing { user_id: alice() },
        ),
        built(
            EventType::OrderShipped,
            OrderShipped {
                user_id: alice(),
                carrier: "UPS".into(),
                tracking_number: "1Z999AA10123456784".into(),
                ship_to: Some(Address {
                    name: "Alice Example".into(),
                    line1: "1 Market St".into(),
                    line2: Some("Suite 300".into()),
                    city: "San Francisco".into(),
                    region: Some("CA".into()),
                    postal_code: "94105".into(),
                    country: "US".into(),
                }),
            },
        ),
        built(
            EventType::OrderDelivered,
            OrderDelivered { user_id: alice() },
        ),
        built(
            EventType::ReturnRequested,
            ReturnRequested {
                user_id: alice(),
                reason: "too small".into(),
                lines: returned(),
            },
        ),
        built(
            EventType::OrderReturned,
            OrderReturned {
                user_id: alice(),
                lines: returned(),
                refund_amount: usd(2999),
            },
        ),
        built(
            EventType::OrderRefunded,
            OrderRefunded {
                user_id: alice(),
                refund_id: "return".into(),
                amount: usd(2999),
                lines: returned(),
            },
        ),
        built(
            EventType::StockLow,
            StockLow {
                sku: sku("HP-0042-BLK"),
                available: 2,
                threshold: 5,
            },
        ),
        built(
            EventType::PaymentAuthorized,
            PaymentAuthorized {
                amount: usd(8997),
                gateway_reference: "auth_1".into(),
            },
        ),
        built(
            EventType::PaymentFailed,
            PaymentFailed {
                amount: Money::new(100, "EUR".parse().unwrap()),
                reason: "card declined".into(),
            },
        ),
        built(
            EventType::InventoryReserved,
            InventoryReserved {
                lines: stock(),
                expires_at: expires,
            },
        ),
        built(
            EventType::InventoryReleased,
            InventoryReleased {
                lines: stock(),
                reason: "reservation expired".into(),
            },
        ),
        built(
            EventType::StockChanged,
            StockChanged {
                sku: sku("HP-0042-BLK"),
                on_hand: 40,
                available: 37,
            },
        ),
        built(
            EventType::ProductChanged,
            ProductChanged {
                product_id: ProductId::parse("prod_0042").unwrap(),
                change: ProductChange::Rated,
            },
        ),
        built(
            EventType::CategoryChanged,
            CategoryChanged {
                category_id: CategoryId::parse("audio-headphones").unwrap(),
            },
        ),
        built(EventType::CouponRedeemed, coupon_use()),
        built(EventType::CouponReleased, coupon_use()),
        built(
            EventType::FlashSaleSoldOut,
            FlashSaleSoldOut {
                sale_id: SaleId::parse("0f8e7d6c-5b4a-4392-8817-263544536271").unwrap(),
                sku: sku("HP-0042-BLK"),
                units: 10_000,
            },
        ),
    ];
    let covered: BTreeSet<EventType> = events.iter().map(|event| event.event_type).collect();
    assert_eq!(covered, EventType::ALL.iter().copied().collect());
    for event in &events {
        assert_valid(event);
    }
}

fn placed_detail_with(change: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut detail = example(EventType::OrderPlaced)["detail"].clone();
    change(&mut detail);
    validation_errors(EventType::OrderPlaced, &detail)
}

/// A way to break a detail, named for the failure message.
type Breakage = (&'static str, fn(&mut Value));

fn without_order_id(detail: &mut Value) {
    detail.as_object_mut().unwrap().remove("orderId");
}

#[test]
fn broken_details_are_refused() {
    assert!(placed_detail_with(|_| ()).is_empty());
    let breakages: [Breakage; 10] = [
        ("missing orderId", without_order_id),
        ("extra field", |d| d["couponCode"] = json!("SPRING")),
        ("extra line field", |d| d["lines"][0]["gift"] = json!(true)),
        ("lowercase currency", |d| {
            d["total"]["currency"] = json!("usd")
        }),
        ("fractional amount", |d| d["total"]["amount"] = json!(29.99)),
        ("version 2", |d| d["version"] = json!(2)),
        ("orderId not a UUID", |d| d["orderId"] = json!("order-1")),
        ("occurredAt not a date-time", |d| {
            d["occurredAt"] = json!("yesterday")
        }),
        ("no lines", |d| d["lines"] = json!([])),
        ("bad SKU", |d| d["lines"][0]["sku"] = json!("hp 42")),
    ];
    for (what, breakage) in breakages {
        assert!(
            !placed_detail_with(breakage).is_empty(),
            "{what} was accepted"
        );
    }
    let missing = placed_detail_with(without_order_id);
    assert!(
        missing.iter().any(|error| error.contains("orderId")),
        "{missing:?}"
    );
}

#[test]
#[should_panic(expected = "the OrderConfirmed event breaks its schema")]
fn assert_valid_names_the_broken_event() {
    let mut event = example_event(EventType::OrderConfirmed);
    event.detail["total"]["currency"] = json!("DOLLARS");
    assert_valid(&event);
}
