//! Ports that let one function use only what `functions/manifest.json` grants it.
//!
//! Each wrapper holds the real port and the function's grant, checks the grant before
//! every call and passes the call through unchanged when it holds. A refusal is the
//! port's own error (`NotGranted`), naming the function and what it reached for, so the
//! handler fails the way it would on AWS with an IAM policy built from the same file.
//! Reads need `read` or `write`; every method that changes a record needs `write`.

mod address_books;
mod carts;
mod catalog;
mod coupons;
mod dead_letters;
mod events;
mod flash_sales;
mod gateway;
mod idempotency;
mod inventory;
mod operations;
mod orders;
mod payments;
mod reviews;
mod snapshots;
mod workflow;

#[cfg(test)]
mod tests;

pub use address_books::GuardedAddressBooks;
pub use carts::GuardedCarts;
pub use catalog::GuardedCatalog;
pub use coupons::GuardedCoupons;
pub use dead_letters::GuardedDeadLetters;
pub use events::GuardedPublisher;
pub use flash_sales::GuardedFlashSales;
pub use gateway::GuardedGateway;
pub use idempotency::GuardedIdempotency;
pub use inventory::GuardedInventory;
pub use operations::{GuardedNotifications, GuardedOperationsLog};
pub use orders::GuardedOrders;
pub use payments::GuardedPayments;
pub use reviews::GuardedReviews;
pub use snapshots::GuardedSnapshots;
pub use workflow::GuardedWorkflow;

use super::manifest::{Access, FunctionSpec, Table};
use crate::domain::store::StoreError;

/// Where every refusal sends the reader.
const MANIFEST_PATH: &str = "functions/manifest.json";

/// Why `function` may not do `what`, in the words every guard uses.
fn refusal(function: &str, what: &str) -> String {
    format!("{function} may not {what} ({MANIFEST_PATH})")
}

/// One function's grant on one table, checked before every call to the table's port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableGrant(Grant);

impl TableGrant {
    /// `function` holds `granted` on `table`; `None` when the manifest does not list it.
    pub fn new(function: &str, table: Table, granted: Option<Access>) -> Self {
        TableGrant(Grant::new(function, format!("the {table} table"), granted))
    }

    /// What the function `spec` holds on `table`.
    pub fn of(spec: &FunctionSpec, table: Table) -> Self {
        TableGrant::new(&spec.name, table, spec.access(table))
    }

    /// `Ok` when the grant covers `needed`, else [`StoreError::NotGranted`].
    pub fn check(&self, needed: Access) -> Result<(), StoreError> {
        self.0.check(needed)
    }
}

/// One function's grant on one thing (a table, the dead letters, the search index's
/// snapshots), checked before every call to its port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Grant {
    function: String,
    /// What is granted, as a refusal names it ("the dead letters").
    what: String,
    granted: Option<Access>,
}

impl Grant {
    /// `function` holds `granted` on `what`.
    pub fn new(function: &str, what: impl Into<String>, granted: Option<Access>) -> Self {
        Grant {
            function: function.to_owned(),
            what: what.into(),
            granted,
        }
    }

    /// `Ok` when the grant covers `needed`, else [`StoreError::NotGranted`].
    pub fn check(&self, needed: Access) -> Result<(), StoreError> {
        if self.granted.is_some_and(|granted| granted.allows(needed)) {
            return Ok(());
        }
        Err(StoreError::NotGranted(refusal(
            &self.function,
            &format!("{needed} {}", self.what),
        )))
    }
}
