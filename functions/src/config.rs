//! What a function is told through its environment, read once at cold start.

use mambogo::auth::{TokenVerifier, VerifierKeys};
use mambogo::config::ConfigError;
use mambogo::money::Currency;
use time::Duration;

/// The DynamoDB table of products, SKU claims and categories.
pub const CATALOG_TABLE: &str = "CATALOG_TABLE";
/// The DynamoDB table of carts.
pub const CART_TABLE: &str = "CART_TABLE";
/// The DynamoDB table of stock levels and reservations.
pub const INVENTORY_TABLE: &str = "INVENTORY_TABLE";
/// The DynamoDB table of orders.
pub const ORDER_TABLE: &str = "ORDER_TABLE";
/// The DynamoDB table of payments and applied gateway events.
pub const PAYMENT_TABLE: &str = "PAYMENT_TABLE";
/// The DynamoDB table of idempotency keys and handled events.
pub const IDEMPOTENCY_TABLE: &str = "IDEMPOTENCY_TABLE";
/// The EventBridge bus events are published on.
pub const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";
/// The checkout saga's state machine.
pub const STATE_MACHINE_ARN: &str = "STATE_MACHINE_ARN";
/// The secrets the payment gateway signs webhooks with, comma-separated (two while
/// rotating); only the webhook function needs them.
pub const WEBHOOK_SECRETS: &str = "WEBHOOK_SECRETS";
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
/// The issuer tokens must carry; read only with [`JWT_JWKS`].
pub const JWT_ISSUER: &str = "JWT_ISSUER";
/// The audience tokens must carry; read only with [`JWT_JWKS`].
pub const JWT_AUDIENCE: &str = "JWT_AUDIENCE";

const DEFAULT_CATALOG_CACHE_SECONDS: u32 = 10;
const DEFAULT_RESERVATION_TTL_SECONDS: u32 = 900;

/// Everything a function needs from its environment.
pub struct LambdaConfig {
    /// The name of the catalog table.
    pub catalog_table: String,
    /// The name of the cart table.
    pub cart_table: String,
    /// The name of the inventory table.
    pub inventory_table: String,
    /// The name of the order table.
    pub order_table: String,
    /// The name of the payment table.
    pub payment_table: String,
    /// The name of the idempotency table.
    pub idempotency_table: String,
    /// The event bus.
    pub event_bus_name: String,
    /// The checkout state machine.
    pub state_machine_arn: String,
    /// Webhook signing secrets; empty where no webhook is received.
    pub webhook_secrets: Vec<Vec<u8>>,
    /// How long stock stays reserved for an order being paid.
    pub reservation_ttl: Duration,
    /// The one currency the shop sells in.
    pub currency: Currency,
    /// How long the catalog is served from memory before it is read again.
    pub catalog_cache: Duration,
    /// Checks tokens sent to routes without an authorizer; `None` when no keys are
    /// configured, and such tokens are then refused.
    pub verifier: Option<TokenVerifier>,
}

