//! What a function is told through its environment, read once at cold start.

use mambogo::auth::{TokenVerifier, VerifierKeys};
use mambogo::config::ConfigError;
use mambogo::money::Currency;
use time::Duration;

/// The DynamoDB table of products, SKU claims and categories.
pub const CATALOG_TABLE: &str = "CATALOG_TABLE";
/// The DynamoDB table of carts.
pub const CART_TABLE: &str = "CART_TABLE";
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

/// Everything a function needs from its environment.
pub struct LambdaConfig {
    /// The name of the catalog table.
    pub catalog_table: String,
    /// The name of the cart table.
    pub cart_table: String,
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

    const TABLES: [(&str, &str); 2] = [(CATALOG_TABLE, "catalog"), (CART_TABLE, "carts")];

    #[test]
    fn a_missing_table_is_named() {
        let error = error_from(&[(CART_TABLE, "carts")]);
        assert_eq!(error.variable, CATALOG_TABLE);
        assert!(error.to_string().contains("CATALOG_TABLE"), "{error}");
        assert_eq!(
            error_from(&[(CATALOG_TABLE, "catalog")]).variable,
            CART_TABLE
        );
        let empty = error_from(&[(CATALOG_TABLE, ""), (CART_TABLE, "carts")]);
        assert_eq!(empty.variable, CATALOG_TABLE);
    }

    #[test]
    fn defaults_fill_in_the_optional_settings() {
        let config = config_from(&TABLES).unwrap();
        assert_eq!(config.catalog_table, "catalog");
        assert_eq!(config.cart_table, "carts");
        assert_eq!(config.currency, Currency::USD);
        assert_eq!(config.catalog_cache, Duration::seconds(10));
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
        ]);
        let config = config_from(&variables).unwrap();
        assert_eq!(config.currency.as_str(), "EUR");
        assert_eq!(config.catalog_cache, Duration::ZERO);
        assert!(config.verifier.is_some());
    }
}
