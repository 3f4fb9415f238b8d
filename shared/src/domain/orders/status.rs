//! The order states and the one table of which changes are allowed.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where an order is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    Pending,
    Confirmed,
    Processing,
    Shipped,
    Delivered,
    Failed,
    Cancelled,
    ReturnRequested,
    Returned,
    Refunded,
}

/// A status change the rules do not allow.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("an order that is {current} cannot become {requested}")]
pub struct IllegalTransition {
    pub current: OrderStatus,
    pub requested: OrderStatus,
}

impl OrderStatus {
    /// Whether an order in this status may move to `next`.
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (Pending, Confirmed)
                | (Confirmed, Processing)
                | (Processing, Shipped)
                | (Shipped, Delivered)
                | (Pending, Failed)
                | (Pending | Confirmed | Processing, Cancelled)
                | (Shipped | Delivered, ReturnRequested)
                | (ReturnRequested, Returned)
                | (Returned, Refunded)
        )
    }

    /// Whether nothing more will happen to the order.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderStatus::Failed | OrderStatus::Cancelled | OrderStatus::Refunded
        )
    }

    fn as_str(self) -> &'static str {
        use OrderStatus::*;
        match self {
            Pending => "PENDING",
            Confirmed => "CONFIRMED",
            Processing => "PROCESSING",
            Shipped => "SHIPPED",
            Delivered => "DELIVERED",
            Failed => "FAILED",
            Cancelled => "CANCELLED",
            ReturnRequested => "RETURN_REQUESTED",
            Returned => "RETURNED",
            Refunded => "REFUNDED",
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::{self, *};

    const ALL: [OrderStatus; 10] = [
        Pending,
        Confirmed,
        Processing,
        Shipped,
        Delivered,
        Failed,
        Cancelled,
        ReturnRequested,
        Returned,
        Refunded,
    ];

    #[test]
    fn exactly_the_designed_transitions_are_allowed() {
        let allowed: Vec<(OrderStatus, OrderStatus)> = ALL
            .iter()
            .flat_map(|&from| ALL.iter().map(move |&to| (from, to)))
            .filter(|(from, to)| from.can_become(*to))
            .collect();
        assert_eq!(
            allowed,
            [
                (Pending, Confirmed),
                (Pending, Failed),
                (Pending, Cancelled),
                (Confirmed, Processing),
                (Confirmed, Cancelled),
                (Processing, Shipped),
                (Processing, Cancelled),
                (Shipped, Delivered),
                (Shipped, ReturnRequested),
                (Delivered, ReturnRequested),
                (ReturnRequested, Returned),
                (Returned, Refunded),
            ]
        );
    }

    #[test]
    fn final_states_go_nowhere() {
        for status in ALL.into_iter().filter(|s| s.is_final()) {
            assert!(ALL.iter().all(|&next| !status.can_become(next)), "{status}");
        }
    }
}
