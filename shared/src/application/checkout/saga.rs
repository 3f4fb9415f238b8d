//! The saga's steps, one function each, called by the state machine's Task states (a
//! Lambda per step on AWS, the local runner in-process). Each takes the task's JSON
//! payload and returns its JSON result; a failure is a [`TaskError`] whose name the
//! ASL's `Retry` and `Catch` match.
//!
//! The steps change orders and payments through the same helpers as everything else
//! ([`change_order`], [`settlement`]), and build their events with the domain's one set
//! of builders.

use std::sync::Arc;
use tracing::Instrument;

use serde::Deserialize;
use serde_json::{json, Value};

use super::events::put_events_entry;
use super::TaskError;
use crate::application::actor::Actor;
use crate::application::orders::{change_order, move_to, Decision};
use crate::application::settlement::{
    self, change_payment, StockReturned, Voided, CANCEL_REFUND, CANCEL_RESTOCK,
};
use crate::application::Services;
use crate::domain::events::{self, DomainEvent};
use crate::domain::ids::{OrderId, Sku};
use crate::domain::inventory::{ReservationStatus, ReserveOutcome, SettleOutcome};
use crate::domain::orders::{Order, OrderStatus};
use crate::domain::payments::{AuthorizeRequest, GatewayError, Payment, PaymentStatus};
use crate::domain::store::StoreError;
use crate::domain::workflow::WorkflowError;

/// The ASL template placeholder of each step's function, and the function's name (the
/// Lambda's, and the local runner's key).
pub const TASK_FUNCTIONS: [(&str, &str); 7] = [
    ("reserve_inventory_function", "reserve-inventory"),
    ("authorize_payment_function", "authorize-payment"),
    ("confirm_order_function", "confirm-order"),
    ("fail_order_function", "fail-order"),
    ("refund_payment_function", "refund-payment"),
    ("release_inventory_function", "release-inventory"),
    ("mark_order_cancelled_function", "mark-order-cancelled"),
];

/// The steps, on the shop's services (on AWS, those of the step's function; the payment
/// gateway among them answers only a step granted the gateway's key).
#[derive(Clone)]
pub struct SagaTasks {
    services: Arc<Services>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderInput {
    order_id: OrderId,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuthorizeInput {
    order_id: OrderId,
    payment_token: String,
    task_token: String,
}

/// The `{"Error", "Cause"}` a Catch put into the state, as steps receive it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompensationInput {
    order_id: OrderId,
    #[serde(default)]
    error: Option<CaughtError>,
}

#[derive(Deserialize)]
struct CaughtError {
    #[serde(rename = "Error", default)]
    error: String,
    #[serde(rename = "Cause", default)]
    cause: String,
}

fn parse<T: serde::de::DeserializeOwned>(payload: Value) -> Result<T, TaskError> {
    serde_json::from_value(payload).map_err(|error| TaskError::InvalidInput(error.to_string()))
}

fn built(event: Result<DomainEvent, serde_json::Error>) -> Result<DomainEvent, TaskError> {
    event.map_err(|error| TaskError::InvalidInput(error.to_string()))
}

fn wrong_state(order: &Order) -> TaskError {
    TaskError::WrongState(format!("order {} is {}", order.id, order.status))
}

impl SagaTasks {
    /// The steps on `services`.
    pub fn new(services: Arc<Services>) -> Self {
        SagaTasks { services }
    }

    /// Runs the step named `function` (see [`TASK_FUNCTIONS`]).
    ///
    /// The step runs in a span naming it, its order and the order's correlation id (both
    /// passed by the state machine), so each line it logs names them; its outcome is
    /// logged last.
    pub async fn run(&self, function: &str, payload: Value) -> Result<Value, TaskError> {
        let field = |name: &str| payload.get(name).and_then(serde_json::Value::as_str);
        let span = tracing::info_span!(
            "step",
            step = function,
            order_id = field("orderId"),
            correlation_id = field("correlationId"),
        );
        let outcome = self.step(function, payload).instrument(span.clone()).await;
        span.in_scope(|| match &outcome {
            Ok(_) => tracing::info!("step done"),
            Err(error) => tracing::info!(%error, "step failed"),
        });
        outcome
    }

