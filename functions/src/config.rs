//! What a function is told through its environment, read once at cold start. Each
//! function reads only what its entry in `functions/manifest.json` grants it: the tables
//! it may use, the bus if it publishes, the state machine if it starts or describes
//! executions, and its secrets (by reference, see [`crate::secrets`]).

use std::collections::BTreeMap;
use std::num::NonZeroU32;

use mambogo::adapters::access::{Access, FunctionSpec, Secret, Table, Trigger, WorkflowAction};
use mambogo::adapters::mail::Sender;
use mambogo::adapters::sqs_dead_letters::{parse_dead_letter_queues, ConsumerQueues};
use mambogo::api::auth::{TokenVerifier, VerifierKeys};
use mambogo::application::settings::DEFAULT_RETURN_WINDOW_DAYS;
use mambogo::domain::mail::EmailAddress;
use mambogo::domain::money::Currency;
use reqwest::Url;
use time::Duration;

pub use crate::config_error::ConfigError;
use crate::secrets::{self, SecretSource};

/// The EventBridge bus events are published on.
pub const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";
/// The checkout saga's state machine.
pub const STATE_MACHINE_ARN: &str = "STATE_MACHINE_ARN";
/// How many seconds stock stays reserved for an order being paid; 900 when unset.
pub const RESERVATION_TTL_SECONDS: &str = "RESERVATION_TTL_SECONDS";
/// The one currency the shop sells in; `USD` when unset.
pub const SHOP_CURRENCY: &str = "SHOP_CURRENCY";
/// How many seconds a checkout quote's price holds; 900 when unset.
pub const QUOTE_TTL_SECONDS: &str = "QUOTE_TTL_SECONDS";
/// How many days after delivery a shopper may ask for a return; 30 when unset.
pub const RETURN_WINDOW_DAYS: &str = "RETURN_WINDOW_DAYS";
/// How many seconds the catalog is served from memory; 10 when unset.
pub const CATALOG_CACHE_SECONDS: &str = "CATALOG_CACHE_SECONDS";
/// The identity provider's public keys (a JWKS document), for routes where signing in is
/// optional: API Gateway's authorizer is not attached there, so the function checks a
/// sent token itself.
pub const JWT_JWKS: &str = "JWT_JWKS";
/// Where the identity provider publishes its JWKS document (Cognito:
/// `<issuer>/.well-known/jwks.json`); fetched on the first token that needs checking.
/// [`JWT_JWKS`] wins when both are set.
pub const JWT_JWKS_URL: &str = "JWT_JWKS_URL";
/// The issuer tokens must carry; read only with [`JWT_JWKS`] or [`JWT_JWKS_URL`].
pub const JWT_ISSUER: &str = "JWT_ISSUER";
/// The audience tokens must carry; read only with [`JWT_JWKS`] or [`JWT_JWKS_URL`].
pub const JWT_AUDIENCE: &str = "JWT_AUDIENCE";
/// The payment gateway's base URL (the mock gateway's, in a demo deployment), for the
/// functions granted its API key; the mock gateway itself holds the key without a URL.
pub const PAYMENT_GATEWAY_URL: &str = "PAYMENT_GATEWAY_URL";
/// Every consumer's queue and dead-letter queue, as a JSON object
/// (`{"notify-shopper": {"queueUrl": "…", "dlqUrl": "…"}, …}`), for the functions
/// granted the dead letters.
pub const DEAD_LETTER_QUEUES: &str = "DEAD_LETTER_QUEUES";
/// Where the mock gateway's webhook sender POSTs: the shop's `…/webhooks/payments`.
pub const WEBHOOK_URL: &str = "WEBHOOK_URL";
/// The S3 bucket holding the search index's snapshots, for the functions granted it.
pub const SEARCH_INDEX_BUCKET: &str = "SEARCH_INDEX_BUCKET";

/// How many receives a queue function's queue allows a message before SQS parks it in
/// the dead-letter queue (Terraform's `dlq_max_receive_count`), for the queue functions;
/// unset, they count no dead letters.
pub const DLQ_MAX_RECEIVE_COUNT: &str = "DLQ_MAX_RECEIVE_COUNT";

