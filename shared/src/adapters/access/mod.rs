//! Least privilege, proven by the code: `functions/manifest.json` declares what each
//! Lambda function may touch (tables, event publishing, workflow actions, secrets), and
//! Terraform builds each function's IAM policy from it. [`Services::restricted_to`] hands
//! a handler only those grants, so a handler that reaches for anything else fails here
//! — in the local shop and the tests — the way it would fail on AWS.
//!
//! - [`manifest`]: the file, typed and embedded.
//! - [`guarded`]: one wrapper per port that checks the grant before every call.

pub mod guarded;
pub mod manifest;

#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;

use std::sync::Arc;

pub use manifest::{
    Access, FunctionSpec, Manifest, ManifestError, Secret, Table, Trigger, WorkflowAction,
    MANIFEST_JSON,
};

use crate::application::settings::CheckoutSettings;
use crate::application::Services;
use guarded::{
    GuardedAddressBooks, GuardedCarts, GuardedCatalog, GuardedCoupons, GuardedDeadLetters,
    GuardedFlashSales, GuardedGateway, GuardedIdempotency, GuardedInventory, GuardedJournal,
    GuardedMailer, GuardedNotifications, GuardedOperationsLog, GuardedOrders, GuardedPayments,
    GuardedPublisher, GuardedReviews, GuardedSnapshots, GuardedWorkflow, TableGrant,
};

impl Services {
    /// These services as the function `spec` may use them: each store within the
    /// function's grant on its table, the event bus only if it `publishes`, the workflow
    /// only for its granted actions, the payment gateway only if it holds the gateway's
    /// key (`payment-gateway-api-key`), the purchase-token key only if it holds that
    /// secret, the mailer only if it `sendsMail`, the search index's snapshots within its
    /// `searchIndex` grant. Clock, ids, currency and the other settings are the same.
    /// Caching wrappers stay inside the guards, so a refused call never reaches a cache
    /// either.
    pub fn restricted_to(&self, spec: &FunctionSpec) -> Services {
        let grant = |table: Table| TableGrant::of(spec, table);
        Services {
            catalog: Arc::new(GuardedCatalog::new(
                Arc::clone(&self.catalog),
                grant(Table::Catalog),
            )),
            carts: Arc::new(GuardedCarts::new(
                Arc::clone(&self.carts),
                grant(Table::Carts),
            )),
            inventory: Arc::new(GuardedInventory::new(
                Arc::clone(&self.inventory),
                grant(Table::Inventory),
            )),
            orders: Arc::new(GuardedOrders::new(
                Arc::clone(&self.orders),
                grant(Table::Orders),
            )),
            payments: Arc::new(GuardedPayments::new(
                Arc::clone(&self.payments),
                grant(Table::Payments),
            )),
            idempotency: Arc::new(GuardedIdempotency::new(
                Arc::clone(&self.idempotency),
                grant(Table::Idempotency),
            )),
            events: Arc::new(GuardedPublisher::new(
                Arc::clone(&self.events),
                &spec.name,
                spec.publishes,
            )),
            mailer: Arc::new(GuardedMailer::new(
                Arc::clone(&self.mailer),
                &spec.name,
                spec.sends_mail,
            )),
            workflow: Arc::new(GuardedWorkflow::new(
                Arc::clone(&self.workflow),
                &spec.name,
                spec.workflow.clone(),
            )),
            gateway: Arc::new(GuardedGateway::new(
                Arc::clone(&self.gateway),
                &spec.name,
                spec.secrets.contains(&Secret::PaymentGatewayApiKey),
            )),
            dead_letters: Arc::new(GuardedDeadLetters::new(
                Arc::clone(&self.dead_letters),
                &spec.name,
                spec.dead_letters,
            )),
            notifications: Arc::new(GuardedNotifications::new(
                Arc::clone(&self.notifications),
                grant(Table::Operations),
            )),
            operations: Arc::new(GuardedOperationsLog::new(
                Arc::clone(&self.operations),
                grant(Table::Operations),
            )),
            journal: Arc::new(GuardedJournal::new(
                Arc::clone(&self.journal),
                grant(Table::Journal),
            )),
            flash_sales: Arc::new(GuardedFlashSales::new(
                Arc::clone(&self.flash_sales),
                grant(Table::FlashSales),
            )),
            address_books: Arc::new(GuardedAddressBooks::new(
                Arc::clone(&self.address_books),
                grant(Table::AddressBooks),
            )),
            coupons: Arc::new(GuardedCoupons::new(
                Arc::clone(&self.coupons),
                grant(Table::Coupons),
            )),
            reviews: Arc::new(GuardedReviews::new(
                Arc::clone(&self.reviews),
                grant(Table::Reviews),
            )),
            search_index: self.search_index.as_ref().map(|handle| {
                handle.wrapping_snapshots(|snapshots| {
                    Arc::new(GuardedSnapshots::new(
                        snapshots,
                        &spec.name,
                        spec.search_index,
                    ))
                })
            }),
            index_refresh: self.index_refresh,
            metrics: Arc::clone(&self.metrics),
            rate_limits: Arc::clone(&self.rate_limits),
            clock: Arc::clone(&self.clock),
            ids: Arc::clone(&self.ids),
            currency: self.currency,
            operators_email: self.operators_email.clone(),
            checkout: self.granted_settings(spec),
        }
    }

    /// The checkout settings, the purchase-token key replaced by a key of the function's
    /// own unless it holds `purchase-token-key`: its tokens pass nowhere else.
    fn granted_settings(&self, spec: &FunctionSpec) -> CheckoutSettings {
        let mut settings = self.checkout.clone();
        if !spec.secrets.contains(&Secret::PurchaseTokenKey) {
            settings.purchase_token_key = CheckoutSettings::default().purchase_token_key;
        }
        settings
    }
}
