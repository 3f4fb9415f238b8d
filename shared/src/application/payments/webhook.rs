//! The gateway reports an authorization's outcome or a refund. The event is applied to
//! the payment at most once (deduplicated by the gateway's event id, in the same
//! transaction as the payment change), and then what waits on it moves on: the waiting
//! saga step is resumed, or a returned order becomes REFUNDED. The webhook's signature
//! is checked before anything here runs (by the api layer, which holds the request).

use serde_json::json;
use time::OffsetDateTime;
use tracing::Instrument;

use crate::application::error::ShopError;
use crate::application::lifecycle::Lifecycle;
use crate::application::metrics::WEBHOOK_DELAY_SECONDS;
use crate::application::orders::order_span;
use crate::application::Services;
use crate::domain::events;
use crate::domain::journal::{Happened, JournalEntry};
use crate::domain::payments::{
    GatewayEvent, GatewayEventKind, Payment, PaymentStatus, RefundStatus,
};
use crate::domain::store::{retry_on_conflict, LostRace, StoreError};
use crate::domain::validation::FieldError;
use crate::domain::workflow::WorkflowError;

/// What a delivery of a gateway event did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookReceipt {
    /// Whether this delivery applied the event; `false` for a redelivery.
    pub first_time: bool,
    /// The payment afterwards.
    pub payment: Payment,
}

fn invalid(field: &str, message: &str) -> ShopError {
    ShopError::Invalid(vec![FieldError::new(field, message)])
}

/// Applies the gateway's `event`, signed at `signed_at`, once, then moves on what waits
/// on it. Safe to deliver again: a redelivery changes nothing, and finishes what a crash
/// after the payment was written left undone. A first delivery counts how late it came.
pub async fn receive_gateway_event(
    services: &Services,
    event: &GatewayEvent,
    signed_at: OffsetDateTime,
) -> Result<WebhookReceipt, ShopError> {
    if event.kind == GatewayEventKind::RefundSucceeded && event.refund_id.is_none() {
        return Err(invalid("refundId", "is required for refund.succeeded"));
    }
    let (first_time, payment) = apply(services, event).await?;
    if first_time {
        let now = services.clock.now();
        services.metrics.record(
            WEBHOOK_DELAY_SECONDS,
            (now - signed_at).as_seconds_f64().max(0.0),
        );
        journal(services, event, signed_at, now).await;
    }
    // From here on, what the webhook moves belongs to the order: its lines carry the
    // order's correlation id, not the gateway's request's.
    let span = order_span(&event.order_id, payment.correlation_id.as_ref());
    settle(services, event, first_time, &payment)
        .instrument(span)
        .await?;
    Ok(WebhookReceipt {
        first_time,
        payment,
    })
}

/// Keeps the applied `event` in its order's journal. The journal is for reading the
/// order's story: one that cannot be written is logged, and the webhook goes on.
async fn journal(
    services: &Services,
    event: &GatewayEvent,
    signed_at: OffsetDateTime,
    now: OffsetDateTime,
) {
    let entry = JournalEntry {
        order_id: event.order_id,
        at: now,
        detail_type: event.kind.as_str().to_owned(),
        event_id: event.id.clone(),
        what: Happened::FromGateway { signed_at },
    };
    if let Err(error) = services.journal.record(&entry).await {
        tracing::warn!(event_id = %event.id, %error, "cannot journal the webhook");
    }
}

/// Moves on what waits on the applied `event`: the refund's order, or the saga.
async fn settle(
    services: &Services,
    event: &GatewayEvent,
    first_time: bool,
    payment: &Payment,
) -> Result<(), ShopError> {
    if event.kind == GatewayEventKind::RefundSucceeded {
        // Also on a redelivery: what a crash interrupted after the payment was written
        // is finished, and changes nothing when it was not.
        refunded(services, event, payment).await?;
    } else {
        if first_time {
            if let Some(answered) =
                events::payment_answered(payment, &event.id, services.clock.now())
            {
                services.events.publish(vec![answered?]).await?;
            }
        }
        resume(services, event, payment).await?;
    }
    tracing::info!(event_id = %event.id, first_time, status = ?payment.status, "payment webhook");
    Ok(())
}

