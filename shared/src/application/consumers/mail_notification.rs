//! Mailing a kept notification, once: to the address of the order it is about, or the
//! operators' address, and keeping what became of it on the notification.
//!
//! Its delivery is kept after the mail service took the message. A send that fails for
//! a while fails the consumer, whose event comes again (SQS, then its dead-letter queue);
//! a send that is refused for good is kept as refused. A crash between the send and the
//! write sends it again on the next delivery: the message is the same (same
//! `Message-ID`), so mail clients show it once.

use crate::application::Services;
use crate::domain::events::ConsumeError;
use crate::domain::mail::{EmailAddress, Mail, MailError};
use crate::domain::operations::{Delivery, Notification, OPERATORS};

/// Mails `kept`, the outbox's copy of a notification, unless something became of it
/// already, and keeps what did.
pub(super) async fn mail_once(services: &Services, kept: Notification) -> Result<(), ConsumeError> {
    if kept.delivery.is_some() {
        return Ok(());
    }
    let at = services.clock.now();
    let delivery = match address_of(services, &kept).await? {
        None => Delivery::Unsent {
            reason: "the shop has no address for its recipient".into(),
            at,
        },
        Some(to) => {
            let mail = Mail {
                reference: format!("{}.{}", kept.event_id, kept.kind),
                to: to.clone(),
                subject: kept.subject.clone(),
                body: kept.body.clone(),
                at: kept.created_at,
            };
            match services.mailer.send(&mail).await {
                Ok(message_id) => Delivery::Sent { to, message_id, at },
                Err(MailError::Refused(reason)) => Delivery::Refused { to, reason, at },
                Err(MailError::Off(reason)) => Delivery::Unsent { reason, at },
                Err(error) => return Err(ConsumeError::of(error)),
            }
        }
    };
    tracing::info!(
        kind = %kept.kind,
        event_id = %kept.event_id,
        delivery = ?delivery,
        "notification mailed"
    );
    let delivered = Notification {
        delivery: Some(delivery),
        ..kept
    };
    services
        .notifications
        .save_delivery(&delivered)
        .await
        .map_err(ConsumeError::of)?;
    Ok(())
}

/// Where `notification` goes: the operators' address, or the contact address of the
/// order it is about when that order is its recipient's.
async fn address_of(
    services: &Services,
    notification: &Notification,
) -> Result<Option<EmailAddress>, ConsumeError> {
    if notification.recipient == OPERATORS {
        return Ok(services.operators_email.clone());
    }
    let Some(order_id) = &notification.order_id else {
        return Ok(None);
    };
    let order = services
        .orders
        .order(order_id)
        .await
        .map_err(ConsumeError::of)?;
    Ok(order
        .filter(|order| order.user_id.as_str() == notification.recipient)
        .and_then(|order| order.contact_email))
}
