//! Payments: authorize at checkout, capture at confirmation, void or refund when the
//! checkout is undone. The gateway answers authorizations later, through a signed webhook.

mod gateway;
mod method;
pub mod signature;
mod status;
mod store;
mod webhook;

pub use gateway::{AuthorizeRequest, GatewayError, PaymentGateway};
pub use method::PaymentMethod;
pub use status::{IllegalPaymentTransition, PaymentStatus};
pub use store::PaymentStore;
pub use webhook::{refund_id_of, GatewayEvent, GatewayEventKind};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::correlation::CorrelationId;
use crate::domain::ids::{OrderId, Sku};
use crate::domain::money::Money;

/// Where one refund is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RefundStatus {
    /// Asked of the gateway; waiting for its `refund.succeeded` webhook.
    Requested,
    /// The gateway says the money went back.
    Succeeded,
}

/// Part of a refund: what it pays back for one SKU.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundLine {
    pub sku: Sku,
    pub quantity: u32,
    /// What these units were paid.
    pub amount: Money,
}

/// One refund of a captured payment; a payment may have several, each under its own id
/// (`cancel`, `return`, `reconcile`, …), together never more than was captured.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Refund {
    /// Unique within the payment; the gateway call's idempotency key is
    /// [`Payment::refund_key`] of it, and the gateway's webhook names it back.
    pub id: String,
    /// What is paid back, line by line; empty for a refund of the whole payment.
    #[serde(default)]
    pub lines: Vec<RefundLine>,
    pub amount: Money,
    pub status: RefundStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub succeeded_at: Option<OffsetDateTime>,
}

impl Refund {
    /// A refund `id` of `amount` for `lines`, asked of the gateway at `now`.
    pub fn requested(
        id: impl Into<String>,
        lines: Vec<RefundLine>,
        amount: Money,
        now: OffsetDateTime,
    ) -> Self {
        Refund {
            id: id.into(),
            lines,
            amount,
            status: RefundStatus::Requested,
            requested_at: now,
            succeeded_at: None,
        }
    }
}

/// The payment of one order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub order_id: OrderId,
    pub amount: Money,
    /// The shopper's payment method as the gateway's client library tokenized it.
    pub payment_token: String,
    /// The kind of method the token stands for.
    #[serde(default)]
    pub method: PaymentMethod,
    pub status: PaymentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_reference: Option<String>,
    /// The saga's task token, to resume it when the gateway answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Incremented by every write; stores refuse a write based on a stale version.
    pub version: u64,
    /// The refunds asked of the gateway, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refunds: Vec<Refund>,
    /// Its order's correlation id, carried by the events its webhooks cause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<CorrelationId>,
}

impl Payment {
    /// A payment about to be authorized, waiting on the saga task `task_token`.
    pub fn authorizing(
        order_id: OrderId,
        amount: Money,
        payment_token: String,
        task_token: String,
        now: OffsetDateTime,
    ) -> Self {
        Payment {
            order_id,
            amount,
            payment_token,
            method: PaymentMethod::default(),
            status: PaymentStatus::Authorizing,
            gateway_reference: None,
            task_token: Some(task_token),
            failure_reason: None,
            updated_at: now,
            version: 1,
            refunds: Vec::new(),
            correlation_id: None,
        }
    }

    /// This payment moved to `to` at `now`, with the version bumped for the conditional
    /// write, if the rules allow the move from its status ([`PaymentStatus::can_become`]).
    pub fn transition(
        &self,
        to: PaymentStatus,
        now: OffsetDateTime,
    ) -> Result<Self, IllegalPaymentTransition> {
        if !self.status.can_become(to) {
            return Err(IllegalPaymentTransition {
                current: self.status,
                requested: to,
            });
        }
        Ok(Payment {
            status: to,
            ..self.touched(now)
        })
    }

    /// This payment, in the same status, changed at `now`: the version bumped for the
    /// conditional write of a change to something else (its task token, its gateway
    /// reference).
    pub fn touched(&self, now: OffsetDateTime) -> Self {
        Payment {
            updated_at: now,
            version: self.version + 1,
            ..self.clone()
        }
    }

    /// The idempotency key of a gateway call for this payment: retries of the same step
    /// reuse it, so the gateway performs the step once.
    pub fn idempotency_key(&self, step: &str) -> String {
        format!("{}:{step}", self.order_id)
    }

    /// The idempotency key of the gateway call for the refund `refund_id`:
    /// `<order id>:refund:<refund id>`. The gateway's `refund.succeeded` webhook carries
    /// the refund id back ([`refund_id_of`] reads it out of the key).
    pub fn refund_key(&self, refund_id: &str) -> String {
        self.idempotency_key(&format!("refund:{refund_id}"))
    }

