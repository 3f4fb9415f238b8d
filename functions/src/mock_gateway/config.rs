//! What the mock gateway's two functions are told through their environment, read once
//! at cold start. Each reads only what it needs.

use mambogo::config::ConfigError;
use reqwest::Url;

/// The DynamoDB table of the mock gateway's ledger.
pub const MOCK_LEDGER_TABLE: &str = "MOCK_LEDGER_TABLE";
/// The API key callers of the mock gateway must send in `x-mock-gateway-key`.
pub const MOCK_GATEWAY_API_KEY: &str = "MOCK_GATEWAY_API_KEY";
/// Where webhooks go: the shop's `https://…/webhooks/payments`.
pub const WEBHOOK_URL: &str = "WEBHOOK_URL";
/// The secret webhooks are signed with; the shop knows it as one of `WEBHOOK_SECRETS`.
pub const WEBHOOK_SECRET: &str = "WEBHOOK_SECRET";

/// The gateway function's settings.
#[derive(Debug)]
pub struct GatewayConfig {
    /// The name of the ledger table.
    pub ledger_table: String,
    /// The key callers must send.
    pub api_key: String,
}

/// The webhook function's settings.
#[derive(Debug)]
pub struct WebhookConfig {
    /// Where webhooks are POSTed.
    pub webhook_url: Url,
    /// The signing secret.
    pub webhook_secret: Vec<u8>,
}

impl GatewayConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|variable| std::env::var(variable).ok())
    }

    /// Reads the settings through `lookup`; empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(GatewayConfig {
            ledger_table: required(&lookup, MOCK_LEDGER_TABLE)?,
            api_key: required(&lookup, MOCK_GATEWAY_API_KEY)?,
        })
    }
}

impl WebhookConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|variable| std::env::var(variable).ok())
    }

    /// Reads the settings through `lookup`; empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let raw_url = required(&lookup, WEBHOOK_URL)?;
        let webhook_url = Url::parse(&raw_url)
            .map_err(|error| problem(WEBHOOK_URL, format!("{raw_url:?} is not a URL: {error}")))?;
        if !matches!(webhook_url.scheme(), "https" | "http") {
            return Err(problem(
                WEBHOOK_URL,
                format!("{raw_url:?} must be an http(s) URL"),
            ));
        }
        Ok(WebhookConfig {
            webhook_url,
            webhook_secret: required(&lookup, WEBHOOK_SECRET)?.into_bytes(),
        })
    }
}

fn required(
    lookup: &impl Fn(&str) -> Option<String>,
    variable: &str,
) -> Result<String, ConfigError> {
    lookup(variable)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| problem(variable, "is not set".to_owned()))
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

    fn lookup(variables: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let variables: HashMap<String, String> = variables
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        move |name| variables.get(name).cloned()
    }

    #[test]
    fn the_gateway_names_what_is_missing() {
        let all = [(MOCK_LEDGER_TABLE, "ledger"), (MOCK_GATEWAY_API_KEY, "key")];
        let config = GatewayConfig::from_lookup(lookup(&all)).unwrap();
        assert_eq!(
            (config.ledger_table.as_str(), config.api_key.as_str()),
            ("ledger", "key")
        );
        for (missing, _) in all {
            let mut others: Vec<_> = all
                .into_iter()
                .filter(|(name, _)| *name != missing)
                .collect();
            let error = GatewayConfig::from_lookup(lookup(&others)).unwrap_err();
            assert_eq!(error.variable, missing);
            others.push((missing, ""));
            let error = GatewayConfig::from_lookup(lookup(&others)).unwrap_err();
            assert_eq!(error.variable, missing);
        }
    }

    #[test]
    fn the_webhook_function_needs_a_url_and_a_secret() {
        let url = (WEBHOOK_URL, "https://shop.example.com/webhooks/payments");
        let secret = (WEBHOOK_SECRET, "whsec_1");
        let config = WebhookConfig::from_lookup(lookup(&[url, secret])).unwrap();
        assert_eq!(config.webhook_url.as_str(), url.1);
        assert_eq!(config.webhook_secret, b"whsec_1");
        for variables in [vec![url], vec![secret], vec![(WEBHOOK_URL, "shop"), secret]] {
            let error = WebhookConfig::from_lookup(lookup(&variables)).unwrap_err();
            let expected = if variables.contains(&url) {
                WEBHOOK_SECRET
            } else {
                WEBHOOK_URL
            };
            assert_eq!(error.variable, expected, "{variables:?}");
        }
        let ftp = WebhookConfig::from_lookup(lookup(&[(WEBHOOK_URL, "ftp://shop"), secret]));
        assert_eq!(ftp.unwrap_err().variable, WEBHOOK_URL);
    }
}
