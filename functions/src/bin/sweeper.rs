//! The `sweeper` job, run every minute by EventBridge Scheduler: releases expired
//! reservations, fails orphaned orders and reconciles payments with their orders (see
//! `mambogo::application::jobs::sweeper`), then runs an admission round in every open
//! flash sale (`mambogo::application::jobs::sweep_and_admit`). The
//! scheduler's event carries nothing the job needs; the answer is the run's report.

use std::sync::Arc;

use lambda_http::lambda_runtime::{self, LambdaEvent};
use lambda_http::service_fn;
use mambogo::application::jobs::{sweep_and_admit, Sweeper, SWEEPER};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    mambogo_functions::init_json_logs()?;
    let built = mambogo_functions::function_services(SWEEPER)
        .await
        .inspect_err(|error| tracing::error!(function = SWEEPER, %error, "cannot start"))?;
    let sweeper = Sweeper::new(&built.services);
    let services = Arc::new(built.services);
    mambogo_functions::logging::log_ready(SWEEPER);
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| {
        let (sweeper, services) = (sweeper.clone(), Arc::clone(&services));
        async move {
            let report = sweep_and_admit(&sweeper, &services, sweeper.clock.now()).await;
            mambogo_functions::emf::flush_metrics(services.metrics.as_ref());
            Ok::<_, lambda_runtime::Error>(json!(report))
        }
    }))
    .await
}
