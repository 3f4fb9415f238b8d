//! What a function is told through its environment, read once at cold start. Each
//! function reads only what its entry in `functions/manifest.json` grants it: the tables
//! it may use, the bus if it publishes, the state machine if it starts or describes
//! executions, and its secrets (by reference, see [`crate::secrets`]).

use std::collections::BTreeMap;

use mambogo::adapters::access::{FunctionSpec, Secret, Table, Trigger, WorkflowAction};
use mambogo::adapters::config::ConfigError;
use mambogo::api::auth::{TokenVerifier, VerifierKeys};
use mambogo::domain::money::Currency;
use reqwest::Url;
use time::Duration;

use crate::secrets::{self, SecretSource};

/// The EventBridge bus events are published on.
pub const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";
/// The checkout saga's state machine.
pub const STATE_MACHINE_ARN: &str = "STATE_MACHINE_ARN";
/// How many seconds stock stays reserved for an order being paid; 900 when unset.
pub const RESERVATION_TTL_SECONDS: &str = "RESERVATION_TTL_SECONDS";
/// The one currency the shop sells in; `USD` when unset.
pub const SHOP_CURRENCY: &str = "SHOP_CURRENCY";
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

const DEFAULT_CATALOG_CACHE_SECONDS: u32 = 10;
const DEFAULT_RESERVATION_TTL_SECONDS: u32 = 900;

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
    /// The one currency the shop sells in.
    pub currency: Currency,
    /// How long the catalog is served from memory before it is read again.
    pub catalog_cache: Duration,
    /// Checks tokens sent to routes without an authorizer.
    pub token_keys: TokenKeys,
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
        let cache_seconds =
            variables.parsed_or(CATALOG_CACHE_SECONDS, DEFAULT_CATALOG_CACHE_SECONDS)?;
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
            return_window: Duration::days(i64::from(variables.parsed_or(
                mambogo::application::settings::RETURN_WINDOW_DAYS,
                mambogo::application::settings::DEFAULT_RETURN_WINDOW_DAYS,
            )?)),
            currency: variables.parsed_or(SHOP_CURRENCY, Currency::USD)?,
            catalog_cache: Duration::seconds(i64::from(cache_seconds)),
            token_keys: variables.token_keys()?,
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

    fn required(&self, variable: &str) -> Result<String, ConfigError> {
        self.optional(variable)
            .ok_or_else(|| problem(variable, "is not set".to_owned()))
    }

    fn parsed_or<T>(&self, variable: &str, default: T) -> Result<T, ConfigError>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        match self.optional(variable) {
            None => Ok(default),
            Some(raw) => raw
                .parse()
                .map_err(|error| problem(variable, format!("{raw:?} cannot be used: {error}"))),
        }
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
        let Some(raw_url) = self.optional(JWT_JWKS_URL) else {
            return Ok(TokenKeys::None);
        };
        let url = Url::parse(&raw_url)
            .ok()
            .filter(|url| url.scheme() == "https" || url.scheme() == "http")
            .ok_or_else(|| problem(JWT_JWKS_URL, format!("{raw_url:?} is not an http(s) URL")))?;
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

    /// What placing an order is granted: five tables, the bus and the state machine.
    const PLACE_ORDER: [(&str, &str); 7] = [
        ("CATALOG_TABLE", "catalog"),
        ("CART_TABLE", "carts"),
        ("INVENTORY_TABLE", "inventory"),
        ("ORDER_TABLE", "orders"),
        ("IDEMPOTENCY_TABLE", "idempotency"),
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
