//! The AWS adapters behind a function's ports, built once per cold start.

use std::sync::Arc;

use aws_config::BehaviorVersion;
use mambogo::adapters::cached_catalog::CachedCatalog;
use mambogo::adapters::dynamodb::{DynamoCarts, DynamoCatalog};
use mambogo::api::Services;
use mambogo::clock::{Clock, RandomIds, SystemClock};

use crate::config::LambdaConfig;

/// The services on DynamoDB: one client for both tables, the catalog behind a cache.
pub async fn aws_services(config: &LambdaConfig) -> Services {
    let sdk_config = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk_config);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let catalog = CachedCatalog::new(
        Arc::new(DynamoCatalog::new(
            dynamodb.clone(),
            config.catalog_table.clone(),
        )),
        Arc::clone(&clock),
        config.catalog_cache,
    );
    Services {
        catalog: Arc::new(catalog),
        carts: Arc::new(DynamoCarts::new(dynamodb, config.cart_table.clone())),
        clock,
        ids: Arc::new(RandomIds),
        currency: config.currency,
    }
}
