//! The `notify-shopper` and `stock-alerts` consumers act once per event however often
//! it is delivered, alone and in the local shop behind their rules and grants; the
//! shopper's and the operators' notifications are mailed once.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use mambogo::adapters::local_bus::LocalEventBus;
use mambogo::adapters::sqlite::{SqliteDb, SqliteIdempotency, SqliteInventory};
use mambogo::application::consumers::{stock_low_id, NotifyShopper, StockAlerts};
use mambogo::application::Services;
use mambogo::domain::clock::ManualClock;
use mambogo::domain::events::payloads::{
    InventoryReserved, OrderConfirmed, OrderShipped, StockQuantity,
};
use mambogo::domain::events::{DomainEvent, EventConsumer, EventType};
use mambogo::domain::ids::{OrderId, Sku, UserId};
use mambogo::domain::inventory::{InventoryStore, StockLine};
use mambogo::domain::mail::{Mail, MailError, Mailer};
use mambogo::domain::money::{Currency, Money};
use mambogo::domain::operations::{Delivery, Notification, NotificationOutbox, OPERATORS};
use mambogo::domain::store::PageRequest;
use mambogo_local::{LocalConfig, TestHooks, DEV_OPERATORS_EMAIL};
use mambogo_tests::checkout::{assert_consistent, checkout, fill_cart, order_id, saga_finished};
use mambogo_tests::events::assert_valid;
use mambogo_tests::on_both_stores;
use mambogo_tests::shop::{token, As, Stores, TestShop};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const NOW: OffsetDateTime = datetime!(2030-01-01 12:00 UTC);
/// A demo SKU with stock, as the checkout tests use.
const SHOP_SKU: &str = "MB-0002-BLK";

fn alice() -> UserId {
    UserId::parse("alice").unwrap()
}

fn shipped(event_id: Uuid, order: OrderId) -> DomainEvent {
    DomainEvent::new(
        EventType::OrderShipped,
        event_id,
        order,
        NOW,
        OrderShipped {
            user_id: alice(),
            carrier: "UPS".into(),
            tracking_number: "1Z999AA10123456784".into(),
            ship_to: None,
        },
    )
    .unwrap()
}

async fn notifications(outbox: &dyn NotificationOutbox, recipient: &str) -> Vec<Notification> {
    outbox
        .notifications_for(recipient, &PageRequest::first(100))
        .await
        .unwrap()
        .items
}

/// A mailer that answers as the test scripts it, in turn (then with message ids), and
/// keeps every mail it was given.
#[derive(Default)]
struct ScriptedMailer {
    answers: Mutex<VecDeque<Result<String, MailError>>>,
    given: Mutex<Vec<Mail>>,
}

impl ScriptedMailer {
    fn answering(&self, answer: Result<String, MailError>) {
        self.answers.lock().unwrap().push_back(answer);
    }

    fn given(&self) -> Vec<Mail> {
        self.given.lock().unwrap().clone()
    }
}

#[async_trait]
impl Mailer for ScriptedMailer {
    async fn send(&self, mail: &Mail) -> Result<String, MailError> {
        let mut given = self.given.lock().unwrap();
        given.push(mail.clone());
        let scripted = self.answers.lock().unwrap().pop_front();
        scripted.unwrap_or_else(|| Ok(format!("message-{}", given.len())))
    }
}

fn delivery_of(notification: &Notification) -> Delivery {
    notification
        .delivery
        .clone()
        .unwrap_or_else(|| panic!("no delivery: {notification:#?}"))
}