impl LambdaConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|variable| std::env::var(variable).ok())
    }

    /// Reads the configuration through `lookup`, which returns a variable's value if set.
    /// Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let variables = Variables(lookup);
        let cache_seconds =
            variables.parsed_or(CATALOG_CACHE_SECONDS, DEFAULT_CATALOG_CACHE_SECONDS)?;
        Ok(LambdaConfig {
            catalog_table: variables.required(CATALOG_TABLE)?,
            cart_table: variables.required(CART_TABLE)?,
            inventory_table: variables.required(INVENTORY_TABLE)?,
            order_table: variables.required(ORDER_TABLE)?,
            payment_table: variables.required(PAYMENT_TABLE)?,
            idempotency_table: variables.required(IDEMPOTENCY_TABLE)?,
            event_bus_name: variables.required(EVENT_BUS_NAME)?,
            state_machine_arn: variables.required(STATE_MACHINE_ARN)?,
            webhook_secrets: variables
                .optional(WEBHOOK_SECRETS)
                .map(|secrets| {
                    secrets
                        .split(',')
                        .map(|secret| secret.trim().as_bytes().to_vec())
                        .collect()
                })
                .unwrap_or_default(),
            reservation_ttl: Duration::seconds(i64::from(
                variables.parsed_or(RESERVATION_TTL_SECONDS, DEFAULT_RESERVATION_TTL_SECONDS)?,
            )),
            currency: variables.parsed_or(SHOP_CURRENCY, Currency::USD)?,
            catalog_cache: Duration::seconds(i64::from(cache_seconds)),
            verifier: variables.verifier()?,
        })
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

    fn verifier(&self) -> Result<Option<TokenVerifier>, ConfigError> {
        let Some(jwks_json) = self.optional(JWT_JWKS) else {
            return Ok(None);
        };
        let keys = TokenVerifier::parse_key_set(&jwks_json)
            .map_err(|error| problem(JWT_JWKS, format!("is not a JWKS document: {error}")))?;
        if let VerifierKeys::KeySet(set) = &keys {
            if set.keys.is_empty() {
                return Err(problem(JWT_JWKS, "holds no keys".to_owned()));
            }
        }
        Ok(Some(TokenVerifier::new(
            keys,
            self.optional(JWT_ISSUER),
            self.optional(JWT_AUDIENCE),
        )))
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

    use super::*;

    fn config_from(variables: &[(&str, &str)]) -> Result<LambdaConfig, ConfigError> {
        let variables: HashMap<String, String> = variables
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        LambdaConfig::from_lookup(|name| variables.get(name).cloned())
    }

    fn error_from(variables: &[(&str, &str)]) -> ConfigError {
        match config_from(variables) {
            Ok(_) => panic!("expected a configuration error for {variables:?}"),
            Err(error) => error,
        }
    }

    /// A JWKS with one RSA public key; only its shape matters here.
    const ONE_KEY_JWKS: &str = r#"{"keys": [{"kty": "RSA", "kid": "key-1", "alg": "RS256",
        "use": "sig", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1Wl", "e": "AQAB"}]}"#;

    const TABLES: [(&str, &str); 8] = [
        (CATALOG_TABLE, "catalog"),
        (CART_TABLE, "carts"),
        (INVENTORY_TABLE, "inventory"),
        (ORDER_TABLE, "orders"),
        (PAYMENT_TABLE, "payments"),
        (IDEMPOTENCY_TABLE, "idempotency"),
        (EVENT_BUS_NAME, "mambogo"),
        (
            STATE_MACHINE_ARN,
            "arn:aws:states:us-east-1:123456789012:stateMachine:checkout",
        ),
    ];

    #[test]
    fn a_missing_table_is_named() {
        for (missing, _) in TABLES {
            let others: Vec<(&str, &str)> = TABLES
                .iter()
                .copied()
                .filter(|(name, _)| *name != missing)
                .collect();
            let error = error_from(&others);
            assert_eq!(error.variable, missing);
            assert!(error.to_string().contains(missing), "{error}");
            let mut empty = others.clone();
            empty.push((missing, ""));
            assert_eq!(error_from(&empty).variable, missing);
        }
    }

    #[test]
    fn defaults_fill_in_the_optional_settings() {
        let config = config_from(&TABLES).unwrap();
        assert_eq!(config.catalog_table, "catalog");
        assert_eq!(config.cart_table, "carts");
        assert_eq!(config.currency, Currency::USD);
        assert_eq!(config.catalog_cache, Duration::seconds(10));
        assert_eq!(config.reservation_ttl, Duration::minutes(15));
        assert!(config.webhook_secrets.is_empty());
        assert!(config.verifier.is_none());
    }

    #[test]
    fn unusable_values_are_named() {
        let with = |extra: (&'static str, &'static str)| {
            let mut variables = TABLES.to_vec();
            variables.push(extra);
            error_from(&variables)
        };
        assert_eq!(with((SHOP_CURRENCY, "usd")).variable, SHOP_CURRENCY);
        assert_eq!(
            with((CATALOG_CACHE_SECONDS, "-1")).variable,
            CATALOG_CACHE_SECONDS
        );
        assert_eq!(with((JWT_JWKS, "not json")).variable, JWT_JWKS);
        assert_eq!(with((JWT_JWKS, r#"{"keys": []}"#)).variable, JWT_JWKS);
    }

    #[test]
    fn settings_are_read() {
        let mut variables = TABLES.to_vec();
        variables.extend([
            (SHOP_CURRENCY, "EUR"),
            (CATALOG_CACHE_SECONDS, "0"),
            (JWT_JWKS, ONE_KEY_JWKS),
            (JWT_ISSUER, "https://issuer.example.com"),
            (WEBHOOK_SECRETS, "whsec_new, whsec_old"),
            (RESERVATION_TTL_SECONDS, "300"),
        ]);
        let config = config_from(&variables).unwrap();
        assert_eq!(
            config.webhook_secrets,
            [b"whsec_new".to_vec(), b"whsec_old".to_vec()]
        );
        assert_eq!(config.reservation_ttl, Duration::minutes(5));
        assert_eq!(config.currency.as_str(), "EUR");
        assert_eq!(config.catalog_cache, Duration::ZERO);
        assert!(config.verifier.is_some());
    }
}
