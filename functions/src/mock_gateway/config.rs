//! What the mock gateway's two functions take from their configuration
//! ([`LambdaConfig`](crate::config::LambdaConfig), read once at cold start): the ledger
//! table, the webhook URL and their secrets, by reference like the shop's own functions
//! (`PAYMENT_GATEWAY_API_KEY_ARN`: the key callers must send; `WEBHOOK_SECRETS_ARN`: the
//! first secret signs webhooks, the shop accepts all of them).

use std::collections::BTreeMap;

use crate::config::WEBHOOK_URL;
use crate::config_error::ConfigError;
use mambogo::adapters::access::Secret;
use reqwest::Url;

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
    /// The settings from the ledger table's name and the function's secrets.
    pub fn new(
        ledger_table: String,
        secrets: &BTreeMap<Secret, String>,
    ) -> Result<Self, ConfigError> {
        Ok(GatewayConfig {
            ledger_table,
            api_key: secret(secrets, Secret::PaymentGatewayApiKey)?.to_owned(),
        })
    }
}

impl WebhookConfig {
    /// The settings from the function's webhook URL and its secrets, whose first webhook
    /// secret signs.
    pub fn new(
        webhook_url: Option<&Url>,
        secrets: &BTreeMap<Secret, String>,
    ) -> Result<Self, ConfigError> {
        let webhook_url = webhook_url
            .cloned()
            .ok_or_else(|| problem(WEBHOOK_URL, "is not set".to_owned()))?;
        let webhook_secret = mambogo::domain::payments::signature::split_webhook_secrets(secret(
            secrets,
            Secret::WebhookSecrets,
        )?)
        .into_iter()
        .next()
        .ok_or_else(|| {
            problem(
                Secret::WebhookSecrets.env_var(),
                "holds no secret".to_owned(),
            )
        })?;
        Ok(WebhookConfig {
            webhook_url,
            webhook_secret,
        })
    }
}

fn secret(secrets: &BTreeMap<Secret, String>, wanted: Secret) -> Result<&str, ConfigError> {
    secrets
        .get(&wanted)
        .map(String::as_str)
        .ok_or_else(|| problem(wanted.env_var(), "is not set".to_owned()))
}

fn problem(variable: &str, problem: String) -> ConfigError {
    ConfigError {
        variable: variable.to_owned(),
        problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(pairs: &[(Secret, &str)]) -> BTreeMap<Secret, String> {
        pairs
            .iter()
            .map(|(secret, value)| (*secret, (*value).to_owned()))
            .collect()
    }

    #[test]
    fn the_gateway_needs_its_api_key() {
        let config = GatewayConfig::new(
            "ledger".into(),
            &secrets(&[(Secret::PaymentGatewayApiKey, "key")]),
        )
        .unwrap();
        assert_eq!(
            (config.ledger_table.as_str(), config.api_key.as_str()),
            ("ledger", "key")
        );
        let error = GatewayConfig::new("ledger".into(), &secrets(&[])).unwrap_err();
        assert_eq!(error.variable, "PAYMENT_GATEWAY_API_KEY_ARN");
    }

    #[test]
    fn the_webhook_function_needs_a_url_and_signs_with_the_first_secret() {
        let url = Url::parse("https://shop.example.com/webhooks/payments").unwrap();
        let rotating = secrets(&[(Secret::WebhookSecrets, "whsec_new,whsec_old")]);
        let config = WebhookConfig::new(Some(&url), &rotating).unwrap();
        assert_eq!(config.webhook_url, url);
        assert_eq!(config.webhook_secret, b"whsec_new");
        let error = WebhookConfig::new(Some(&url), &secrets(&[])).unwrap_err();
        assert_eq!(error.variable, "WEBHOOK_SECRETS_ARN");
        let error = WebhookConfig::new(None, &rotating).unwrap_err();
        assert_eq!(error.variable, WEBHOOK_URL);
    }
}
