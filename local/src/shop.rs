//! Assembling the local shop: embedded stores and the in-process event bus (or AWS's
//! services in their place, [`crate::aws`]), the checkout saga on the local runner, and
//! the mock payment gateway. Saga steps and consumers get
//! only the grants of their functions in `functions/manifest.json`; the mock gateway,
//! which is no Lambda here, uses its stores directly.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use mambogo::adapters::access::{FunctionSpec, Manifest};
use mambogo::adapters::cached_catalog::CachedCatalog;
use mambogo::adapters::cached_stock::CachedStockLevels;
use mambogo::adapters::local_bus::{LocalEventBus, Rule};
use mambogo::adapters::mail::{EmlFiles, Sender};
use mambogo::adapters::search_index::TantivyIndex;
use mambogo::adapters::sqlite::{
    SqliteAddressBooks, SqliteCarts, SqliteCatalog, SqliteCoupons, SqliteDb, SqliteDeadLetters,
    SqliteFlashSales, SqliteIdempotency, SqliteInventory, SqliteJournal, SqliteOperations,
    SqliteOrders, SqlitePayments, SqliteReviews,
};
use mambogo::adapters::sqs_consumer::SqsPoller;
use mambogo::adapters::sqs_dead_letters::SqsDeadLetters;
use mambogo::application::checkout::{CHECKOUT_ASL, TASK_FUNCTIONS};
use mambogo::application::consumers::{
    ClearCartOnConfirmation, CountEvents, IndexCatalog, ReleaseCouponOfEndedOrder, CLEAR_CART,
    COUNT_EVENTS, INDEX_CATALOG, RELEASE_COUPON,
};
use mambogo::application::consumers::{
    JournalOrderEvents, Journaled, NotifyShopper, StockAlerts, JOURNAL_ORDER_EVENTS,
    NOTIFY_SHOPPER, STOCK_ALERTS,
};
use mambogo::application::index_handle::IndexHandle;
use mambogo::application::jobs::{Sweeper, SWEEPER};
use mambogo::application::metrics::MetricsSink;
use mambogo::application::rate_limits::RateLimits;
use mambogo::application::settings::CheckoutSettings;
use mambogo::application::Services;
use mambogo::domain::clock::{Clock, IdSource, RandomIds, SystemClock};
use mambogo::domain::events::{EventConsumer, EventPublisher};
use mambogo::domain::mail::{MailOff, Mailer};
use mambogo::domain::money::Currency;
use mambogo::domain::workflow::Workflow;

use crate::caches::{CATALOG_CACHE, STOCK_CACHE};
use crate::config::{DataLocation, LocalConfig, DEV_MAIL_SENDER};
use crate::demo::seed_demo_catalog;
use crate::error::StartError;
use crate::gateway::{local_gateway, LocalGateway, OwedWebhooks};
use crate::metrics::PrometheusMetrics;
use crate::saga_steps::{BusEventSink, FaultInjector, SagaSteps};
use crate::webhooks::LoopbackWebhooks;
use crate::workflow::{ExecutionStore, LocalWorkflow, StateMachine, WorkflowRunner};

/// The event bus name put on PutEvents entries; the local bus accepts any.
const LOCAL_BUS: &str = "mambogo-local";

/// Wraps the workflow port the routes use, as tests do to stand in for a throttling
/// Step Functions.
pub type WorkflowWrapper = Arc<dyn Fn(Arc<dyn Workflow>) -> Arc<dyn Workflow> + Send + Sync>;

/// Replaces ports of the assembled services, as tests do to put EventBridge in front of
/// the shop's bus.
pub type ServicesWrapper = Arc<dyn Fn(Services) -> Services + Send + Sync>;

/// What tests may swap in: a clock they move by hand, faults in saga steps, a wrapper
/// around the workflow port, and other ports.
#[derive(Clone, Default)]
pub struct TestHooks {
    pub clock: Option<Arc<dyn Clock>>,
    pub faults: Option<FaultInjector>,
    pub workflow: Option<WorkflowWrapper>,
    /// Applied once the services are built, before the demo catalog is seeded and
    /// before the saga steps, consumers and sweeper take their share of them.
    pub ports: Option<ServicesWrapper>,
}

