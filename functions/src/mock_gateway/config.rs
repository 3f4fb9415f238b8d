//! What the mock gateway's two functions are told through their environment, read once
//! at cold start. Each reads only what its manifest entry grants: the ledger table
//! (`MOCK_LEDGER_TABLE`) and its secrets, by reference like the shop's own functions
//! (`PAYMENT_GATEWAY_API_KEY_ARN`: the key callers must send; `WEBHOOK_SECRETS_ARN`: the
//! first secret signs webhooks, the shop accepts all of them).

use std::collections::BTreeMap;

use mambogo::adapters::access::Secret;
use mambogo::adapters::config::ConfigError;
use reqwest::Url;

/// Where webhooks go: the shop's `https://…/webhooks/payments`.
pub const WEBHOOK_URL: &str = "WEBHOOK_URL";

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
    /// Reads the webhook URL through `lookup` (empty values count as unset) and takes the
    /// signing secret from the function's secrets.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        secrets: &BTreeMap<Secret, String>,
    ) -> Result<Self, ConfigError> {
        let raw_url = required(&lookup, WEBHOOK_URL)?;
        let webhook_url = Url::parse(&raw_url)
            .map_err(|error| problem(WEBHOOK_URL, format!("{raw_url:?} is not a URL: {error}")))?;
        if !matches!(webhook_url.scheme(), "https" | "http") {
            return Err(problem(
                WEBHOOK_URL,
                format!("{raw_url:?} must be an http(s) URL"),
            ));
        }
        let webhook_secret =
            crate::secrets::split_webhook_secrets(secret(secrets, Secret::WebhookSecrets)?)
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
        let url = (WEBHOOK_URL, "https://shop.example.com/webhooks/payments");
        let rotating = secrets(&[(Secret::WebhookSecrets, "whsec_new,whsec_old")]);
        let config = WebhookConfig::from_lookup(lookup(&[url]), &rotating).unwrap();
        assert_eq!(config.webhook_url.as_str(), url.1);
        assert_eq!(config.webhook_secret, b"whsec_new");
        let error = WebhookConfig::from_lookup(lookup(&[url]), &secrets(&[])).unwrap_err();
        assert_eq!(error.variable, "WEBHOOK_SECRETS_ARN");
        for bad in ["shop", "ftp://shop"] {
            let error =
                WebhookConfig::from_lookup(lookup(&[(WEBHOOK_URL, bad)]), &rotating).unwrap_err();
            assert_eq!(error.variable, WEBHOOK_URL, "{bad}");
        }
        let error = WebhookConfig::from_lookup(lookup(&[]), &rotating).unwrap_err();
        assert_eq!(error.variable, WEBHOOK_URL);
    }
}