/// Who the shop's mail comes from (`Shop <orders@shop.example>` or a bare address of a
/// verified SES identity), for the functions granted `sendsMail`; unset, they send none.
pub const MAIL_FROM: &str = "MAIL_FROM";
/// The SES configuration set mail is sent through, if any.
pub const SES_CONFIGURATION_SET: &str = "SES_CONFIGURATION_SET";
/// Where the operators' notifications (low stock) are mailed; unset, they are not.
pub const OPERATORS_EMAIL: &str = "OPERATORS_EMAIL";

const DEFAULT_CATALOG_CACHE_SECONDS: u32 = 10;
const DEFAULT_RESERVATION_TTL_SECONDS: u32 = 900;
const DEFAULT_QUOTE_TTL_SECONDS: u32 = 900;

/// How tokens sent to routes without an authorizer are checked.
#[derive(Clone)]
pub enum TokenKeys {
    /// No keys configured: such tokens are refused.
    None,
    /// Keys given in the configuration.
    Ready(TokenVerifier),
    /// Keys to fetch from the identity provider when first needed.
    Remote {
        /// The JWKS document's URL.
        url: Url,
        /// The issuer tokens must carry.
        issuer: Option<String>,
        /// The audience tokens must carry.
        audience: Option<String>,
    },
}

/// Everything a function needs from its environment.
pub struct LambdaConfig {
    /// The function's manifest entry.
    pub function: FunctionSpec,
    /// The names of the tables the function may use.
    pub tables: BTreeMap<Table, String>,
    /// The event bus, if the function publishes or is a saga step.
    pub event_bus_name: Option<String>,
    /// The checkout state machine, if the function starts or describes executions.
    pub state_machine_arn: Option<String>,
    /// Where the function's secrets come from.
    pub secrets: BTreeMap<Secret, SecretSource>,
    /// How long stock stays reserved for an order being paid.
    pub reservation_ttl: Duration,
    /// How long after delivery a shopper may ask for a return (`RETURN_WINDOW_DAYS`).
    pub return_window: Duration,
    /// How long a checkout quote's price holds (`QUOTE_TTL_SECONDS`).
    pub quote_ttl: Duration,
    /// The one currency the shop sells in.
    pub currency: Currency,
    /// How long the catalog is served from memory before it is read again.
    pub catalog_cache: Duration,
    /// Checks tokens sent to routes without an authorizer.
    pub token_keys: TokenKeys,
    /// The payment gateway's API, for a function holding its key (not the mock itself).
    pub payment_gateway_url: Option<Url>,
    /// The consumers' queues, for a function granted the dead letters.
    pub dead_letter_queues: Option<BTreeMap<String, ConsumerQueues>>,
    /// Where webhooks go, for the mock gateway's webhook sender.
    pub webhook_url: Option<Url>,
    /// The bucket of the search index's snapshots, for a function granted it.
    pub search_index_bucket: Option<String>,
    /// How a function granted `sendsMail` sends; `None` when it sends none.
    pub mail: Option<MailConfig>,
    /// A queue function's queue's `maxReceiveCount` ([`DLQ_MAX_RECEIVE_COUNT`]).
    pub max_receive_count: Option<NonZeroU32>,
}

/// How the shop's mail is sent on AWS.
pub struct MailConfig {
    pub sender: Sender,
    pub configuration_set: Option<String>,
    pub operators: Option<EmailAddress>,
}

impl LambdaConfig {
    /// Reads the process environment for `function`.
    pub fn from_env(function: &FunctionSpec) -> Result<Self, ConfigError> {
        Self::from_lookup(function, |variable| std::env::var(variable).ok())
    }