/// The assembled shop, before it listens.
pub struct LocalShop {
    pub services: Arc<Services>,
    pub runner: WorkflowRunner,
    pub bus: Arc<LocalEventBus>,
    pub gateway: Arc<LocalGateway>,
    /// The webhooks an earlier run owed, for the server to send once it listens.
    pub owed_webhooks: OwedWebhooks,
    /// The sweeper, with the `sweeper` function's grants; the server runs it every
    /// minute of the shop's clock.
    pub sweeper: Sweeper,
    /// The services with the `sweeper` function's grants, for the admission rounds it
    /// runs in the open flash sales.
    pub sweeper_services: Services,
    /// On AWS, what drains each consumer's queue into the consumer the bus has attached
    /// for it; the server runs them.
    pub pollers: Vec<Arc<SqsPoller>>,
    /// The business metrics, counted from the events the bus delivers.
    pub metrics: Arc<PrometheusMetrics>,
}

fn executions_file(data: &DataLocation) -> Option<PathBuf> {
    match data {
        DataLocation::File(path) => Some(path.with_extension("executions.db")),
        DataLocation::Memory => None,
    }
}

/// Opens the data, builds every port and seeds the demo catalog if asked and empty, for
/// a shop that will listen on `address` (where the mock gateway sends its webhooks).
pub async fn build_shop(
    config: &LocalConfig,
    hooks: TestHooks,
    address: SocketAddr,
) -> Result<LocalShop, StartError> {
    let db = match &config.data {
        DataLocation::File(path) => SqliteDb::open(path)?,
        DataLocation::Memory => SqliteDb::in_memory()?,
    };
    let clock: Arc<dyn Clock> = hooks.clock.unwrap_or_else(|| Arc::new(SystemClock));
    let ids: Arc<dyn IdSource> = Arc::new(RandomIds);
    let catalog = Arc::new(CachedCatalog::new(
        Arc::new(SqliteCatalog::new(db.clone())),
        Arc::clone(&clock),
        CATALOG_CACHE,
    ));
    let carts = Arc::new(SqliteCarts::new(db.clone()));
    let inventory = Arc::new(CachedStockLevels::new(
        Arc::new(SqliteInventory::new(db.clone())),
        Arc::clone(&clock),
        STOCK_CACHE,
    ));
    let idempotency = Arc::new(SqliteIdempotency::new(db.clone()));

    let manifest = Manifest::embedded()?;
    let rules = Rule::embedded().map_err(|error| StartError::Events(error.to_string()))?;
    let aws_events = match &config.aws {
        Some(stack) => Some(stack.events(&rules, manifest).await?),
        None => None,
    };
    // Events consumers fail on every attempt are parked in the shop's own dead-letter
    // table, and counted; the consumers are attached once the services exist. On AWS,
    // the bus puts events on EventBridge, the consumers are reached through their
    // queues, and SQS parks what they fail on.
    let metrics = Arc::new(PrometheusMetrics::new()?);
    let bus = LocalEventBus::routing(rules);
    let bus = Arc::new(match &aws_events {
        Some(events) => bus.forwarding_to(Arc::new(events.publisher.clone())),
        None => bus.parking_in(
            Arc::new(SqliteDeadLetters::new(db.clone())),
            Arc::clone(&clock),
            Arc::clone(&ids),
            Arc::clone(&metrics) as Arc<dyn MetricsSink>,
        ),
    });
    let events: Arc<dyn EventPublisher> = bus.clone();
    let webhook_secrets = match &config.aws {
        Some(stack) => stack.webhook_secrets(&config.webhook_secret).await?,
        None => vec![config.webhook_secret.as_bytes().to_vec()],
    };

    let substitutions: HashMap<String, String> = TASK_FUNCTIONS
        .iter()
        .map(|(placeholder, function)| ((*placeholder).to_owned(), (*function).to_owned()))
        .collect();
    let machine = StateMachine::parse(CHECKOUT_ASL, &substitutions)
        .map_err(|error| StartError::Workflow(error.to_string()))?;
    let executions = match executions_file(&config.data) {
        Some(path) => ExecutionStore::open(&path),
        None => ExecutionStore::in_memory(),
    }
    .map_err(|error| StartError::Workflow(error.to_string()))?;
    let (workflow, started) = LocalWorkflow::new(&machine, executions, Arc::clone(&clock));

    let (gateway, owed_webhooks) = local_gateway(
        &db,
        Arc::new(LoopbackWebhooks::to_shop_at(address)?),
        webhook_secrets.first().map_or(&[][..], Vec::as_slice),
        Arc::clone(&clock),
        Arc::clone(&ids),
    );
    let operations = Arc::new(SqliteOperations::new(db.clone()));
    let workflow_port: Arc<dyn Workflow> = Arc::new(workflow.clone());
    let workflow_port = match &hooks.workflow {
        Some(wrap) => wrap(workflow_port),
        None => workflow_port,
    };
    let services = Services {
        catalog,
        carts,
        inventory,
        orders: Arc::new(SqliteOrders::new(db.clone())),
        payments: Arc::new(SqlitePayments::new(db.clone())),
        idempotency,
        events: Arc::clone(&events),
        workflow: workflow_port,
        gateway: gateway.clone(),
        dead_letters: bus.clone(),
        mailer: mailer(config)?,
        operators_email: config.operators_email.clone(),
        notifications: operations.clone(),
        operations,
        journal: Arc::new(SqliteJournal::new(db.clone())),
        flash_sales: Arc::new(SqliteFlashSales::new(db.clone())),
        address_books: Arc::new(SqliteAddressBooks::new(db.clone())),
        coupons: Arc::new(SqliteCoupons::new(db.clone())),
        reviews: Arc::new(SqliteReviews::new(db)),
        search_index: Some(IndexHandle::new(Arc::new(TantivyIndex::new()))),
        index_refresh: None,
        metrics: Arc::clone(&metrics) as Arc<dyn MetricsSink>,
        rate_limits: Arc::new(RateLimits::new(config.rate_limits, Arc::clone(&clock))),
        clock: Arc::clone(&clock),
        ids: Arc::clone(&ids),
        currency: Currency::USD,
        checkout: CheckoutSettings {
            event_bus_name: config
                .aws
                .as_ref()
                .map_or(LOCAL_BUS, |stack| stack.stack())
                .to_owned(),
            webhook_secrets,
            ..CheckoutSettings::default()
        },
    };
    let services = match (&config.aws, &aws_events) {
        (Some(stack), Some(events)) => {
            if stack.create_missing {
                let created = stack.create_missing_tables().await?;
                tracing::info!(created, prefix = %stack.prefix, "DynamoDB tables ready");
            }
            Services {
                dead_letters: Arc::new(SqsDeadLetters::new(
                    events.sqs.clone(),
                    events.queues.clone(),
                )),
                ..stack.stores_of(services)
            }
        }
        _ => services,
    };
    let services = Arc::new(match &hooks.ports {
        Some(swap) => swap(services),
        None => services,
    });
    if config.seed_demo {
        let added = seed_demo_catalog(services.catalog.as_ref(), services.inventory.as_ref())
            .await
            .map_err(|error| StartError::Seed(error.to_string()))?;
        if added > 0 {
            tracing::debug!(products = added, "demo catalog loaded");
        }
    }
    // The steps hold the services, which hold the workflow port, not the runner.
    let steps = SagaSteps::new(&services, manifest, hooks.faults.clone())?;
    let runner = WorkflowRunner::driving(
        machine,
        workflow,
        started,
        Arc::new(steps),
        Arc::new(BusEventSink {
            publisher: events,
            faults: hooks.faults,
        }),
        config.saga_retry_delay_scale,
    );
    attach_consumers(&bus, &services, manifest)?;
    let pollers = aws_events.map_or_else(Vec::new, |events| {
        events
            .queues
            .into_iter()
            .map(|(consumer, queues)| {
                Arc::new(SqsPoller::new(
                    events.sqs.clone(),
                    queues.queue_url,
                    Arc::new(bus.attached(&consumer)),
                ))
            })
            .collect()
    });
    let sweeper_services = services.restricted_to(function_of(manifest, SWEEPER, "job")?);
    let sweeper = Sweeper::new(&sweeper_services);
    Ok(LocalShop {
        services,
        runner,
        bus,
        gateway,
        owed_webhooks,
        sweeper,
        sweeper_services,
        pollers,
        metrics,
    })
}