    async fn step(&self, function: &str, payload: Value) -> Result<Value, TaskError> {
        match function {
            "reserve-inventory" => self.reserve_inventory(parse(payload)?).await,
            "authorize-payment" => self.authorize_payment(parse(payload)?).await,
            "confirm-order" => self.confirm_order(parse(payload)?).await,
            "fail-order" => self.fail_order(parse(payload)?).await,
            "refund-payment" => self.refund_payment(parse(payload)?).await,
            "release-inventory" => self.release_inventory(parse(payload)?).await,
            "mark-order-cancelled" => self.mark_order_cancelled(parse(payload)?).await,
            other => Err(TaskError::InvalidInput(format!("no saga step {other}"))),
        }
    }

    /// The order `id`.
    async fn order(&self, id: &OrderId) -> Result<Order, TaskError> {
        self.services
            .orders
            .order(id)
            .await?
            .ok_or_else(|| TaskError::InvalidInput(format!("no order {id}")))
    }

    /// Moves the order to `to` unless it is there already, noting the SKUs that were
    /// short when it fails for stock.
    async fn move_order(
        &self,
        id: &OrderId,
        to: OrderStatus,
        reason: Option<String>,
        out_of_stock: &[Sku],
    ) -> Result<Order, TaskError> {
        let now = self.services.clock.now();
        let changed = change_order(self.services.orders.as_ref(), id, &Actor::Saga, |order| {
            let decision = move_to(order, to, &Actor::Saga, reason.clone(), now)?;
            if decision == Decision::Write && !out_of_stock.is_empty() {
                order.out_of_stock = out_of_stock.to_vec();
            }
            Ok(decision)
        })
        .await?;
        Ok(changed.order)
    }

    fn entries(&self, events: &[DomainEvent]) -> Value {
        let bus = &self.services.checkout.event_bus_name;
        json!({ "entries": events.iter().map(|event| put_events_entry(event, bus)).collect::<Vec<_>>() })
    }

    /// Holds the order's stock. Finds the reservation the checkout API made, or makes it.
    async fn reserve_inventory(&self, input: OrderInput) -> Result<Value, TaskError> {
        let order = self.order(&input.order_id).await?;
        if order.status != OrderStatus::Pending {
            return Err(wrong_state(&order));
        }
        let outcome = self
            .services
            .inventory
            .reserve(
                &order.id,
                &order.stock_lines(),
                order.reservation_expires_at,
                self.services.clock.now(),
            )
            .await?;
        match outcome {
            ReserveOutcome::Reserved
            | ReserveOutcome::Existing(ReservationStatus::Pending | ReservationStatus::Committed) => {
                Ok(json!({ "reserved": true }))
            }
            ReserveOutcome::Existing(ReservationStatus::Released) => Err(
                TaskError::ReservationLost(format!("the reservation of {} was released", order.id)),
            ),
        }
    }

