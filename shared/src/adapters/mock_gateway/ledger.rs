//! The mock gateway's ledger as a port: what it has authorized, under which idempotency
//! keys, and which captures, voids and refunds it has performed. The rules (which token
//! does what, which stage allows which step) stay in [`MockGateway`](super::MockGateway);
//! a ledger only records, and refuses a record that a concurrent call made stale.

use async_trait::async_trait;

use crate::domain::ids::OrderId;
use crate::domain::money::Money;
use crate::domain::payments::{GatewayError, GatewayEvent};
use crate::domain::store::StoreError;

/// Where a mock payment is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Asked to authorize, never answered (`tok_no_answer`).
    Pending,
    /// Authorized (`tok_approve`); may be captured or voided.
    Authorized,
    /// Declined (`tok_decline`); may only be voided.
    Declined,
    /// Captured; may be refunded, in one or several parts.
    Captured,
    /// Voided before any capture.
    Voided,
    /// Captured, then given back in full.
    Refunded,
}

impl Stage {
    const ALL: [Stage; 6] = [
        Stage::Pending,
        Stage::Authorized,
        Stage::Declined,
        Stage::Captured,
        Stage::Voided,
        Stage::Refunded,
    ];

    /// The stage's name as stored: `PENDING`, `AUTHORIZED`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Pending => "PENDING",
            Stage::Authorized => "AUTHORIZED",
            Stage::Declined => "DECLINED",
            Stage::Captured => "CAPTURED",
            Stage::Voided => "VOIDED",
            Stage::Refunded => "REFUNDED",
        }
    }

    /// The stage named `name` as [`Stage::as_str`] writes it.
    pub fn parse(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|stage| stage.as_str() == name)
    }
}

/// One payment in the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MockPayment {
    /// The order the payment is for.
    pub order_id: OrderId,
    /// The authorized amount; a capture may not exceed it.
    pub amount: Money,
    /// Where the payment is.
    pub stage: Stage,
    /// Minor units captured; 0 before the capture.
    pub captured: i64,
    /// Minor units refunded so far, over every refund; never more than `captured`.
    pub refunded: i64,
}

impl MockPayment {
    /// A payment of `amount` for `order_id` at `stage`, nothing captured or refunded.
    pub fn new(order_id: OrderId, amount: Money, stage: Stage) -> Self {
        MockPayment {
            order_id,
            amount,
            stage,
            captured: 0,
            refunded: 0,
        }
    }

    /// What may still be refunded, in minor units.
    pub fn refundable(&self) -> i64 {
        match self.stage {
            Stage::Captured => (self.captured - self.refunded).max(0),
            _ => 0,
        }
    }
}

/// An authorization to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAuthorization {
    /// The key the authorize call carried.
    pub idempotency_key: String,
    /// The reference made for this call; kept only if the key is new.
    pub reference: String,
    /// The payment the reference stands for.
    pub payment: MockPayment,
    /// The webhook that answers the authorization; none for one never answered. A ledger
    /// whose writes trigger delivery (the DynamoDB one, through its stream) keeps it in
    /// the same write as the authorization, so the promise to answer cannot be lost.
    pub webhook: Option<GatewayEvent>,
}

/// What recording an authorization did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthorizeOutcome {
    /// The key was new: the authorization is recorded.
    Recorded,
    /// The key was used before; it stands for this reference and nothing was recorded.
    Known(String),
}

/// How a capture, void or refund ended; a repeated call with its key is answered the same.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    /// Done: the payment moved (or stayed, for a void of a voided payment).
    Performed,
    /// Refused because the payment could not do it, with the reason.
    Refused(String),
}

impl StepOutcome {
    /// The outcome as the [`PaymentGateway`](crate::domain::payments::PaymentGateway) answers it.
    pub fn into_result(self) -> Result<(), GatewayError> {
        match self {
            StepOutcome::Performed => Ok(()),
            StepOutcome::Refused(reason) => Err(GatewayError::InvalidState(reason)),
        }
    }
}

/// A capture, void or refund to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The call's idempotency key.
    pub key: String,
    /// The payment the step is for.
    pub reference: String,
    /// The payment as the outcome was decided on.
    pub from: MockPayment,
    /// The payment as the step leaves it; `from` for a refusal.
    pub to: MockPayment,
    /// How the step ended.
    pub outcome: StepOutcome,
    /// The webhook that answers the step later (a refund's `refund.succeeded`); kept in
    /// the same write as the step by a ledger whose writes trigger delivery.
    pub webhook: Option<GatewayEvent>,
}

impl Step {
    /// A step with `key` on the payment `reference`, decided on `from`: performed,
    /// leaving the payment as `to`, or refused with a reason, leaving it as it was.
    pub fn decided(
        key: &str,
        reference: &str,
        from: &MockPayment,
        decision: Result<MockPayment, String>,
    ) -> Self {
        let (to, outcome) = match decision {
            Ok(to) => (to, StepOutcome::Performed),
            Err(reason) => (from.clone(), StepOutcome::Refused(reason)),
        };
        Step {
            key: key.to_owned(),
            reference: reference.to_owned(),
            from: from.clone(),
            to,
            outcome,
            webhook: None,
        }
    }
}

/// What recording a step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepRecorded {
    /// Recorded, and the payment moved.
    Recorded,
    /// The key was performed before, with this outcome; nothing changed.
    Earlier(StepOutcome),
    /// The payment is no longer at the stage the outcome was decided on, or another call
    /// was writing it at the same time; nothing changed. Read it again and decide anew.
    Stale,
}

/// Where the mock gateway keeps its payments. Each method is one atomic change.
#[async_trait]
pub trait MockLedger: Send + Sync {
    /// The reference an authorize call with `idempotency_key` made, if there was one.
    async fn reference(&self, idempotency_key: &str) -> Result<Option<String>, StoreError>;

    /// Records `authorization` unless its idempotency key was used before.
    async fn authorize(
        &self,
        authorization: &NewAuthorization,
    ) -> Result<AuthorizeOutcome, StoreError>;

    /// The payment with `reference`.
    async fn payment(&self, reference: &str) -> Result<Option<MockPayment>, StoreError>;

    /// Records `step` (and its webhook, if the ledger keeps webhooks) and moves its
    /// payment from `step.from` to `step.to`, only if the key is new and the payment is
    /// still as `step.from` shows it.
    async fn record_step(&self, step: &Step) -> Result<StepRecorded, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_names_read_back() {
        for stage in Stage::ALL {
            assert_eq!(Stage::parse(stage.as_str()), Some(stage));
        }
        assert_eq!(Stage::parse("pending"), None);
    }
}
