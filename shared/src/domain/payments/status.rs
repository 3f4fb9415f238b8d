//! Where a payment is, and the one table of which changes are allowed.

use serde::{Deserialize, Serialize};

/// Where a payment is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    /// Asked the gateway; waiting for its webhook.
    Authorizing,
    Authorized,
    Declined,
    Captured,
    /// The authorization was cancelled before capture (or never answered).
    Voided,
    /// Captured, then given back in full.
    Refunded,
}

/// A payment status change the rules do not allow.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a payment that is {} cannot become {}", .current.as_str(), .requested.as_str())]
pub struct IllegalPaymentTransition {
    pub current: PaymentStatus,
    pub requested: PaymentStatus,
}

impl PaymentStatus {
    /// Whether a payment in this status may move to `next`: an authorization is granted,
    /// declined or voided; a granted one is captured or voided; a capture is refunded.
    pub fn can_become(self, next: PaymentStatus) -> bool {
        use PaymentStatus::*;
        matches!(
            (self, next),
            (Authorizing, Authorized | Declined | Voided)
                | (Authorized, Captured | Voided)
                | (Captured, Refunded)
        )
    }

    /// Whether the payment waits for or holds an authorization: what a void cancels.
    pub fn holds_authorization(self) -> bool {
        matches!(self, PaymentStatus::Authorizing | PaymentStatus::Authorized)
    }

    /// Whether nothing more will happen to the payment's status.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            PaymentStatus::Declined | PaymentStatus::Voided | PaymentStatus::Refunded
        )
    }

    /// Every status, in the order of the enum.
    pub const ALL: [PaymentStatus; 6] = [
        PaymentStatus::Authorizing,
        PaymentStatus::Authorized,
        PaymentStatus::Declined,
        PaymentStatus::Captured,
        PaymentStatus::Voided,
        PaymentStatus::Refunded,
    ];

    /// The status as stores and the API spell it: `AUTHORIZING`, `CAPTURED`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Authorizing => "AUTHORIZING",
            PaymentStatus::Authorized => "AUTHORIZED",
            PaymentStatus::Declined => "DECLINED",
            PaymentStatus::Captured => "CAPTURED",
            PaymentStatus::Voided => "VOIDED",
            PaymentStatus::Refunded => "REFUNDED",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PaymentStatus::{self, *};

    #[test]
    fn exactly_the_designed_transitions_are_allowed() {
        let allowed: Vec<(PaymentStatus, PaymentStatus)> = PaymentStatus::ALL
            .iter()
            .flat_map(|&from| PaymentStatus::ALL.iter().map(move |&to| (from, to)))
            .filter(|(from, to)| from.can_become(*to))
            .collect();
        assert_eq!(
            allowed,
            [
                (Authorizing, Authorized),
                (Authorizing, Declined),
                (Authorizing, Voided),
                (Authorized, Captured),
                (Authorized, Voided),
                (Captured, Refunded),
            ]
        );
    }

    #[test]
    fn final_states_go_nowhere() {
        for status in PaymentStatus::ALL.into_iter().filter(|s| s.is_final()) {
            assert!(
                PaymentStatus::ALL
                    .iter()
                    .all(|&next| !status.can_become(next)),
                "{status:?}"
            );
        }
    }

    #[test]
    fn an_illegal_transition_changes_nothing() {
        use time::macros::datetime;

        use crate::domain::ids::OrderId;
        use crate::domain::money::{Currency, Money};
        use crate::domain::payments::{IllegalPaymentTransition, Payment};

        let now = datetime!(2030-01-01 00:00 UTC);
        let order = OrderId::parse("0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55").unwrap();
        let payment = Payment::authorizing(
            order,
            Money::new(1_000, Currency::USD),
            "tok".into(),
            "task".into(),
            now,
        );
        assert_eq!(
            payment.transition(Captured, now),
            Err(IllegalPaymentTransition {
                current: Authorizing,
                requested: Captured
            })
        );
        let authorized = payment.transition(Authorized, now).unwrap();
        assert_eq!(
            (authorized.status, authorized.version),
            (Authorized, payment.version + 1)
        );
        let touched = authorized.touched(now);
        assert_eq!(
            (touched.status, touched.version),
            (Authorized, authorized.version + 1)
        );
    }
}