    /// The refund with this id.
    pub fn refund(&self, refund_id: &str) -> Option<&Refund> {
        self.refunds.iter().find(|refund| refund.id == refund_id)
    }

    /// Everything asked back so far, whether the gateway has confirmed it yet or not.
    pub fn refunded_total(&self) -> Money {
        let amount = self.refunds.iter().map(|refund| refund.amount.amount).sum();
        Money::new(amount, self.amount.currency)
    }

    /// What may still be refunded: the captured amount less every refund asked for;
    /// nothing unless the payment is captured.
    pub fn refundable(&self) -> Money {
        let left = match self.status {
            PaymentStatus::Captured => self.amount.amount - self.refunded_total().amount,
            _ => 0,
        };
        Money::new(left.max(0), self.amount.currency)
    }

    /// This payment with `refund` added at `now` and the version bumped; the status
    /// stays (a refund is only asked for).
    pub fn with_refund(&self, refund: Refund, now: OffsetDateTime) -> Self {
        let mut next = Payment {
            updated_at: now,
            version: self.version + 1,
            ..self.clone()
        };
        next.refunds.push(refund);
        next
    }

    /// This payment with the refund `refund_id` succeeded at `now` and the version
    /// bumped; `None` if it has no such refund or it had succeeded already. The status
    /// becomes `REFUNDED` once refunds have given back the whole amount.
    pub fn with_refund_succeeded(&self, refund_id: &str, now: OffsetDateTime) -> Option<Self> {
        let position = self.refunds.iter().position(|refund| {
            refund.id == refund_id && refund.status == RefundStatus::Requested
        })?;
        let mut next = Payment {
            updated_at: now,
            version: self.version + 1,
            ..self.clone()
        };
        let refund = &mut next.refunds[position];
        refund.status = RefundStatus::Succeeded;
        refund.succeeded_at = Some(now);
        let succeeded: i64 = next
            .refunds
            .iter()
            .filter(|refund| refund.status == RefundStatus::Succeeded)
            .map(|refund| refund.amount.amount)
            .sum();
        if succeeded >= next.amount.amount && next.status.can_become(PaymentStatus::Refunded) {
            next.status = PaymentStatus::Refunded;
        }
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::domain::money::Currency;

    fn captured() -> Payment {
        let now = datetime!(2030-01-01 00:00 UTC);
        let order = OrderId::parse("0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55").unwrap();
        let amount = Money::new(1_000, Currency::USD);
        Payment::authorizing(order, amount, "tok".into(), "task".into(), now)
            .transition(PaymentStatus::Authorized, now)
            .and_then(|authorized| authorized.transition(PaymentStatus::Captured, now))
            .unwrap()
    }

    #[test]
    fn refunds_are_asked_then_succeed_until_the_payment_is_refunded() {
        let now = datetime!(2030-01-02 00:00 UTC);
        let payment = captured();
        assert_eq!(payment.refundable().amount, 1_000);
        let usd = |amount| Money::new(amount, Currency::USD);
        let asked = payment
            .with_refund(Refund::requested("return", vec![], usd(400), now), now)
            .with_refund(Refund::requested("cancel", vec![], usd(600), now), now);
        assert_eq!(asked.version, payment.version + 2);
        assert_eq!(payment.version, 3, "authorizing, authorized, captured");
        assert_eq!(
            (asked.refunded_total().amount, asked.refundable().amount),
            (1_000, 0)
        );
        let one = asked.with_refund_succeeded("return", now).unwrap();
        assert_eq!(one.status, PaymentStatus::Captured);
        assert_eq!(one.refund("return").unwrap().succeeded_at, Some(now));
        assert_eq!(one.with_refund_succeeded("return", now), None, "once");
        assert_eq!(one.with_refund_succeeded("unknown", now), None);
        let both = one.with_refund_succeeded("cancel", now).unwrap();
        assert_eq!(both.status, PaymentStatus::Refunded);
    }

    #[test]
    fn refund_keys_carry_the_refund_id() {
        let payment = captured();
        let key = payment.refund_key("return-1");
        assert_eq!(key, format!("{}:refund:return-1", payment.order_id));
        assert_eq!(refund_id_of(&key), "return-1");
    }

    #[test]
    fn payments_without_refunds_read_and_write_as_before() {
        let payment = captured();
        let json = serde_json::to_value(&payment).unwrap();
        assert!(json.get("refunds").is_none());
        assert_eq!(serde_json::from_value::<Payment>(json).unwrap(), payment);
        for status in PaymentStatus::ALL {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }
}