    /// Reads the configuration of `function` through `lookup`, which returns a variable's
    /// value if set. Empty values count as unset.
    pub fn from_lookup(
        function: &FunctionSpec,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let variables = Variables(lookup);
        // The search indexer reads what was just written, which a cache could hide from it.
        let cache_seconds = if function.search_index == Some(Access::Write) {
            0
        } else {
            variables.parsed_or(CATALOG_CACHE_SECONDS, DEFAULT_CATALOG_CACHE_SECONDS)?
        };
        let tables = function
            .tables
            .keys()
            .map(|table| Ok((*table, variables.required(table.env_var())?)))
            .collect::<Result<_, ConfigError>>()?;
        let needs_state_machine = function
            .workflow
            .iter()
            .any(|action| matches!(action, WorkflowAction::Start | WorkflowAction::Describe));
        // Saga steps name the bus in the PutEvents entries they hand back to the state
        // machine, which puts them; only steps that also publish themselves may.
        let names_the_bus = function.publishes || function.trigger == Trigger::Saga;
        let mock = matches!(function.trigger, Trigger::MockApi | Trigger::MockStream);
        let calls_the_gateway = function.secrets.contains(&Secret::PaymentGatewayApiKey) && !mock;
        Ok(LambdaConfig {
            tables,
            event_bus_name: names_the_bus
                .then(|| variables.required(EVENT_BUS_NAME))
                .transpose()?,
            state_machine_arn: needs_state_machine
                .then(|| variables.required(STATE_MACHINE_ARN))
                .transpose()?,
            secrets: secrets::sources(function.secrets.iter().copied(), &variables.0)?,
            reservation_ttl: Duration::seconds(i64::from(
                variables.parsed_or(RESERVATION_TTL_SECONDS, DEFAULT_RESERVATION_TTL_SECONDS)?,
            )),
            return_window: Duration::days(i64::from(
                variables.parsed_or(RETURN_WINDOW_DAYS, DEFAULT_RETURN_WINDOW_DAYS)?,
            )),
            quote_ttl: Duration::seconds(i64::from(
                variables.parsed_or(QUOTE_TTL_SECONDS, DEFAULT_QUOTE_TTL_SECONDS)?,
            )),
            currency: variables.parsed_or(SHOP_CURRENCY, Currency::USD)?,
            catalog_cache: Duration::seconds(i64::from(cache_seconds)),
            token_keys: variables.token_keys()?,
            payment_gateway_url: calls_the_gateway
                .then(|| variables.http_url(PAYMENT_GATEWAY_URL))
                .transpose()?,
            dead_letter_queues: function
                .dead_letters
                .is_some()
                .then(|| variables.dead_letter_queues())
                .transpose()?,
            webhook_url: (function.trigger == Trigger::MockStream)
                .then(|| variables.http_url(WEBHOOK_URL))
                .transpose()?,
            search_index_bucket: function
                .search_index
                .map(|_| variables.required(SEARCH_INDEX_BUCKET))
                .transpose()?,
            mail: if function.sends_mail {
                variables.mail()?
            } else {
                None
            },
            max_receive_count: if function.trigger == Trigger::Queue {
                variables.parsed(DLQ_MAX_RECEIVE_COUNT)?
            } else {
                None
            },
            function: function.clone(),
        })
    }

    /// The name of `table`; empty when the function is not granted it, and then its store
    /// is never called (see [`mambogo::application::Services::restricted_to`]).
    pub fn table(&self, table: Table) -> String {
        self.tables.get(&table).cloned().unwrap_or_default()
    }
}
/// Environment lookups that report problems as [`ConfigError`]s naming the variable.
struct Variables<F>(F);

impl<F: Fn(&str) -> Option<String>> Variables<F> {
    fn optional(&self, variable: &str) -> Option<String> {
        (self.0)(variable).filter(|value| !value.is_empty())
    }