    /// Asks the gateway to authorize, after storing the task token with the payment so the
    /// webhook can resume the saga. The step then waits for the webhook.
    async fn authorize_payment(&self, input: AuthorizeInput) -> Result<Value, TaskError> {
        let order = self.order(&input.order_id).await?;
        if order.status != OrderStatus::Pending {
            // Cancelled while the saga got here: nothing to pay for.
            return Err(wrong_state(&order));
        }
        let now = self.services.clock.now();
        let payments = self.services.payments.as_ref();
        let fresh = Payment {
            method: order.payment_method,
            correlation_id: order.correlation_id.clone(),
            ..Payment::authorizing(
                order.id,
                order.totals.total,
                input.payment_token.clone(),
                input.task_token.clone(),
                now,
            )
        };
        let payment = match payments.save(&fresh).await {
            Ok(()) => fresh,
            Err(StoreError::Conflict) => {
                // A retry of this step: the payment exists and needs this attempt's token.
                let token = input.task_token.as_str();
                change_payment(payments, &order.id, |payment| {
                    Ok(
                        (payment.task_token.as_deref() != Some(token)).then(|| Payment {
                            task_token: Some(token.to_owned()),
                            ..payment.touched(now)
                        }),
                    )
                })
                .await?
                .map(|(payment, _)| payment)
                .ok_or_else(|| TaskError::Transient("the payment vanished".into()))?
            }
            Err(error) => return Err(error.into()),
        };
        match payment.status {
            PaymentStatus::Authorizing => {}
            PaymentStatus::Authorized | PaymentStatus::Captured => {
                self.services
                    .workflow
                    .send_task_success(&input.task_token, json!({ "authorized": true }))
                    .await
                    .or_else(ignore_closed)?;
                return Ok(json!({}));
            }
            PaymentStatus::Declined | PaymentStatus::Voided | PaymentStatus::Refunded => {
                let reason = payment
                    .failure_reason
                    .clone()
                    .unwrap_or_else(|| "declined".into());
                return Err(TaskError::PaymentDeclined(reason));
            }
        }
        let request = AuthorizeRequest {
            order_id: order.id,
            amount: order.totals.total,
            payment_token: input.payment_token,
            method: order.payment_method,
            idempotency_key: payment.idempotency_key("authorize"),
        };
        let reference = match self.services.gateway.authorize(&request).await {
            Ok(reference) => reference,
            Err(GatewayError::Declined(reason)) => {
                change_payment(payments, &order.id, |payment| {
                    if payment.status != PaymentStatus::Authorizing {
                        return Ok(None);
                    }
                    Ok(Some(Payment {
                        failure_reason: Some(reason.clone()),
                        ..payment.transition(PaymentStatus::Declined, now)?
                    }))
                })
                .await?;
                return Err(TaskError::PaymentDeclined(reason));
            }
            Err(error) => return Err(error.into()),
        };
        change_payment(payments, &order.id, |payment| {
            Ok(payment.gateway_reference.is_none().then(|| Payment {
                gateway_reference: Some(reference.clone()),
                ..payment.touched(now)
            }))
        })
        .await?;
        Ok(json!({ "gatewayReference": reference }))
    }

    /// Captures the payment, commits the reservation and confirms the order. An order
    /// that is no longer PENDING (the shopper cancelled it) is not captured: the step
    /// fails into its compensation. Should the cancel win after the capture, the final
    /// conditional write to CONFIRMED fails instead, and compensation refunds.
    async fn confirm_order(&self, input: OrderInput) -> Result<Value, TaskError> {
        let order = self.order(&input.order_id).await?;
        if order.status != OrderStatus::Confirmed {
            if order.status != OrderStatus::Pending {
                return Err(wrong_state(&order));
            }
            self.capture(&order).await?;
            match self.services.inventory.commit(&order.id).await? {
                SettleOutcome::Applied
                | SettleOutcome::AlreadySettled(ReservationStatus::Committed) => {}
                other => {
                    return Err(TaskError::ReservationLost(format!(
                        "cannot commit the reservation of {}: {other:?}",
                        order.id
                    )));
                }
            }
        }
        let order = self
            .move_order(&order.id, OrderStatus::Confirmed, None, &[])
            .await?;
        let confirmed = built(events::order_confirmed(&order))?;
        Ok(self.entries(&[confirmed]))
    }

    async fn capture(&self, order: &Order) -> Result<(), TaskError> {
        let payment = self
            .services
            .payments
            .payment(&order.id)
            .await?
            .ok_or_else(|| TaskError::WrongState(format!("order {} has no payment", order.id)))?;
        match payment.status {
            PaymentStatus::Captured => return Ok(()),
            PaymentStatus::Authorized => {}
            other => {
                return Err(TaskError::WrongState(format!(
                    "cannot capture a payment that is {other:?}"
                )))
            }
        }
        let reference = payment
            .gateway_reference
            .clone()
            .ok_or_else(|| TaskError::WrongState("the payment has no gateway reference".into()))?;
        self.services
            .gateway
            .capture(
                &reference,
                payment.amount,
                &payment.idempotency_key("capture"),
            )
            .await?;
        let now = self.services.clock.now();
        change_payment(self.services.payments.as_ref(), &order.id, |payment| {
            if payment.status != PaymentStatus::Authorized {
                return Ok(None);
            }
            Ok(Some(payment.transition(PaymentStatus::Captured, now)?))
        })
        .await?;
        Ok(())
    }

