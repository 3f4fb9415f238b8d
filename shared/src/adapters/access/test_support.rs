//! Services on in-memory stores, with an event bus and a workflow that only count what
//! reaches them: enough to see which calls a guard lets through.

use crate::application::metrics::{Count, MetricsSink};
use crate::application::rate_limits::{RateLimitSettings, RateLimits};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use super::manifest::{FunctionSpec, Manifest};
use crate::adapters::sqlite::{
    SqliteCarts, SqliteCatalog, SqliteDb, SqliteFlashSales, SqliteIdempotency, SqliteInventory,
    SqliteOrders, SqlitePayments,
};
use crate::application::settings::CheckoutSettings;
use crate::application::Services;
use crate::domain::clock::{SequentialIds, SystemClock};
use crate::domain::events::{DomainEvent, EventPublisher, PublishError};
use crate::domain::mail::{Mail, MailError, Mailer};
use crate::domain::money::Currency;
use crate::domain::workflow::{ExecutionReport, StartOutcome, Workflow, WorkflowError};

/// Counts the calls that reach it.
#[derive(Default)]
pub struct CountingBackend {
    pub calls: AtomicUsize,
}

impl CountingBackend {
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn count(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl EventPublisher for CountingBackend {
    async fn publish(&self, _events: Vec<DomainEvent>) -> Result<(), PublishError> {
        self.count();
        Ok(())
    }
}

#[async_trait]
impl Mailer for CountingBackend {
    async fn send(&self, mail: &Mail) -> Result<String, MailError> {
        self.count();
        Ok(mail.reference.clone())
    }
}

#[async_trait]
impl Workflow for CountingBackend {
    async fn start(&self, _name: &str, _input: Value) -> Result<StartOutcome, WorkflowError> {
        self.count();
        Ok(StartOutcome::Started)
    }

    async fn send_task_success(&self, _token: &str, _output: Value) -> Result<(), WorkflowError> {
        self.count();
        Ok(())
    }

    async fn send_task_failure(
        &self,
        _token: &str,
        _error: &str,
        _cause: &str,
    ) -> Result<(), WorkflowError> {
        self.count();
        Ok(())
    }

    async fn failed_since(
        &self,
        _since: time::OffsetDateTime,
    ) -> Result<Vec<String>, WorkflowError> {
        self.count();
        Ok(Vec::new())
    }

    async fn describe(&self, _name: &str) -> Result<Option<ExecutionReport>, WorkflowError> {
        self.count();
        Ok(None)
    }
}

/// Unrestricted services on a fresh in-memory database, with the bus, the workflow and
/// the mailer that count their calls.
pub fn full_services(
    bus: Arc<CountingBackend>,
    workflow: Arc<CountingBackend>,
    mailer: Arc<CountingBackend>,
) -> Services {
    let db = SqliteDb::in_memory().expect("an in-memory database opens");
    Services {
        catalog: Arc::new(SqliteCatalog::new(db.clone())),
        carts: Arc::new(SqliteCarts::new(db.clone())),
        inventory: Arc::new(SqliteInventory::new(db.clone())),
        orders: Arc::new(SqliteOrders::new(db.clone())),
        payments: Arc::new(SqlitePayments::new(db.clone())),
        idempotency: Arc::new(SqliteIdempotency::new(db.clone())),
        notifications: Arc::new(crate::adapters::sqlite::SqliteOperations::new(db.clone())),
        operations: Arc::new(crate::adapters::sqlite::SqliteOperations::new(db.clone())),
        journal: Arc::new(crate::adapters::sqlite::SqliteJournal::new(db.clone())),
        flash_sales: Arc::new(SqliteFlashSales::new(db.clone())),
        address_books: Arc::new(crate::adapters::sqlite::SqliteAddressBooks::new(db.clone())),
        coupons: Arc::new(crate::adapters::sqlite::SqliteCoupons::new(db.clone())),
        reviews: Arc::new(crate::adapters::sqlite::SqliteReviews::new(db)),
        search_index: None,
        index_refresh: None,
        metrics: Arc::new(NoMetrics),
        rate_limits: Arc::new(RateLimits::new(
            RateLimitSettings::default(),
            Arc::new(SystemClock),
        )),
        events: bus,
        workflow,
        gateway: Arc::new(crate::adapters::access::guarded::GuardedGateway::refusing(
            "test",
        )),
        dead_letters: Arc::new(crate::domain::events::NoDeadLetters {
            function: "test".into(),
        }),
        mailer,
        operators_email: None,
        clock: Arc::new(SystemClock),
        ids: Arc::new(SequentialIds::default()),
        currency: Currency::USD,
        checkout: CheckoutSettings::default(),
    }
}

/// The one function `json` (a function entry of the manifest) declares, named `name`.
pub fn spec(name: &str, json: &str) -> FunctionSpec {
    let manifest = format!(r#"{{"functions": {{"{name}": {json}}}}}"#);
    Manifest::parse(&manifest)
        .expect("the test's function parses")
        .functions
        .remove(name)
        .expect("the test's function is there")
}

/// A sink that keeps nothing, for tests that read no metrics.
pub(crate) struct NoMetrics;

impl MetricsSink for NoMetrics {
    fn increment(&self, _: &Count, _: u64) {}

    fn record(&self, _: &'static str, _: f64) {}
}