#[tokio::test]
async fn a_redelivered_event_notifies_and_mails_the_shopper_once() {
    let shop = TestShop::start().await;
    let alice_token = token("alice", false);
    fill_cart(&shop, &alice_token, &[(SHOP_SKU, 1)]).await;
    let order = order_id(&checkout(&shop, &alice_token, "key-1", "tok_approve").await);
    saga_finished(&shop, &order).await;

    let mailer = Arc::new(ScriptedMailer::default());
    let clock = Arc::new(ManualClock::new(NOW));
    let services = Services {
        mailer: mailer.clone(),
        clock: clock.clone(),
        operators_email: None,
        ..(*shop.inner().services).clone()
    };
    let outbox = Arc::clone(&services.notifications);
    let consumer = NotifyShopper { services };

    // The mail service is down: the event fails, to come again; it is kept unmailed.
    let event = shipped(Uuid::new_v4(), order);
    mailer.answering(Err(MailError::Unavailable("SES did not answer".into())));
    assert!(consumer.consume(&event).await.is_err());
    let kept = &notifications(outbox.as_ref(), "alice").await;
    let shipped_notice = kept.iter().find(|n| n.kind == "OrderShipped").unwrap();
    assert_eq!(shipped_notice.delivery, None);

    clock.advance(Duration::minutes(3));
    consumer.consume(&event).await.unwrap();
    consumer.consume(&event).await.unwrap();
    let given = mailer.given();
    assert_eq!(given.len(), 2, "one failed send, one sent, none after");
    assert_eq!(given[0], given[1], "the same message both times");
    let mail = &given[1];
    assert_eq!(mail.to.as_str(), "alice@example.com", "the order's address");
    assert_eq!(mail.subject, "Your order is on its way");
    assert!(mail.body.contains("1Z999AA10123456784"));
    assert_eq!(mail.at, NOW, "the notification's time");

    let written: Vec<Notification> = notifications(outbox.as_ref(), "alice")
        .await
        .into_iter()
        .filter(|n| n.kind == "OrderShipped")
        .collect();
    assert_eq!(written.len(), 1, "{written:#?}");
    let notification = &written[0];
    assert_eq!(notification.event_id, event.event_id().unwrap().to_string());
    assert_eq!(notification.order_id, Some(order));
    assert_eq!(notification.created_at, NOW, "the first delivery's is kept");
    assert_eq!(
        delivery_of(notification),
        Delivery::Sent {
            to: mail.to.clone(),
            message_id: "message-2".into(),
            at: NOW + Duration::minutes(3),
        }
    );

    // Refused for good: kept as refused, never sent again.
    let refused = shipped(Uuid::new_v4(), order);
    mailer.answering(Err(MailError::Refused("address rejected".into())));
    consumer.consume(&refused).await.unwrap();
    consumer.consume(&refused).await.unwrap();
    assert_eq!(mailer.given().len(), 3);

    // Not the recipient's order, or no order at all: nothing to mail to.
    let strangers = shipped(Uuid::new_v4(), OrderId::from_uuid(Uuid::from_u128(0xfeed)));
    consumer.consume(&strangers).await.unwrap();
    assert_eq!(mailer.given().len(), 3);
    let deliveries: Vec<(String, Delivery)> = notifications(outbox.as_ref(), "alice")
        .await
        .iter()
        .filter(|n| n.kind == "OrderShipped")
        .map(|n| (n.event_id.clone(), delivery_of(n)))
        .collect();
    let of = |event: &DomainEvent| {
        let id = event.event_id().unwrap().to_string();
        deliveries
            .iter()
            .find(|(event_id, _)| *event_id == id)
            .map(|(_, delivery)| delivery.clone())
            .unwrap()
    };
    assert!(
        matches!(of(&refused), Delivery::Refused { reason, .. } if reason.contains("address rejected"))
    );
    assert!(matches!(of(&strangers), Delivery::Unsent { .. }));
    assert!(notifications(outbox.as_ref(), OPERATORS).await.is_empty());
    shop.stop().await;
}

struct AlertFixture {
    inventory: Arc<SqliteInventory>,
    bus: Arc<LocalEventBus>,
    consumer: StockAlerts,
    sku: Sku,
}

async fn alert_fixture(on_hand: u32, threshold: u32) -> AlertFixture {
    let db = SqliteDb::in_memory().unwrap();
    let inventory = Arc::new(SqliteInventory::new(db.clone()));
    let bus = Arc::new(LocalEventBus::routing(Vec::new()));
    let sku = Sku::parse("TEE-RED-M").unwrap();
    inventory.set_on_hand(&sku, on_hand).await.unwrap();
    let level = inventory
        .set_low_stock_threshold(&sku, Some(threshold))
        .await
        .unwrap();
    assert_eq!(level.low_stock_threshold, Some(threshold));
    AlertFixture {
        consumer: StockAlerts {
            inventory: inventory.clone(),
            idempotency: Arc::new(SqliteIdempotency::new(db)),
            events: bus.clone(),
            clock: Arc::new(ManualClock::new(NOW)),
        },
        inventory,
        bus,
        sku,
    }
}