    /// The mail settings, if a sender is set.
    fn mail(&self) -> Result<Option<MailConfig>, ConfigError> {
        let Some(sender) = self.optional(MAIL_FROM) else {
            return Ok(None);
        };
        let sender = Sender::parse(&sender).map_err(|problem| ConfigError {
            variable: MAIL_FROM.to_owned(),
            problem,
        })?;
        let operators = self
            .optional(OPERATORS_EMAIL)
            .map(|raw| EmailAddress::parse(&raw))
            .transpose()
            .map_err(|error| ConfigError {
                variable: OPERATORS_EMAIL.to_owned(),
                problem: error.to_string(),
            })?;
        Ok(Some(MailConfig {
            sender,
            configuration_set: self.optional(SES_CONFIGURATION_SET),
            operators,
        }))
    }

    fn required(&self, variable: &str) -> Result<String, ConfigError> {
        self.optional(variable)
            .ok_or_else(|| problem(variable, "is not set".to_owned()))
    }

    fn parsed_or<T>(&self, variable: &str, default: T) -> Result<T, ConfigError>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        Ok(self.parsed(variable)?.unwrap_or(default))
    }

    /// The value of `variable` parsed, if it is set.
    fn parsed<T>(&self, variable: &str) -> Result<Option<T>, ConfigError>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        self.optional(variable)
            .map(|raw| {
                raw.parse()
                    .map_err(|error| problem(variable, format!("{raw:?} cannot be used: {error}")))
            })
            .transpose()
    }

    /// The required http(s) URL in `variable`.
    fn http_url(&self, variable: &str) -> Result<Url, ConfigError> {
        let raw = self.required(variable)?;
        Url::parse(&raw)
            .ok()
            .filter(|url| matches!(url.scheme(), "https" | "http"))
            .ok_or_else(|| problem(variable, format!("{raw:?} is not an http(s) URL")))
    }

    fn dead_letter_queues(&self) -> Result<BTreeMap<String, ConsumerQueues>, ConfigError> {
        let raw = self.required(DEAD_LETTER_QUEUES)?;
        parse_dead_letter_queues(&raw).map_err(|error| {
            problem(
                DEAD_LETTER_QUEUES,
                format!("is not a JSON map of consumer queues: {error}"),
            )
        })
    }

    fn token_keys(&self) -> Result<TokenKeys, ConfigError> {
        let issuer = self.optional(JWT_ISSUER);
        let audience = self.optional(JWT_AUDIENCE);
        if let Some(jwks_json) = self.optional(JWT_JWKS) {
            let keys = TokenVerifier::parse_key_set(&jwks_json)
                .map_err(|error| problem(JWT_JWKS, format!("is not a JWKS document: {error}")))?;
            if let VerifierKeys::KeySet(set) = &keys {
                if set.keys.is_empty() {
                    return Err(problem(JWT_JWKS, "holds no keys".to_owned()));
                }
            }
            return Ok(TokenKeys::Ready(TokenVerifier::new(keys, issuer, audience)));
        }
        if self.optional(JWT_JWKS_URL).is_none() {
            return Ok(TokenKeys::None);
        }
        let url = self.http_url(JWT_JWKS_URL)?;
        Ok(TokenKeys::Remote {
            url,
            issuer,
            audience,
        })
    }
}

