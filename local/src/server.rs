//! The HTTP server: one axum route per OpenAPI operation, each a thin translation from
//! HTTP to [`ApiRequest`] and back. Each route's handler runs with only the grants its
//! Lambda function has in `functions/manifest.json`, so a handler that reaches for
//! anything else fails here as it would on AWS.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{ConnectInfo, RawPathParams, Request};
use axum::response::Response;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Router;
use http::Method;
use mambogo::adapters::access::Manifest;
use mambogo::api::auth::TokenVerifier;
use mambogo::api::{
    authenticate, endpoint, log_request, respond, routes, ApiError, ApiRequest, AuthRequirement,
    Endpoint, RequestIds, MAX_BODY_BYTES, OPENAPI_YAML,
};
use mambogo::application::Services;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::Instrument;
use uuid::Uuid;

use crate::config::{LocalConfig, TokenConfig};
use crate::connections::{self, read_body};
use crate::error::StartError;
use crate::gateway::LocalGateway;
use crate::metrics;
use crate::responses::{method_not_allowed, not_found, to_http};
use crate::shop::{build_shop, TestHooks};
use crate::storefront;
use crate::workflow::WorkflowRunner;
use mambogo::adapters::local_bus::LocalEventBus;
use mambogo::adapters::sqs_consumer::SqsPoller;
use mambogo::application::jobs::{sweep_and_admit, Sweeper};
use mambogo::domain::store::StoreError;

/// How often the sweeper runs, by the shop's clock.
const SWEEP_EVERY: time::Duration = time::Duration::minutes(1);

/// A shop serving in the background.
pub struct RunningShop {
    /// Where it listens (with the real port when port 0 was asked for).
    pub address: SocketAddr,
    /// The shop's services, unrestricted, for tests that look behind the API (the routes,
    /// saga steps and consumers each use only their function's grants).
    pub services: Arc<Services>,
    /// The local Step Functions running the checkout saga.
    pub runner: WorkflowRunner,
    /// The in-process event bus, which remembers what was published and holds the
    /// consumers (on AWS it puts events on EventBridge, and the queues' pollers hand
    /// each message to the consumer it holds).
    pub bus: Arc<LocalEventBus>,
    /// The mock payment gateway, which remembers the webhooks it sent.
    pub gateway: Arc<LocalGateway>,
    /// The sweeper the shop runs every minute of its clock (unless a test moves the clock
    /// by hand: then the test runs it, at a time of its choosing).
    pub sweeper: Sweeper,
    /// The services with the sweeper's grants, with which it runs the open flash sales'
    /// admission rounds after each sweep ([`sweep_and_admit`]).
    pub sweeper_services: Services,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
    ticker: JoinHandle<()>,
    /// The background sweep; none when a test moves the clock by hand.
    sweeping: Option<JoinHandle<()>>,
    /// On AWS, what drains each consumer's queue, and the tasks running them.
    pollers: Vec<Arc<SqsPoller>>,
    polling: Vec<JoinHandle<()>>,
}

impl RunningShop {
    /// The base URL, such as `http://127.0.0.1:3000`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops accepting requests and waits for the server to finish. Executions stop
    /// where they are; a shop started on the same data resumes them.
    pub async fn stop(self) {
        self.ticker.abort();
        if let Some(sweeping) = &self.sweeping {
            sweeping.abort();
        }
        for poller in &self.polling {
            poller.abort();
        }
        self.runner.stop();
        self.bus.detach_consumers();
        let _ = self.shutdown.send(());
        let _ = self.task.await;
    }

    /// Whether every event published so far has been handled or parked: always, on the
    /// local bus, which delivers within the publish; on AWS, once every consumer's queue
    /// is empty.
    pub async fn consumers_idle(&self) -> Result<bool, StoreError> {
        for poller in &self.pollers {
            if !poller.idle().await? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Serves until the process is interrupted (Ctrl-C).
    pub async fn serve_until_interrupted(self) {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
        self.stop().await;
    }
}

/// What every route shares.
struct RouteContext {
    verifier: TokenVerifier,
    /// How long a request's body may take to arrive.
    read_timeout: std::time::Duration,
}

/// Builds the shop, mounts the routes, starts listening and resumes the executions a
/// previous run left unfinished.
pub async fn start(config: LocalConfig) -> Result<RunningShop, StartError> {
    start_with(config, TestHooks::default()).await
}

/// [`start`] with a hand-moved clock or injected faults.
pub async fn start_with(config: LocalConfig, hooks: TestHooks) -> Result<RunningShop, StartError> {
    // A test that moves the clock by hand runs the sweeper itself, when it means to: a
    // sweep in the background would race whatever the test is checking.
    let sweeps_in_background = hooks.clock.is_none();
    // Listening first tells the mock gateway where to send its webhooks.
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Listen {
            address: config.listen,
            source,
        })?;
    let address = listener.local_addr().map_err(|source| StartError::Listen {
        address: config.listen,
        source,
    })?;
    let shop = build_shop(&config, hooks, address).await?;
    let context = Arc::new(RouteContext {
        verifier: config.tokens.verifier()?,
        read_timeout: config.read_timeout,
    });
    let dev_secret = match &config.tokens {
        TokenConfig::SharedSecret(secret) => Some(secret.clone()),
        TokenConfig::KeySet { .. } => None,
    };
    let router = router(context, &shop.services, Manifest::embedded()?)?
        .merge(storefront::routes(dev_secret, config.read_timeout))
        .merge(metrics::routes(Arc::clone(&shop.metrics)));
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(connections::serve(
        listener,
        router,
        config.read_timeout,
        stopped,
    ));
    let resumed = shop
        .runner
        .resume_all()
        .await
        .map_err(|error| StartError::Workflow(error.to_string()))?;
    if resumed > 0 {
        tracing::info!(executions = resumed, "resumed unfinished checkouts");
    }
    let owed = shop.owed_webhooks.send().await?;
    if owed > 0 {
        tracing::info!(webhooks = owed, "sending the payment webhooks still owed");
    }
    Ok(RunningShop {
        address,
        services: shop.services,
        ticker: tokio::spawn(time_out_waiting_tasks(shop.runner.clone())),
        sweeping: sweeps_in_background.then(|| {
            tokio::spawn(sweep_every_minute(
                shop.sweeper.clone(),
                shop.sweeper_services.clone(),
            ))
        }),
        polling: shop
            .pollers
            .iter()
            .map(|poller| tokio::spawn(Arc::clone(poller).run()))
            .collect(),
        pollers: shop.pollers,
        sweeper: shop.sweeper,
        sweeper_services: shop.sweeper_services,
        runner: shop.runner,
        bus: shop.bus,
        gateway: shop.gateway,
        shutdown,
        task,
    })
}

/// Once a second, fails saga tasks whose timeout has passed (the gateway never answered).
async fn time_out_waiting_tasks(runner: WorkflowRunner) {
    let mut every_second = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        every_second.tick().await;
        if let Err(error) = runner.tick().await {
            tracing::warn!(%error, "cannot time out waiting tasks");
        }
    }
}

