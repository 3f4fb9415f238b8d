//! `POST /webhooks/payments`: the gateway reports an authorization's outcome or a
//! refund. The signature is checked, the event is applied to the payment at most once
//! (deduplicated by the gateway's event id), and then what waits on it moves on: the
//! waiting saga step is resumed, or a returned order becomes REFUNDED.

use serde_json::json;

use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::lifecycle::{Lifecycle, LifecycleError};
use crate::application::Services;
use crate::domain::events::event_id;
use crate::domain::events::{payloads, DomainEvent, EventType};
use crate::domain::payments::signature::{verify, SIGNATURE_HEADER};
use crate::domain::payments::{
    GatewayEvent, GatewayEventKind, Payment, PaymentStatus, RefundStatus,
};
use crate::domain::store::StoreError;
use crate::domain::workflow::WorkflowError;

const WRITE_ATTEMPTS: usize = 5;

/// `POST /webhooks/payments`.
pub async fn receive_payment_webhook(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    verify(
        request.header(SIGNATURE_HEADER),
        &request.body,
        &services.checkout.webhook_secrets,
        services.clock.now(),
    )
    .map_err(|error| ApiError::Unauthorized(error.to_string()))?;
    let event: GatewayEvent = request.json_body()?;
    if event.kind == GatewayEventKind::RefundSucceeded && event.refund_id.is_none() {
        return Err(ApiError::invalid(
            "refundId",
            "is required for refund.succeeded",
        ));
    }
    let (first_time, payment) = apply(services, &event).await?;
    if event.kind == GatewayEventKind::RefundSucceeded {
        // Also on a redelivery: what a crash interrupted after the payment was written
        // is finished, and changes nothing when it was not.
        refunded(services, &event, &payment).await?;
    } else {
        if first_time {
            publish(services, &event, &payment).await?;
        }
        resume(services, &event, &payment).await?;
    }
    tracing::info!(order_id = %event.order_id, event_id = %event.id, first_time, status = ?payment.status, "payment webhook");
    Ok(ApiResponse::ok(&json!({
        "received": true,
        "duplicate": !first_time,
        "paymentStatus": payment.status,
    })))
}

/// Records the event and changes the payment, once. A payment no longer waiting for the
/// gateway (voided after a timeout, say) is left as it is, but the event is recorded.
async fn apply(services: &Services, event: &GatewayEvent) -> Result<(bool, Payment), ApiError> {
    for _ in 0..WRITE_ATTEMPTS {
        let payment = services
            .payments
            .payment(&event.order_id)
            .await?
            .ok_or_else(|| {
                ApiError::NotFound(format!("no payment for order {}", event.order_id))
            })?;
        if let Some(reference) = &payment.gateway_reference {
            if reference != &event.reference {
                return Err(ApiError::invalid(
                    "reference",
                    "does not match the payment's gateway reference",
                ));
            }
        }
        let now = services.clock.now();
        let changed = match (event.kind, event.refund_id.as_deref()) {
            (GatewayEventKind::RefundSucceeded, Some(refund_id)) => payment
                .with_refund_succeeded(refund_id, now)
                .unwrap_or_else(|| {
                    if payment.refund(refund_id).is_none() {
                        tracing::warn!(order_id = %event.order_id, refund_id, "the gateway reports a refund this payment never asked for");
                    }
                    payment.moved_to(payment.status, now)
                }),
            _ => {
                let status = match (payment.status, event.kind) {
                    (PaymentStatus::Authorizing, GatewayEventKind::Authorized) => {
                        PaymentStatus::Authorized
                    }
                    (PaymentStatus::Authorizing, GatewayEventKind::Declined) => {
                        PaymentStatus::Declined
                    }
                    (unchanged, _) => unchanged,
                };
                Payment {
                    gateway_reference: Some(event.reference.clone()),
                    failure_reason: event.reason.clone().or(payment.failure_reason.clone()),
                    ..payment.moved_to(status, now)
                }
            }
        };
        match services
            .payments
            .apply_gateway_event(&event.id, &changed, now)
            .await
        {
            Ok(true) => return Ok((true, changed)),
            Ok(false) => return Ok((false, payment)),
            Err(StoreError::Conflict) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(ApiError::Unavailable(
        "the payment keeps changing; deliver the webhook again".into(),
    ))
}

async fn publish(
    services: &Services,
    event: &GatewayEvent,
    payment: &Payment,
) -> Result<(), ApiError> {
    let now = services.clock.now();
    let domain_event = match payment.status {
        PaymentStatus::Authorized => DomainEvent::new(
            EventType::PaymentAuthorized,
            event_id(&event.order_id, EventType::PaymentAuthorized, &event.id),
            event.order_id,
            now,
            payloads::PaymentAuthorized {
                amount: payment.amount,
                gateway_reference: event.reference.clone(),
            },
        ),
        PaymentStatus::Declined => DomainEvent::new(
            EventType::PaymentFailed,
            event_id(&event.order_id, EventType::PaymentFailed, &event.id),
            event.order_id,
            now,
            payloads::PaymentFailed {
                amount: payment.amount,
                reason: payment
                    .failure_reason
                    .clone()
                    .unwrap_or_else(|| "declined".into()),
            },
        ),
        _ => return Ok(()),
    }
    .map_err(|error| ApiError::Internal(error.to_string()))?;
    services
        .events
        .publish(vec![domain_event])
        .await
        .map_err(ApiError::from)
}

/// A refund went through: the refund of a return makes its order REFUNDED and publishes
/// OrderRefunded (see [`Lifecycle::refund_succeeded`]); a cancellation's refund only
/// changed the payment.
async fn refunded(
    services: &Services,
    event: &GatewayEvent,
    payment: &Payment,
) -> Result<(), ApiError> {
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
        Err(LifecycleError::WrongStatus { current, detail }) => {
            tracing::warn!(order_id = %event.order_id, refund_id = %refund.id, %current, %detail, "a refund succeeded for an order that cannot become REFUNDED");
            Ok(())
        }
        Err(error) => Err(error.into()),
    }
}

/// Completes the saga step waiting on the gateway. Safe to repeat: a task that already
/// finished or timed out is left alone.
async fn resume(
    services: &Services,
    event: &GatewayEvent,
    payment: &Payment,
) -> Result<(), ApiError> {
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
        Ok(()) | Err(WorkflowError::TaskClosed) | Err(WorkflowError::InvalidToken) => Ok(()),
        Err(WorkflowError::Unavailable(detail)) => Err(ApiError::Unavailable(detail)),
        Err(WorkflowError::NotGranted(detail)) => Err(ApiError::Internal(detail)),
    }
}