fn problem(variable: &str, problem: String) -> ConfigError {
    ConfigError {
        variable: variable.to_owned(),
        problem,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use mambogo::adapters::access::Manifest;

    use super::*;

    fn function(name: &str) -> &'static FunctionSpec {
        Manifest::embedded()
            .unwrap()
            .function(name)
            .unwrap_or_else(|| panic!("{name} is in functions/manifest.json"))
    }

    fn config_from(name: &str, variables: &[(&str, &str)]) -> Result<LambdaConfig, ConfigError> {
        let variables: HashMap<String, String> = variables
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        LambdaConfig::from_lookup(function(name), |name| variables.get(name).cloned())
    }

    fn error_from(name: &str, variables: &[(&str, &str)]) -> ConfigError {
        match config_from(name, variables) {
            Ok(_) => panic!("expected a configuration error for {name} with {variables:?}"),
            Err(error) => error,
        }
    }

    /// A JWKS with one RSA public key; only its shape matters here.
    const ONE_KEY_JWKS: &str = r#"{"keys": [{"kty": "RSA", "kid": "key-1", "alg": "RS256",
        "use": "sig", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1Wl", "e": "AQAB"}]}"#;

    /// What placing an order is granted: eight tables, the bus, the state machine and the
    /// purchase-token key.
    const PLACE_ORDER: [(&str, &str); 11] = [
        ("CATALOG_TABLE", "catalog"),
        ("CART_TABLE", "carts"),
        ("INVENTORY_TABLE", "inventory"),
        ("ORDER_TABLE", "orders"),
        ("IDEMPOTENCY_TABLE", "idempotency"),
        ("FLASH_SALE_TABLE", "flash-sales"),
        ("ADDRESS_BOOK_TABLE", "address-books"),
        ("COUPON_TABLE", "coupons"),
        (
            "PURCHASE_TOKEN_KEY_ARN",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:purchase",
        ),
        (EVENT_BUS_NAME, "mambogo"),
        (
            STATE_MACHINE_ARN,
            "arn:aws:states:us-east-1:123456789012:stateMachine:checkout",
        ),
    ];

    #[test]
    fn every_granted_resource_is_required_and_named_when_missing() {
        let granted = &function("place-order").tables;
        let config = config_from("place-order", &PLACE_ORDER).unwrap();
        assert_eq!(config.tables.len(), granted.len());
        for (missing, _) in PLACE_ORDER {
            let others: Vec<(&str, &str)> = PLACE_ORDER
                .iter()
                .copied()
                .filter(|(name, _)| *name != missing)
                .collect();
            assert_eq!(error_from("place-order", &others).variable, missing);
            let mut empty = others.clone();
            empty.push((missing, ""));
            assert_eq!(error_from("place-order", &empty).variable, missing);
        }
    }

    #[test]
    fn a_function_reads_only_what_it_is_granted() {
        let config = config_from("list-categories", &[("CATALOG_TABLE", "catalog")]).unwrap();
        assert_eq!(config.table(Table::Catalog), "catalog");
        assert_eq!(config.table(Table::Orders), "");
        assert!(config.event_bus_name.is_none());
        assert!(config.state_machine_arn.is_none());
        assert!(config.secrets.is_empty());
        let step = config_from(
            "reserve-inventory",
            &[
                ("INVENTORY_TABLE", "inventory"),
                ("ORDER_TABLE", "orders"),
                (EVENT_BUS_NAME, "mambogo"),
            ],
        )
        .unwrap();
        assert!(!step.function.publishes);
        assert_eq!(step.event_bus_name.as_deref(), Some("mambogo"));
    }

    #[test]
    fn secrets_come_by_reference() {
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook";
        let mut variables = vec![
            ("PAYMENT_TABLE", "payments"),
            ("ORDER_TABLE", "orders"),
            ("JOURNAL_TABLE", "journal"),
            (EVENT_BUS_NAME, "mambogo"),
            ("WEBHOOK_SECRETS_ARN", arn),
        ];
        let config = config_from("receive-payment-webhook", &variables).unwrap();
        assert_eq!(
            config.secrets[&Secret::WebhookSecrets],
            SecretSource::Arn(arn.to_owned())
        );
        variables.pop();
        assert_eq!(
            error_from("receive-payment-webhook", &variables).variable,
            "WEBHOOK_SECRETS_ARN"
        );
    }

    #[test]
    fn a_function_that_sends_mail_reads_its_sender_if_one_is_set() {
        let tables = [
            ("ORDER_TABLE", "orders"),
            ("OPERATIONS_TABLE", "operations"),
            ("JOURNAL_TABLE", "journal"),
        ];
        let unset = config_from("notify-shopper", &tables).unwrap();
        assert!(unset.mail.is_none(), "no sender: no mail");

        let mut variables = tables.to_vec();
        variables.extend([
            (MAIL_FROM, "Shop <orders@shop.example.com>"),
            (SES_CONFIGURATION_SET, "mambogo-dev-mail"),
            (OPERATORS_EMAIL, "ops@shop.example.com"),
        ]);
        let mail = config_from("notify-shopper", &variables)
            .unwrap()
            .mail
            .unwrap();
        assert_eq!(mail.sender.address(), "orders@shop.example.com");
        assert_eq!(mail.configuration_set.as_deref(), Some("mambogo-dev-mail"));
        assert_eq!(mail.operators.unwrap().as_str(), "ops@shop.example.com");

        for (variable, bad) in [(MAIL_FROM, "not a sender"), (OPERATORS_EMAIL, "ops")] {
            let mut wrong = variables.clone();
            wrong.retain(|(name, _)| *name != variable);
            wrong.push((variable, bad));
            assert_eq!(error_from("notify-shopper", &wrong).variable, variable);
        }
        let elsewhere = config_from(
            "list-categories",
            &[("CATALOG_TABLE", "c"), (MAIL_FROM, "a@b.example")],
        );
        assert!(elsewhere.unwrap().mail.is_none(), "only sendsMail reads it");
    }

    #[test]
    fn defaults_fill_in_the_optional_settings() {
        let config = config_from("place-order", &PLACE_ORDER).unwrap();
        assert_eq!(config.table(Table::Catalog), "catalog");
        assert_eq!(config.table(Table::Carts), "carts");
        assert_eq!(config.currency, Currency::USD);
        assert_eq!(config.catalog_cache, Duration::seconds(10));
        assert_eq!(config.reservation_ttl, Duration::minutes(15));
        assert!(matches!(config.token_keys, TokenKeys::None));
    }

    #[test]
    fn unusable_values_are_named() {
        let with = |extra: (&'static str, &'static str)| {
            let mut variables = PLACE_ORDER.to_vec();
            variables.push(extra);
            error_from("place-order", &variables)
        };
        assert_eq!(with((SHOP_CURRENCY, "usd")).variable, SHOP_CURRENCY);
        assert_eq!(
            with((CATALOG_CACHE_SECONDS, "-1")).variable,
            CATALOG_CACHE_SECONDS
        );
        assert_eq!(with((JWT_JWKS, "not json")).variable, JWT_JWKS);
        assert_eq!(with((JWT_JWKS, r#"{"keys": []}"#)).variable, JWT_JWKS);
        assert_eq!(with((JWT_JWKS_URL, "jwks.json")).variable, JWT_JWKS_URL);
    }

    #[test]
    fn settings_are_read() {
        let mut variables = PLACE_ORDER.to_vec();
        variables.extend([
            (SHOP_CURRENCY, "EUR"),
            (CATALOG_CACHE_SECONDS, "0"),
            (JWT_JWKS, ONE_KEY_JWKS),
            (JWT_ISSUER, "https://issuer.example.com"),
            (RESERVATION_TTL_SECONDS, "300"),
        ]);
        let config = config_from("place-order", &variables).unwrap();
        assert_eq!(config.reservation_ttl, Duration::minutes(5));
        assert_eq!(config.currency.as_str(), "EUR");
        assert_eq!(config.catalog_cache, Duration::ZERO);
        assert!(matches!(config.token_keys, TokenKeys::Ready(_)));
    }

    #[test]
    fn a_queue_function_reads_its_queues_max_receive_count() {
        let journal = ("JOURNAL_TABLE", "journal");
        let count_events = |receives: &'static str| {
            config_from(
                "count-events",
                &[journal, (DLQ_MAX_RECEIVE_COUNT, receives)],
            )
        };
        assert_eq!(
            count_events("5").unwrap().max_receive_count,
            NonZeroU32::new(5)
        );
        for bad in ["0", "-1", "five"] {
            let error = error_from("count-events", &[journal, (DLQ_MAX_RECEIVE_COUNT, bad)]);
            assert_eq!(error.variable, DLQ_MAX_RECEIVE_COUNT, "{bad}");
        }
        let unset = config_from("count-events", &[journal]).unwrap();
        assert_eq!(unset.max_receive_count, None);
        let elsewhere = config_from(
            "list-categories",
            &[("CATALOG_TABLE", "c"), (DLQ_MAX_RECEIVE_COUNT, "5")],
        );
        assert_eq!(
            elsewhere.unwrap().max_receive_count,
            None,
            "queue functions only"
        );
    }

    #[test]
    fn the_gateway_url_dead_letter_queues_and_webhook_url_are_read_for_who_needs_them() {
        let refund_payment = [
            ("PAYMENT_TABLE", "payments"),
            (EVENT_BUS_NAME, "mambogo"),
            ("PAYMENT_GATEWAY_API_KEY", "key"),
        ];
        assert_eq!(
            error_from("refund-payment", &refund_payment).variable,
            PAYMENT_GATEWAY_URL
        );
        let mut with_url = refund_payment.to_vec();
        with_url.push((PAYMENT_GATEWAY_URL, "https://gateway.example.com/v1"));
        let config = config_from("refund-payment", &with_url).unwrap();
        assert_eq!(
            config.payment_gateway_url.map(String::from).as_deref(),
            Some("https://gateway.example.com/v1")
        );
        let mut bad_url = refund_payment.to_vec();
        bad_url.push((PAYMENT_GATEWAY_URL, "gateway"));
        assert_eq!(
            error_from("refund-payment", &bad_url).variable,
            PAYMENT_GATEWAY_URL
        );
        let mock = config_from(
            "mock-payment-gateway",
            &[
                ("MOCK_LEDGER_TABLE", "ledger"),
                ("PAYMENT_GATEWAY_API_KEY", "key"),
            ],
        )
        .unwrap();
        assert!(
            mock.payment_gateway_url.is_none(),
            "the mock holds the key only"
        );

        assert_eq!(
            error_from("list-dead-letters", &[]).variable,
            DEAD_LETTER_QUEUES
        );
        assert_eq!(
            error_from("list-dead-letters", &[(DEAD_LETTER_QUEUES, "[1]")]).variable,
            DEAD_LETTER_QUEUES
        );
        let queues = r#"{"clear-cart": {"queueUrl": "https://q/1", "dlqUrl": "https://q/1-dlq"}}"#;
        let listing = config_from("list-dead-letters", &[(DEAD_LETTER_QUEUES, queues)]).unwrap();
        assert_eq!(
            listing
                .dead_letter_queues
                .map(|queues| queues.into_keys().collect::<Vec<_>>()),
            Some(vec!["clear-cart".to_owned()])
        );
        assert!(config_from(
            "get-cart",
            &[
                ("CART_TABLE", "carts"),
                ("CATALOG_TABLE", "catalog"),
                ("INVENTORY_TABLE", "inventory")
            ]
        )
        .unwrap()
        .dead_letter_queues
        .is_none());

        let webhooks = [
            ("MOCK_LEDGER_TABLE", "ledger"),
            ("WEBHOOK_SECRETS", "whsec"),
        ];
        assert_eq!(
            error_from("mock-payment-webhooks", &webhooks).variable,
            WEBHOOK_URL
        );
        for bad in ["shop", "ftp://shop"] {
            let mut with_bad = webhooks.to_vec();
            with_bad.push((WEBHOOK_URL, bad));
            assert_eq!(
                error_from("mock-payment-webhooks", &with_bad).variable,
                WEBHOOK_URL,
                "{bad}"
            );
        }
    }

    #[test]
    fn keys_can_be_fetched_from_the_issuer() {
        let mut variables = PLACE_ORDER.to_vec();
        variables.extend([
            (
                JWT_JWKS_URL,
                "https://cognito-idp.us-east-1.amazonaws.com/pool/.well-known/jwks.json",
            ),
            (JWT_AUDIENCE, "client"),
        ]);
        let config = config_from("place-order", &variables).unwrap();
        match config.token_keys {
            TokenKeys::Remote { url, audience, .. } => {
                assert_eq!(url.host_str(), Some("cognito-idp.us-east-1.amazonaws.com"));
                assert_eq!(audience.as_deref(), Some("client"));
            }
            _ => panic!("expected remote keys"),
        }
    }
}