/// Runs the sweeper once a minute of the shop's clock, as EventBridge Scheduler runs the
/// `sweeper` function (`rate(1 minute)` in `functions/manifest.json`): looks at the clock
/// every second and, once a minute has passed on it, sweeps and runs an admission round
/// in every open flash sale, with `services` (the function's grants).
async fn sweep_every_minute(sweeper: Sweeper, services: Services) {
    let mut due = sweeper.clock.now() + SWEEP_EVERY;
    let mut every_second = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        every_second.tick().await;
        let now = sweeper.clock.now();
        if now >= due {
            sweep_and_admit(&sweeper, &services, now).await;
            due = now + SWEEP_EVERY;
        }
    }
}

fn method_filter(method: &Method) -> Option<MethodFilter> {
    MethodFilter::try_from(method.clone()).ok()
}

/// One route per operation, each holding `services` restricted to the grants of the
/// operation's function in `manifest`.
fn router(
    context: Arc<RouteContext>,
    services: &Services,
    manifest: &Manifest,
) -> Result<Router, StartError> {
    let table = routes(OPENAPI_YAML).map_err(|error| StartError::RouteTable(error.to_string()))?;
    let mut by_path: BTreeMap<String, MethodRouter> = BTreeMap::new();
    for route in table {
        let handler = endpoint(&route.operation_id)
            .ok_or_else(|| StartError::MissingHandler(route.operation_id.clone()))?;
        let function = manifest.by_operation(&route.operation_id).ok_or_else(|| {
            StartError::NotInManifest(format!("operation {}", route.operation_id))
        })?;
        let granted = Arc::new(services.restricted_to(function));
        let filter = method_filter(&route.method).ok_or_else(|| {
            StartError::RouteTable(format!("unsupported method {}", route.method))
        })?;
        let context = Arc::clone(&context);
        let auth = route.auth;
        let operation = on(filter, move |params, request| {
            serve_operation(
                Arc::clone(&context),
                Arc::clone(&granted),
                handler,
                auth,
                params,
                request,
            )
        });
        let merged = match by_path.remove(&route.path) {
            Some(existing) => existing.merge(operation),
            None => operation,
        };
        by_path.insert(route.path, merged.fallback(method_not_allowed));
    }
    let router = by_path
        .into_iter()
        .fold(Router::new(), |router, (path, methods)| {
            router.route(&path, methods)
        });
    Ok(router.fallback(not_found))
}

async fn serve_operation(
    context: Arc<RouteContext>,
    services: Arc<Services>,
    handler: Endpoint,
    auth: AuthRequirement,
    params: Result<RawPathParams, RawPathParamsRejection>,
    request: Request,
) -> Response {
    let span = tracing::info_span!(
        "request",
        request_id = tracing::field::Empty,
        correlation_id = tracing::field::Empty
    );
    let exported_in = crate::telemetry::continue_trace(&span, request.headers());
    let ids = RequestIds::of(Uuid::new_v4().to_string(), request.headers(), exported_in);
    span.record("request_id", tracing::field::display(&ids.request_id));
    span.record(
        "correlation_id",
        tracing::field::display(&ids.correlation_id),
    );
    async move {
        let started = Instant::now();
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let response = match to_api_request(&context, auth, params, request, ids.clone()).await {
            Ok(api_request) => respond(handler, services, api_request).await,
            Err(error) => error.into_response(),
        };
        log_request(&method, &path, &response, started);
        to_http(response.with_ids(&ids))
    }
    .instrument(span)
    .await
}

async fn to_api_request(
    context: &RouteContext,
    auth: AuthRequirement,
    params: Result<RawPathParams, RawPathParamsRejection>,
    request: Request,
    ids: RequestIds,
) -> Result<ApiRequest, ApiError> {
    let params = params.map_err(|rejection| ApiError::malformed("path", rejection.body_text()))?;
    let (parts, body) = request.into_parts();
    let caller = authenticate(auth, &parts.headers, Some(&context.verifier))?;
    let client = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip());
    let body = read_body(body, MAX_BODY_BYTES, context.read_timeout).await?;
    let path_params = params
        .iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    Ok(ApiRequest::from_http(parts, path_params, body, caller, ids).with_client_address(client))
}