    /// Marks the order FAILED (out of stock) and returns the OrderFailed event to publish.
    async fn fail_order(&self, input: CompensationInput) -> Result<Value, TaskError> {
        let out_of_stock: Vec<Sku> = input
            .error
            .as_ref()
            .map(|caught| caught.cause.as_str())
            .and_then(|cause| serde_json::from_str::<Value>(cause).ok())
            .and_then(|cause| serde_json::from_value(cause["outOfStock"].clone()).ok())
            .unwrap_or_default();
        let reason = input.error.as_ref().map_or_else(
            || "checkout failed".to_owned(),
            |caught| caught.error.clone(),
        );
        let order = self
            .move_order(
                &input.order_id,
                OrderStatus::Failed,
                Some(reason.clone()),
                &out_of_stock,
            )
            .await?;
        let failed = built(events::order_failed(
            &order,
            reason,
            self.services.clock.now(),
        ))?;
        Ok(self.entries(&[failed]))
    }

    /// Gives a captured payment back, or voids one that was only authorized. The refund
    /// is the cancelled order's refund `cancel`, the same a shopper's cancel makes: of the
    /// two, one records it and the gateway performs it once (see [`settlement`]). A
    /// payment already voided or refunded is left alone.
    async fn refund_payment(&self, input: OrderInput) -> Result<Value, TaskError> {
        let Some(payment) = self.services.payments.payment(&input.order_id).await? else {
            return Ok(json!({}));
        };
        if payment.status == PaymentStatus::Captured || payment.refund(CANCEL_REFUND).is_some() {
            settlement::refund_in_full(
                self.services.payments.as_ref(),
                self.services.gateway.as_ref(),
                &input.order_id,
                CANCEL_REFUND,
                Vec::new(),
                self.services.clock.now(),
            )
            .await?;
        } else {
            self.void(&input.order_id).await?;
        }
        Ok(json!({}))
    }

    /// Cancels an authorization that was not captured, at the gateway and here.
    async fn void(&self, order_id: &OrderId) -> Result<(), TaskError> {
        let voided = settlement::void_authorization(
            self.services.payments.as_ref(),
            self.services.gateway.as_ref(),
            order_id,
            self.services.clock.now(),
        )
        .await?;
        match voided {
            Voided::Voided | Voided::NothingToVoid => Ok(()),
            Voided::Refused(reason) => Err(TaskError::WrongState(format!(
                "the gateway will not void the payment of {order_id}: {reason}"
            ))),
        }
    }

    /// Puts the order's stock back on sale, and says so: releases its pending
    /// reservation, or restocks what a committed one sold (a confirmation that did its
    /// work but whose answer was lost is undone too), under the same marker as a
    /// shopper's cancel, so the units come back once whoever gets there first.
    async fn release_inventory(&self, input: CompensationInput) -> Result<Value, TaskError> {
        let order = self.order(&input.order_id).await?;
        let returned =
            settlement::return_stock(self.services.inventory.as_ref(), &order, CANCEL_RESTOCK)
                .await?;
        if returned == StockReturned::Restocked {
            tracing::warn!(order_id = %order.id, "the reservation was committed; its stock is restocked");
        }
        if returned == StockReturned::Released {
            let reason = input
                .error
                .map_or_else(|| "checkout undone".to_owned(), |caught| caught.error);
            let released = built(events::inventory_released(
                &order.id,
                order.correlation_id.as_ref(),
                &order.stock_lines(),
                "checkout",
                reason,
                self.services.clock.now(),
            ))?;
            self.services.events.publish(vec![released]).await?;
        }
        Ok(json!({}))
    }

    /// Voids what is left of the payment, cancels the order and returns the
    /// OrderCancelled event to publish.
    async fn mark_order_cancelled(&self, input: CompensationInput) -> Result<Value, TaskError> {
        self.void(&input.order_id).await?;
        let reason = input.error.map_or_else(
            || "checkout undone".to_owned(),
            |caught| format!("{}: {}", caught.error, caught.cause),
        );
        let order = self
            .move_order(&input.order_id, OrderStatus::Cancelled, Some(reason), &[])
            .await?;
        // Built from the order, so when the shopper cancelled first this is the very
        // event their cancel published.
        let cancelled = built(events::order_cancelled(&order))?;
        Ok(self.entries(&[cancelled]))
    }
}

/// A task that already finished or timed out needs nothing more.
fn ignore_closed(error: WorkflowError) -> Result<(), WorkflowError> {
    match error {
        WorkflowError::TaskClosed => Ok(()),
        other => Err(other),
    }
}
