//! Secrets by reference. Terraform hands a function the ARN of a Secrets Manager secret
//! (`WEBHOOK_SECRETS_ARN`, …), never the value, so no secret sits in Terraform's state or
//! in the function's configuration; the value is read once, at cold start.
//!
//! Outside AWS (the cold-start bench, a developer's shell) the value may be given
//! directly in the variable without `_ARN` (`WEBHOOK_SECRETS`, …).

use std::collections::BTreeMap;

use crate::config_error::ConfigError;
use aws_config::SdkConfig;
use mambogo::adapters::access::Secret;

/// The variable that may carry `secret`'s value directly, outside AWS.
pub fn plain_variable(secret: Secret) -> &'static str {
    match secret {
        Secret::WebhookSecrets => "WEBHOOK_SECRETS",
        Secret::PaymentGatewayApiKey => "PAYMENT_GATEWAY_API_KEY",
        Secret::PurchaseTokenKey => "PURCHASE_TOKEN_KEY",
    }
}

/// Where a secret's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    /// A Secrets Manager secret, by ARN.
    Arn(String),
    /// The value itself.
    Value(String),
}

/// Where each of `secrets` comes from, read through `lookup`; a secret named by neither
/// variable is an error naming the `_ARN` one.
pub fn sources(
    secrets: impl IntoIterator<Item = Secret>,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<BTreeMap<Secret, SecretSource>, ConfigError> {
    let set = |variable: &str| lookup(variable).filter(|value| !value.is_empty());
    secrets
        .into_iter()
        .map(|secret| {
            let source = match (set(secret.env_var()), set(plain_variable(secret))) {
                (Some(arn), _) => SecretSource::Arn(arn),
                (None, Some(value)) => SecretSource::Value(value),
                (None, None) => {
                    return Err(ConfigError {
                        variable: secret.env_var().to_owned(),
                        problem: "is not set".to_owned(),
                    })
                }
            };
            Ok((secret, source))
        })
        .collect()
}

/// Every secret's value, fetching the ones held by Secrets Manager.
pub async fn resolve(
    sources: BTreeMap<Secret, SecretSource>,
    sdk_config: &SdkConfig,
) -> Result<BTreeMap<Secret, String>, ConfigError> {
    let mut values = BTreeMap::new();
    let mut client = None;
    for (secret, source) in sources {
        let value = match source {
            SecretSource::Value(value) => value,
            SecretSource::Arn(arn) => {
                let client =
                    client.get_or_insert_with(|| aws_sdk_secretsmanager::Client::new(sdk_config));
                fetch(client, secret, &arn).await?
            }
        };
        values.insert(secret, value);
    }
    Ok(values)
}

async fn fetch(
    client: &aws_sdk_secretsmanager::Client,
    secret: Secret,
    arn: &str,
) -> Result<String, ConfigError> {
    let unusable = |problem: String| ConfigError {
        variable: secret.env_var().to_owned(),
        problem,
    };
    let answer = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|error| {
            unusable(format!(
                "cannot read {arn}: {}",
                aws_sdk_secretsmanager::error::DisplayErrorContext(error)
            ))
        })?;
    answer
        .secret_string()
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| unusable(format!("{arn} holds no value yet (put-secret-value)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn an_arn_wins_over_a_plain_value_and_a_missing_secret_names_its_arn_variable() {
        let both = lookup(&[
            (
                "WEBHOOK_SECRETS_ARN",
                "arn:aws:secretsmanager:eu-west-1:1:secret:w",
            ),
            ("WEBHOOK_SECRETS", "whsec_1"),
            ("PAYMENT_GATEWAY_API_KEY", "key"),
        ]);
        let found = sources(
            [Secret::WebhookSecrets, Secret::PaymentGatewayApiKey],
            &both,
        )
        .unwrap();
        assert_eq!(
            found[&Secret::WebhookSecrets],
            SecretSource::Arn("arn:aws:secretsmanager:eu-west-1:1:secret:w".into())
        );
        assert_eq!(
            found[&Secret::PaymentGatewayApiKey],
            SecretSource::Value("key".into())
        );
        let error = sources([Secret::PaymentGatewayApiKey], &lookup(&[])).unwrap_err();
        assert_eq!(error.variable, "PAYMENT_GATEWAY_API_KEY_ARN");
    }
}
