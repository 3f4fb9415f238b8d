//! The AWS adapters behind a function's ports, built once per cold start and restricted
//! to what the function's manifest entry grants.

use std::sync::Arc;

use crate::config::{MAIL_FROM, PAYMENT_GATEWAY_URL};
use crate::config_error::ConfigError;
use aws_config::{BehaviorVersion, SdkConfig};
use mambogo::adapters::access::guarded::GuardedGateway;
use mambogo::adapters::access::Secret;
use mambogo::adapters::dynamodb::{Caches, DynamoStores};
use mambogo::adapters::eventbridge::EventBridgePublisher;
use mambogo::adapters::http_gateway::HttpGateway;
use mambogo::adapters::mail::SesMailer;
use mambogo::adapters::sqs_dead_letters::SqsDeadLetters;
use mambogo::adapters::stepfunctions::StepFunctionsWorkflow;
use mambogo::application::metrics::MetricsSink;
use mambogo::application::rate_limits::{RateLimitSettings, RateLimits};
use mambogo::application::settings::CheckoutSettings;
use mambogo::application::Services;
use mambogo::domain::clock::{Clock, RandomIds, SystemClock};
use mambogo::domain::events::{DeadLetters, NoDeadLetters};
use mambogo::domain::mail::{MailOff, Mailer};
use mambogo::domain::payments::PaymentGateway;

use crate::config::LambdaConfig;
use crate::emf::EmfMetrics;
use crate::secrets;
use mambogo::domain::payments::signature::split_webhook_secrets;

/// A function's configuration and services, as its cold start builds them.
pub struct FunctionServices {
    /// What the environment said.
    pub config: LambdaConfig,
    /// The function's secrets, fetched.
    pub secrets: std::collections::BTreeMap<Secret, String>,
    /// The AWS SDK's shared configuration.
    pub sdk_config: SdkConfig,
    /// The ports, restricted to the function's grants.
    pub services: Services,
}

/// Reads the configuration of the function named `function` in `functions/manifest.json`,
/// fetches its secrets and builds its services.
pub async fn function_services(function: &str) -> Result<FunctionServices, ConfigError> {
    let spec = mambogo::adapters::access::Manifest::embedded()
        .map_err(|error| ConfigError {
            variable: "AWS_LAMBDA_FUNCTION_NAME".to_owned(),
            problem: error.to_string(),
        })?
        .function(function)
        .ok_or_else(|| ConfigError {
            variable: "AWS_LAMBDA_FUNCTION_NAME".to_owned(),
            problem: format!("{function} is not in functions/manifest.json"),
        })?;
    let config = LambdaConfig::from_env(spec)?;
    let sdk_config = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let secrets = secrets::resolve(config.secrets.clone(), &sdk_config).await?;
    let gateway = payment_gateway(&config, &secrets)?;
    let metrics = Arc::new(EmfMetrics::from_env()?);
    let services = aws_services(&config, &secrets, &sdk_config, gateway, metrics)
        .restricted_to(&config.function);
    Ok(FunctionServices {
        config,
        secrets,
        sdk_config,
        services,
    })
}

/// The payment gateway at `PAYMENT_GATEWAY_URL` for a function holding its API key;
/// for any other function, one that refuses every call.
pub fn payment_gateway(
    config: &LambdaConfig,
    secrets: &std::collections::BTreeMap<Secret, String>,
) -> Result<Arc<dyn PaymentGateway>, ConfigError> {
    let function = &config.function.name;
    let (Some(api_key), Some(url)) = (
        secrets.get(&Secret::PaymentGatewayApiKey),
        &config.payment_gateway_url,
    ) else {
        return Ok(Arc::new(GuardedGateway::refusing(function)));
    };
    let problem = |problem: String| ConfigError {
        variable: PAYMENT_GATEWAY_URL.to_owned(),
        problem,
    };
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|error| problem(format!("cannot build the HTTP client: {error}")))?;
    let gateway = HttpGateway::new(client, url.as_str(), api_key.clone())
        .map_err(|error| problem(error.to_string()))?;
    Ok(Arc::new(gateway))
}

