//! Ports that let one function use only what `functions/manifest.json` grants it.
//!
//! Each wrapper holds the real port and the function's grant, checks the grant before
//! every call and passes the call through unchanged when it holds. A refusal is the
//! port's own error (`NotGranted`), naming the function and what it reached for, so the
//! handler fails the way it would on AWS with an IAM policy built from the same file.
//! Reads need `read` or `write`; every method that changes a record needs `write`.
//!
//! Every call that passes runs in a span of its own ([`traced`]): the guards are where
//! each of a function's calls to a table, the bus, the workflow or the gateway goes
//! through, so they are where its calls are seen.

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
mod journal;
mod mailer;
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
pub use journal::GuardedJournal;
pub use mailer::GuardedMailer;
pub use operations::{GuardedNotifications, GuardedOperationsLog};
pub use orders::GuardedOrders;
pub use payments::GuardedPayments;
pub use reviews::GuardedReviews;
pub use snapshots::GuardedSnapshots;
pub use workflow::GuardedWorkflow;

use std::future::Future;
use std::time::Instant;

use tracing::Instrument;

use super::manifest::{Access, FunctionSpec, Table};
use crate::domain::store::StoreError;

/// The target of the spans of calls through ports: `RUST_LOG=mambogo::calls=debug`
/// shows them.
pub const CALLS_TARGET: &str = "mambogo::calls";

/// `call`, the `operation` of the `port` (`store`, `bus`, `workflow`, `gateway`) on
/// `resource` (a table, the bus, the state machine, the gateway), in a debug span `call`
/// of its own, which logs how long the call took when it ends. While no subscriber
/// wants the span (the default), the call is made as it is: nothing is timed.
pub(crate) async fn traced<T>(
    port: &'static str,
    resource: &'static str,
    operation: &'static str,
    call: impl Future<Output = T>,
) -> T {
    let span = tracing::debug_span!(target: CALLS_TARGET, "call", port, resource, operation);
    if span.is_disabled() {
        return call.await;
    }
    async {
        let started = Instant::now();
        let answer = call.await;
        tracing::debug!(
            target: CALLS_TARGET,
            took_ms = started.elapsed().as_secs_f64() * 1000.0,
            "call done"
        );
        answer
    }
    .instrument(span)
    .await
}

/// Where every refusal sends the reader.
const MANIFEST_PATH: &str = "functions/manifest.json";

/// Why `function` may not do `what`, in the words every guard uses.
fn refusal(function: &str, what: &str) -> String {
    format!("{function} may not {what} ({MANIFEST_PATH})")
}

/// One function's grant on one table, checked before every call to the table's port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableGrant {
    grant: Grant,
    table: Table,
}

impl TableGrant {
    /// `function` holds `granted` on `table`; `None` when the manifest does not list it.
    pub fn new(function: &str, table: Table, granted: Option<Access>) -> Self {
        TableGrant {
            grant: Grant::new(function, format!("the {table} table"), granted),
            table,
        }
    }

    /// What the function `spec` holds on `table`.
    pub fn of(spec: &FunctionSpec, table: Table) -> Self {
        TableGrant::new(&spec.name, table, spec.access(table))
    }

    /// `Ok` when the grant covers `needed`, else [`StoreError::NotGranted`].
    pub fn check(&self, needed: Access) -> Result<(), StoreError> {
        self.grant.check(needed)
    }

    /// Makes `call`, the table's `operation`, when the grant covers `needed`
    /// ([`traced`]); else refuses it without starting it.
    pub async fn call<T, E: From<StoreError>>(
        &self,
        needed: Access,
        operation: &'static str,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        self.check(needed)?;
        traced("store", self.table.as_str(), operation, call).await
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
