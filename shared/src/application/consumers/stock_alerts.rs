//! The `stock-alerts` consumer: after stock was reserved or sold, looks at the SKUs
//! concerned and publishes `StockLow` for each whose available units are below its
//! low-stock threshold (set per SKU with
//! [`InventoryStore::set_low_stock_threshold`]; none means no alerts).
//!
//! The rule is a level, not an edge: an order whose reservation (or sale) leaves a SKU
//! below its threshold alerts once. Available units only fall when stock is reserved,
//! so the alerts a SKU can raise before it is sold out are bounded by its threshold; an
//! edge ("this reservation crossed the line") cannot be told from a level read later,
//! after other reservations, without missing alerts.
//!
//! Once per order and SKU: a StockLow's id is derived from the order and the SKU (UUID
//! v5), so the order's InventoryReserved and its OrderConfirmed (which re-checks, in
//! case the first was missed or the threshold set since) raise one alert between them,
//! and a redelivery raises none. Alerts published and source events handled are
//! remembered in the handled-events ledger; a redelivery after a crash between publishing
//! and remembering publishes the very same event ids again, which consumers of StockLow
//! drop.

use std::sync::Arc;

use async_trait::async_trait;
use time::Duration;
use uuid::Uuid;

use crate::domain::clock::Clock;
use crate::domain::events::payloads::{self, InventoryReserved};
use crate::domain::events::{ConsumeError, DomainEvent, EventConsumer, EventPublisher, EventType};
use crate::domain::idempotency::IdempotencyStore;
use crate::domain::ids::{OrderId, Sku};
use crate::domain::inventory::InventoryStore;

/// The consumer's name: the target of its rule in `events/rules/`, its function, and
/// its key in the handled-events ledger.
pub const STOCK_ALERTS: &str = "stock-alerts";
/// The namespace of StockLow event ids.
const STOCK_LOW_NAMESPACE: Uuid = Uuid::from_u128(0x7374_6f63_6b2d_4c6f_8077_616c_6572_7473);
/// How long a handled event id is remembered; redeliveries come within minutes.
const REMEMBER_HANDLED: Duration = Duration::days(7);

/// Publishes StockLow for the SKUs an InventoryReserved or OrderConfirmed leaves low.
pub struct StockAlerts {
    pub inventory: Arc<dyn InventoryStore>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub events: Arc<dyn EventPublisher>,
    pub clock: Arc<dyn Clock>,
}

/// The id of the StockLow about `sku` raised by the order `order`: the same for each
/// of the order's events and every redelivery of them.
pub fn stock_low_id(order: &OrderId, sku: &Sku) -> Uuid {
    Uuid::new_v5(&STOCK_LOW_NAMESPACE, format!("{order}:{sku}").as_bytes())
}

impl StockAlerts {
    /// The SKUs `event` moved: those reserved, or those of the confirmed order's
    /// (committed) reservation.
    async fn skus_of(&self, event: &DomainEvent) -> Result<Vec<Sku>, ConsumeError> {
        match event.event_type {
            EventType::InventoryReserved => {
                let reserved: InventoryReserved = event.payload().map_err(ConsumeError::of)?;
                Ok(reserved.lines.into_iter().map(|line| line.sku).collect())
            }
            EventType::OrderConfirmed => {
                let order = event
                    .order_id()
                    .ok_or_else(|| ConsumeError("the event has no orderId".into()))?;
                let reservation = self
                    .inventory
                    .reservation(&order)
                    .await
                    .map_err(ConsumeError::of)?;
                Ok(reservation
                    .map(|reservation| reservation.lines.into_iter().map(|line| line.sku).collect())
                    .unwrap_or_default())
            }
            _ => Ok(Vec::new()),
        }
    }
}

#[async_trait]
impl EventConsumer for StockAlerts {
    async fn consume(&self, event: &DomainEvent) -> Result<(), ConsumeError> {
        if !matches!(
            event.event_type,
            EventType::InventoryReserved | EventType::OrderConfirmed
        ) {
            return Ok(());
        }
        let source = event
            .event_id()
            .ok_or_else(|| ConsumeError("the event has no eventId".into()))?;
        if self
            .idempotency
            .handled(STOCK_ALERTS, &source.to_string())
            .await
            .map_err(ConsumeError::of)?
        {
            return Ok(());
        }
        let order = event
            .order_id()
            .ok_or_else(|| ConsumeError("the event has no orderId".into()))?;
        let skus = self.skus_of(event).await?;
        let levels = if skus.is_empty() {
            Vec::new()
        } else {
            self.inventory
                .stock_levels(&skus)
                .await
                .map_err(ConsumeError::of)?
        };
        let now = self.clock.now();
        let mut alerts = Vec::new();
        for level in levels {
            let Some(threshold) = level.low_stock_threshold.filter(|_| level.is_low()) else {
                continue;
            };
            let alert_id = stock_low_id(&order, &level.sku);
            if self
                .idempotency
                .handled(STOCK_ALERTS, &alert_id.to_string())
                .await
                .map_err(ConsumeError::of)?
            {
                continue;
            }
            tracing::info!(sku = %level.sku, available = level.available, threshold, "stock is low");
            alerts.push(
                DomainEvent::without_order(
                    EventType::StockLow,
                    alert_id,
                    now,
                    payloads::StockLow {
                        sku: level.sku.clone(),
                        available: level.available,
                        threshold,
                    },
                )
                .map_err(ConsumeError::of)?,
            );
        }
        let remember_until = now + REMEMBER_HANDLED;
        let mut handled: Vec<String> = alerts
            .iter()
            .filter_map(DomainEvent::event_id)
            .map(|id| id.to_string())
            .collect();
        handled.push(source.to_string());
        if !alerts.is_empty() {
            self.events
                .publish(alerts)
                .await
                .map_err(ConsumeError::of)?;
        }
        for handled in &handled {
            self.idempotency
                .record_handled(STOCK_ALERTS, handled, remember_until)
                .await
                .map_err(ConsumeError::of)?;
        }
        Ok(())
    }
}