/// `payment` as `event` leaves it. A payment no longer waiting for the gateway (voided
/// after a timeout, say) keeps its status.
fn changed_by(payment: &Payment, event: &GatewayEvent, now: time::OffsetDateTime) -> Payment {
    if let (GatewayEventKind::RefundSucceeded, Some(refund_id)) =
        (event.kind, event.refund_id.as_deref())
    {
        return payment
            .with_refund_succeeded(refund_id, now)
            .unwrap_or_else(|| {
                if payment.refund(refund_id).is_none() {
                    order_span(&event.order_id, payment.correlation_id.as_ref()).in_scope(|| {
                        tracing::warn!(
                            refund_id,
                            "the gateway reports a refund this payment never asked for"
                        );
                    });
                }
                payment.touched(now)
            });
    }
    let answer = match event.kind {
        GatewayEventKind::Authorized => PaymentStatus::Authorized,
        _ => PaymentStatus::Declined,
    };
    let moved = payment
        .transition(answer, now)
        .unwrap_or_else(|_| payment.touched(now));
    Payment {
        gateway_reference: Some(event.reference.clone()),
        failure_reason: event.reason.clone().or(payment.failure_reason.clone()),
        ..moved
    }
}

/// Records the event and changes the payment, once; `(false, payment)` for an event
/// recorded before, with the payment as it is now.
async fn apply(services: &Services, event: &GatewayEvent) -> Result<(bool, Payment), ShopError> {
    retry_on_conflict(|| async {
        let payment = services
            .payments
            .payment(&event.order_id)
            .await?
            .ok_or_else(|| {
                ShopError::Missing(format!("no payment for order {}", event.order_id))
            })?;
        if let Some(reference) = &payment.gateway_reference {
            if reference != &event.reference {
                return Err(invalid(
                    "reference",
                    "does not match the payment's gateway reference",
                ));
            }
        }
        let now = services.clock.now();
        let changed = changed_by(&payment, event, now);
        if services
            .payments
            .apply_gateway_event(&event.id, &changed, now)
            .await?
        {
            return Ok((true, changed));
        }
        // Recorded before, perhaps by a delivery still under way: the payment as that
        // delivery left it (event and payment are written together), not as first read.
        let recorded = services.payments.payment(&event.order_id).await?;
        Ok((false, recorded.unwrap_or(payment)))
    })
    .await
    .map_err(|error| {
        if error.lost_race() {
            StoreError::Unavailable("the payment keeps changing; deliver the webhook again".into())
                .into()
        } else {
            error
        }
    })
}

/// A refund went through: the refund of a return makes its order REFUNDED and publishes
/// OrderRefunded (see [`Lifecycle::refund_succeeded`]); a cancellation's refund only
/// changed the payment.
async fn refunded(
    services: &Services,
    event: &GatewayEvent,
    payment: &Payment,
) -> Result<(), ShopError> {
    let Some(refund) = event
        .refund_id
        .as_deref()
        .and_then(|refund_id| payment.refund(refund_id))
        .filter(|refund| refund.status == RefundStatus::Succeeded)
    else {
        return Ok(());
    };
    match Lifecycle::new(services)
        .refund_succeeded(&event.order_id, &refund.id, refund.amount)
        .await
    {
        Ok(_) => Ok(()),
        // Acknowledged all the same: the gateway cannot change the order's status, and
        // sending the webhook again would not either.
        Err(ShopError::WrongStatus { current, detail }) => {
            tracing::warn!(order_id = %event.order_id, refund_id = %refund.id, %current, %detail, "a refund succeeded for an order that cannot become REFUNDED");
            Ok(())
        }
        Err(error) => Err(error),
    }
}

/// Completes the saga step waiting on the gateway. Safe to repeat: a task that already
/// finished or timed out is left alone.
async fn resume(
    services: &Services,
    event: &GatewayEvent,
    payment: &Payment,
) -> Result<(), ShopError> {
    let Some(token) = &payment.task_token else {
        return Ok(());
    };
    let sent = match payment.status {
        PaymentStatus::Authorized | PaymentStatus::Captured => {
            services
                .workflow
                .send_task_success(
                    token,
                    json!({ "authorized": true, "gatewayReference": event.reference }),
                )
                .await
        }
        PaymentStatus::Declined => {
            let reason = payment
                .failure_reason
                .clone()
                .unwrap_or_else(|| "declined".into());
            services
                .workflow
                .send_task_failure(token, "PaymentDeclined", &reason)
                .await
        }
        _ => return Ok(()),
    };
    match sent {
        Ok(()) | Err(WorkflowError::TaskClosed | WorkflowError::InvalidToken) => Ok(()),
        Err(error) => Err(error.into()),
    }
}