/// `.eml` files in the shop's mail folder; for a shop in memory given none, a mailer that
/// sends nothing and says why.
fn mailer(config: &LocalConfig) -> Result<Arc<dyn Mailer>, StartError> {
    Ok(match config.mail_folder() {
        Some(folder) => {
            let sender = Sender::parse(DEV_MAIL_SENDER).map_err(StartError::Mail)?;
            Arc::new(EmlFiles::new(folder, sender))
        }
        None => Arc::new(MailOff(
            "a shop in memory writes no mail unless given --mail-folder".into(),
        )),
    })
}

/// The manifest entry of `function`, a `kind` (consumer, job) of the shop.
fn function_of<'a>(
    manifest: &'a Manifest,
    function: &str,
    kind: &str,
) -> Result<&'a FunctionSpec, StartError> {
    manifest
        .function(function)
        .ok_or_else(|| StartError::NotInManifest(format!("{kind} {function}")))
}

/// Attaches the consumers built from the shop's services, each with only the grants of
/// its function and its outcomes journaled as on AWS (`functions/src/consumer.rs`), and
/// checks that every rule's target has its consumer.
fn attach_consumers(
    bus: &LocalEventBus,
    services: &Services,
    manifest: &Manifest,
) -> Result<(), StartError> {
    let events_error =
        |error: mambogo::adapters::local_bus::LocalBusError| StartError::Events(error.to_string());
    let granted = |function: &str| -> Result<Services, StartError> {
        Ok(services.restricted_to(function_of(manifest, function, "consumer")?))
    };
    let attach_journaled = |name: &'static str,
                            consumer: Arc<dyn EventConsumer>,
                            granted: &Services|
     -> Result<(), StartError> {
        bus.attach(name, Journaled::wrapping(name, consumer, granted))
            .map_err(events_error)
    };
    let clear_cart = granted(CLEAR_CART)?;
    attach_journaled(
        CLEAR_CART,
        Arc::new(ClearCartOnConfirmation {
            carts: Arc::clone(&clear_cart.carts),
            idempotency: Arc::clone(&clear_cart.idempotency),
            clock: Arc::clone(&clear_cart.clock),
        }),
        &clear_cart,
    )?;
    let notify = granted(NOTIFY_SHOPPER)?;
    attach_journaled(
        NOTIFY_SHOPPER,
        Arc::new(NotifyShopper {
            services: notify.clone(),
        }),
        &notify,
    )?;
    let alerts = granted(STOCK_ALERTS)?;
    attach_journaled(
        STOCK_ALERTS,
        Arc::new(StockAlerts {
            inventory: Arc::clone(&alerts.inventory),
            idempotency: Arc::clone(&alerts.idempotency),
            events: Arc::clone(&alerts.events),
            clock: Arc::clone(&alerts.clock),
        }),
        &alerts,
    )?;
    let release = granted(RELEASE_COUPON)?;
    attach_journaled(
        RELEASE_COUPON,
        Arc::new(ReleaseCouponOfEndedOrder {
            services: release.clone(),
        }),
        &release,
    )?;
    let counting = granted(COUNT_EVENTS)?;
    attach_journaled(
        COUNT_EVENTS,
        Arc::new(CountEvents {
            sink: Arc::clone(&counting.metrics),
        }),
        &counting,
    )?;
    let indexer = granted(INDEX_CATALOG)?;
    bus.attach(INDEX_CATALOG, Arc::new(IndexCatalog::new(indexer)))
        .map_err(events_error)?;
    let journal = granted(JOURNAL_ORDER_EVENTS)?;
    bus.attach(
        JOURNAL_ORDER_EVENTS,
        Arc::new(JournalOrderEvents {
            journal: journal.journal,
        }),
    )
    .map_err(events_error)?;
    bus.check_consumers().map_err(events_error)
}