/// The services on AWS: one DynamoDB client for every table, the catalog and the stock
/// levels behind caches, EventBridge for events and Step Functions for the checkout saga;
/// business metrics into `metrics`.
/// A table, bus or state machine the function is not granted gets an empty name; the
/// restriction applied by [`function_services`] refuses every call to it before it
/// reaches AWS.
pub fn aws_services(
    config: &LambdaConfig,
    secrets: &std::collections::BTreeMap<Secret, String>,
    sdk_config: &SdkConfig,
    gateway: Arc<dyn PaymentGateway>,
    metrics: Arc<dyn MetricsSink>,
) -> Services {
    let dynamodb = aws_sdk_dynamodb::Client::new(sdk_config);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let caches = Caches {
        catalog: config.catalog_cache,
        stock: config.catalog_cache,
    };
    let stores = DynamoStores::new(
        &dynamodb,
        |table| config.table(table),
        &clock,
        caches,
        &metrics,
    );
    let event_bus_name = config.event_bus_name.clone().unwrap_or_default();
    Services {
        catalog: stores.catalog,
        carts: stores.carts,
        inventory: stores.inventory,
        orders: stores.orders,
        payments: stores.payments,
        idempotency: stores.idempotency,
        events: Arc::new(EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(sdk_config),
            event_bus_name.clone(),
        )),
        workflow: Arc::new(StepFunctionsWorkflow::new(
            aws_sdk_sfn::Client::new(sdk_config),
            config.state_machine_arn.clone().unwrap_or_default(),
        )),
        gateway,
        dead_letters: dead_letters(config, sdk_config),
        mailer: mailer(config, sdk_config),
        operators_email: config.mail.as_ref().and_then(|mail| mail.operators.clone()),
        notifications: stores.operations.clone(),
        operations: stores.operations,
        journal: stores.journal,
        flash_sales: stores.flash_sales,
        address_books: stores.address_books,
        coupons: stores.coupons,
        reviews: stores.reviews,
        search_index: None,
        index_refresh: Some(config.catalog_cache),
        metrics,
        rate_limits: Arc::new(RateLimits::new(
            RateLimitSettings::default(),
            Arc::clone(&clock),
        )),
        clock,
        ids: Arc::new(RandomIds),
        currency: config.currency,
        checkout: CheckoutSettings {
            reservation_ttl: config.reservation_ttl,
            return_window: config.return_window,
            quote_ttl: config.quote_ttl,
            webhook_secrets: secrets
                .get(&Secret::WebhookSecrets)
                .map(|value| split_webhook_secrets(value))
                .unwrap_or_default(),
            event_bus_name,
            purchase_token_key: secrets
                .get(&Secret::PurchaseTokenKey)
                .map(|value| value.as_bytes().to_vec())
                .unwrap_or_else(|| CheckoutSettings::default().purchase_token_key),
            ..CheckoutSettings::default()
        },
    }
}

/// SES for a function that sends mail from a configured sender; for any other, a mailer
/// that sends nothing and says why.
fn mailer(config: &LambdaConfig, sdk_config: &SdkConfig) -> Arc<dyn Mailer> {
    match &config.mail {
        Some(mail) => Arc::new(SesMailer::new(
            aws_sdk_sesv2::Client::new(sdk_config),
            mail.sender.clone(),
            mail.configuration_set.clone(),
        )),
        None => Arc::new(MailOff(format!(
            "no sender is configured ({MAIL_FROM} of {})",
            config.function.name
        ))),
    }
}

/// The consumers' dead-letter queues for a function granted them; for any other, dead
/// letters that refuse every call.
fn dead_letters(config: &LambdaConfig, sdk_config: &SdkConfig) -> Arc<dyn DeadLetters> {
    match &config.dead_letter_queues {
        Some(queues) => Arc::new(SqsDeadLetters::new(
            aws_sdk_sqs::Client::new(sdk_config),
            queues.clone(),
        )),
        None => Arc::new(NoDeadLetters {
            function: config.function.name.clone(),
        }),
    }
}
