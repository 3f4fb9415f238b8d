//! The AWS adapters behind a function's ports, built once per cold start.

use std::sync::Arc;

use aws_config::BehaviorVersion;
use mambogo::adapters::cached_catalog::CachedCatalog;
use mambogo::adapters::cached_stock::CachedStockLevels;
use mambogo::adapters::dynamodb::{
    DynamoCarts, DynamoCatalog, DynamoIdempotency, DynamoInventory, DynamoOrders, DynamoPayments,
};
use mambogo::adapters::eventbridge::EventBridgePublisher;
use mambogo::adapters::stepfunctions::StepFunctionsWorkflow;
use mambogo::api::Services;
use mambogo::checkout::CheckoutSettings;
use mambogo::clock::{Clock, RandomIds, SystemClock};

use crate::config::LambdaConfig;

/// The services on AWS: one DynamoDB client for every table, the catalog behind a cache,
/// EventBridge for events and Step Functions for the checkout saga.
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
        carts: Arc::new(DynamoCarts::new(
            dynamodb.clone(),
            config.cart_table.clone(),
        )),
        inventory: Arc::new(CachedStockLevels::new(
            Arc::new(DynamoInventory::new(
                dynamodb.clone(),
                config.inventory_table.clone(),
            )),
            Arc::clone(&clock),
            config.catalog_cache,
        )),
        orders: Arc::new(DynamoOrders::new(
            dynamodb.clone(),
            config.order_table.clone(),
        )),
        payments: Arc::new(DynamoPayments::new(
            dynamodb.clone(),
            config.payment_table.clone(),
        )),
        idempotency: Arc::new(DynamoIdempotency::new(
            dynamodb,
            config.idempotency_table.clone(),
        )),
        events: Arc::new(EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&sdk_config),
            config.event_bus_name.clone(),
        )),
        workflow: Arc::new(StepFunctionsWorkflow::new(
            aws_sdk_sfn::Client::new(&sdk_config),
            config.state_machine_arn.clone(),
        )),
        clock,
        ids: Arc::new(RandomIds),
        currency: config.currency,
        checkout: CheckoutSettings {
            reservation_ttl: config.reservation_ttl,
            webhook_secrets: config.webhook_secrets.clone(),
            event_bus_name: config.event_bus_name.clone(),
            ..CheckoutSettings::default()
        },
    }
}