impl AlertFixture {
    /// Reserves `quantity` units for a new order and returns its InventoryReserved.
    async fn reserve(&self, serial: u128, quantity: u32) -> DomainEvent {
        let order = OrderId::from_uuid(Uuid::from_u128(serial));
        let line = StockLine {
            sku: self.sku.clone(),
            quantity,
        };
        let expires_at = NOW + Duration::minutes(15);
        self.inventory
            .reserve(&order, &[line], expires_at, NOW)
            .await
            .unwrap();
        DomainEvent::new(
            EventType::InventoryReserved,
            Uuid::new_v4(),
            order,
            NOW,
            InventoryReserved {
                lines: vec![StockQuantity {
                    sku: self.sku.clone(),
                    quantity,
                }],
                expires_at,
            },
        )
        .unwrap()
    }

    fn alerts(&self) -> Vec<DomainEvent> {
        self.bus
            .published()
            .into_iter()
            .filter(|event| event.event_type == EventType::StockLow)
            .collect()
    }
}

#[tokio::test]
async fn stock_falling_below_its_threshold_alerts_once_however_often_delivered() {
    let fixture = alert_fixture(10, 5).await;
    let above = fixture.reserve(1, 4).await;
    fixture.consumer.consume(&above).await.unwrap();
    assert!(
        fixture.alerts().is_empty(),
        "6 left of threshold 5 is not low"
    );

    let below = fixture.reserve(2, 3).await;
    fixture.consumer.consume(&below).await.unwrap();
    fixture.consumer.consume(&below).await.unwrap();
    let alerts = fixture.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let alert = &alerts[0];
    assert_valid(alert);
    let order = below.order_id().unwrap();
    assert_eq!(alert.event_id(), Some(stock_low_id(&order, &fixture.sku)));
    assert_eq!(alert.order_id(), None, "StockLow is about a SKU");
    assert_eq!(alert.detail["sku"], "TEE-RED-M");
    assert_eq!(alert.detail["available"], 3);
    assert_eq!(alert.detail["threshold"], 5);

    // The order's confirmation re-checks, and finds it alerted already.
    fixture.inventory.commit(&order).await.unwrap();
    let confirmed = DomainEvent::new(
        EventType::OrderConfirmed,
        Uuid::new_v4(),
        order,
        NOW,
        OrderConfirmed {
            user_id: alice(),
            total: Money::new(3_000, Currency::USD),
            placed_at: NOW,
        },
    )
    .unwrap();
    fixture.consumer.consume(&confirmed).await.unwrap();
    assert_eq!(fixture.alerts().len(), 1);

    // Another order that finds it low alerts again, once.
    let another = fixture.reserve(3, 1).await;
    fixture.consumer.consume(&another).await.unwrap();
    fixture.consumer.consume(&another).await.unwrap();
    let alerts = fixture.alerts();
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[1].detail["available"], 2);
}

#[tokio::test]
async fn a_sku_without_a_threshold_never_alerts() {
    let fixture = alert_fixture(10, 5).await;
    fixture
        .inventory
        .set_low_stock_threshold(&fixture.sku, None)
        .await
        .unwrap();
    let event = fixture.reserve(1, 9).await;
    fixture.consumer.consume(&event).await.unwrap();
    assert!(fixture.alerts().is_empty());
}

on_both_stores!(in_the_shop_a_checkout_notifies_the_shopper_and_low_stock_the_operators);

