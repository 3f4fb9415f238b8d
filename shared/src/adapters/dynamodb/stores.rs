//! Every store of the shop on DynamoDB as one set, for whatever puts them behind the
//! services' ports: a function's cold start, the local shop on DynamoDB.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use time::Duration;

use super::{
    DynamoAddressBooks, DynamoCarts, DynamoCatalog, DynamoCoupons, DynamoFlashSales,
    DynamoIdempotency, DynamoInventory, DynamoJournal, DynamoOperations, DynamoOrders,
    DynamoPayments, DynamoReviews,
};
use crate::adapters::access::Table;
use crate::adapters::cached_catalog::CachedCatalog;
use crate::adapters::cached_stock::CachedStockLevels;
use crate::application::metrics::MetricsSink;
use crate::application::Services;
use crate::domain::address_book::AddressBookStore;
use crate::domain::cart::CartStore;
use crate::domain::catalog::CatalogStore;
use crate::domain::clock::Clock;
use crate::domain::coupons::CouponStore;
use crate::domain::flash_sale::FlashSaleStore;
use crate::domain::idempotency::IdempotencyStore;
use crate::domain::inventory::InventoryStore;
use crate::domain::journal::OrderJournal;
use crate::domain::orders::OrderStore;
use crate::domain::payments::PaymentStore;
use crate::domain::reviews::ReviewStore;

/// The stores, each on its own table; the operations table keeps both the notification
/// outbox and the sweeps' reports.
pub struct DynamoStores {
    pub catalog: Arc<dyn CatalogStore>,
    pub carts: Arc<dyn CartStore>,
    pub inventory: Arc<dyn InventoryStore>,
    pub orders: Arc<dyn OrderStore>,
    pub payments: Arc<dyn PaymentStore>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub operations: Arc<DynamoOperations>,
    pub journal: Arc<dyn OrderJournal>,
    pub flash_sales: Arc<dyn FlashSaleStore>,
    pub address_books: Arc<dyn AddressBookStore>,
    pub coupons: Arc<dyn CouponStore>,
    pub reviews: Arc<dyn ReviewStore>,
}

/// How long the catalog and the stock levels are served from memory.
#[derive(Clone, Copy, Debug)]
pub struct Caches {
    pub catalog: Duration,
    pub stock: Duration,
}

impl DynamoStores {
    /// Every store through `client`, on the table `name` gives each; the catalog and
    /// the stock levels behind caches on `clock`; the inventory's lost races counted
    /// into `metrics`.
    pub fn new(
        client: &Client,
        name: impl Fn(Table) -> String,
        clock: &Arc<dyn Clock>,
        caches: Caches,
        metrics: &Arc<dyn MetricsSink>,
    ) -> Self {
        let client = || client.clone();
        DynamoStores {
            catalog: Arc::new(CachedCatalog::new(
                Arc::new(DynamoCatalog::new(client(), name(Table::Catalog))),
                Arc::clone(clock),
                caches.catalog,
            )),
            carts: Arc::new(DynamoCarts::new(client(), name(Table::Carts))),
            inventory: Arc::new(CachedStockLevels::new(
                Arc::new(
                    DynamoInventory::new(client(), name(Table::Inventory))
                        .counting_into(Arc::clone(metrics)),
                ),
                Arc::clone(clock),
                caches.stock,
            )),
            orders: Arc::new(DynamoOrders::new(client(), name(Table::Orders))),
            payments: Arc::new(DynamoPayments::new(client(), name(Table::Payments))),
            idempotency: Arc::new(DynamoIdempotency::new(client(), name(Table::Idempotency))),
            operations: Arc::new(DynamoOperations::new(client(), name(Table::Operations))),
            journal: Arc::new(DynamoJournal::new(client(), name(Table::Journal))),
            flash_sales: Arc::new(DynamoFlashSales::new(client(), name(Table::FlashSales))),
            address_books: Arc::new(DynamoAddressBooks::new(client(), name(Table::AddressBooks))),
            coupons: Arc::new(DynamoCoupons::new(client(), name(Table::Coupons))),
            reviews: Arc::new(DynamoReviews::new(client(), name(Table::Reviews))),
        }
    }

    /// `services` with these stores in place of its own.
    pub fn in_place_of(self, services: Services) -> Services {
        Services {
            catalog: self.catalog,
            carts: self.carts,
            inventory: self.inventory,
            orders: self.orders,
            payments: self.payments,
            idempotency: self.idempotency,
            notifications: self.operations.clone(),
            operations: self.operations,
            journal: self.journal,
            flash_sales: self.flash_sales,
            address_books: self.address_books,
            coupons: self.coupons,
            reviews: self.reviews,
            ..services
        }
    }
}