async fn in_the_shop_a_checkout_notifies_the_shopper_and_low_stock_the_operators(stores: Stores) {
    let mail = std::env::temp_dir().join(format!("mambogo-mail-{}", Uuid::new_v4()));
    let config = LocalConfig {
        mail_folder: Some(mail.clone()),
        ..LocalConfig::ephemeral()
    };
    let shop = TestShop::start_on(stores, config, TestHooks::default()).await;
    let services = &shop.inner().services;
    let sku = Sku::parse(SHOP_SKU).unwrap();
    let level = &services
        .inventory
        .stock_levels(std::slice::from_ref(&sku))
        .await
        .unwrap()[0];
    // One more unit sold leaves it below the threshold.
    let threshold = u32::try_from(level.available).unwrap();
    services
        .inventory
        .set_low_stock_threshold(&sku, Some(threshold))
        .await
        .unwrap();

    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[(SHOP_SKU, 1)]).await;
    let id = order_id(&checkout(&shop, &alice, "key-1", "tok_approve").await);
    saga_finished(&shop, &id).await;
    shop.consumers_done().await;

    let shopper = notifications(services.notifications.as_ref(), "alice").await;
    let kinds: Vec<_> = shopper.iter().map(|n| n.kind.as_str()).collect();
    assert_eq!(kinds, ["OrderConfirmed"], "{shopper:#?}");
    assert_eq!(shopper[0].order_id, Some(id));
    let mailed = |notification: &Notification, to: &str, subject: &str| {
        let Delivery::Sent {
            to: sent_to,
            message_id,
            ..
        } = delivery_of(notification)
        else {
            panic!("not sent: {notification:#?}");
        };
        assert_eq!(sent_to.as_str(), to);
        let file = std::fs::read_to_string(mail.join(&message_id)).unwrap();
        for header in [format!("To: {to}\r\n"), format!("Subject: {subject}\r\n")] {
            assert!(file.contains(&header), "{header:?} missing from\n{file}");
        }
        // The body is quoted-printable: its first words read as they are.
        let opening: String = notification.body.chars().take(30).collect();
        assert!(file.contains(&opening), "{opening:?} missing from\n{file}");
    };
    mailed(&shopper[0], "alice@example.com", "Your order is confirmed");

    let alerts: Vec<_> = shop
        .inner()
        .bus
        .published()
        .into_iter()
        .filter(|event| event.event_type == EventType::StockLow)
        .collect();
    // The reservation alerts; the order's confirmation finds it alerted already.
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0].event_id(), Some(stock_low_id(&id, &sku)));
    let operators = notifications(services.notifications.as_ref(), OPERATORS).await;
    assert_eq!(operators.len(), 1, "{operators:#?}");
    assert_eq!(operators[0].kind, "StockLow");
    assert!(operators[0].subject.contains(SHOP_SKU));
    mailed(&operators[0], DEV_OPERATORS_EMAIL, &operators[0].subject);

    // Operators read the same through GET /admin/notifications.
    let admin = token("ops", true);
    let listed = |query: &'static str, caller: &str| {
        let path = format!("/admin/notifications{query}");
        let caller = caller.to_owned();
        let shop = &shop;
        async move { shop.get(&path, As::user(&caller)).await }
    };
    let alices = listed("?recipient=alice", &admin).await;
    assert_eq!(alices.status.as_u16(), 200, "{:#}", alices.body);
    assert_eq!(alices.body["items"][0]["kind"], "OrderConfirmed");
    assert_eq!(alices.body["items"][0]["orderId"], id.to_string());
    assert_eq!(alices.body["items"][0]["delivery"]["status"], "sent");
    assert_eq!(
        alices.body["items"][0]["delivery"]["to"],
        "alice@example.com"
    );
    let operators = listed("?recipient=operators&limit=5", &admin).await;
    assert_eq!(operators.body["items"][0]["kind"], "StockLow");
    for (query, status) in [
        ("", 400),
        ("?recipient=a%20b", 400),
        ("?recipient=alice&recipient=bob", 400),
    ] {
        assert_eq!(
            listed(query, &admin).await.status.as_u16(),
            status,
            "{query}"
        );
    }
    assert_eq!(
        listed("?recipient=alice", &alice).await.status.as_u16(),
        403
    );
    assert!(
        shop.inner()
            .services
            .dead_letters
            .list(&PageRequest::first(10))
            .await
            .unwrap()
            .items
            .is_empty(),
        "no consumer failed"
    );
    assert_consistent(&shop).await;
    shop.stop().await;
    std::fs::remove_dir_all(&mail).unwrap();
}
