//! The payment webhooks' signing secrets, in the stack's Secrets Manager secret
//! `<stack>/webhook-secrets`: the mock gateway signs with the first, the shop accepts
//! any (two while rotating).

use mambogo::adapters::access::Secret;
use mambogo::domain::payments::signature::split_webhook_secrets;

use super::{start_error, AwsStack};
use crate::error::StartError;

impl AwsStack {
    /// The name of the secret holding `secret`.
    pub fn secret_name(&self, secret: Secret) -> String {
        format!("{}/{}", self.stack(), secret.name())
    }

    /// The webhook signing secrets; a missing secret is created holding `value` when the
    /// shop creates what is missing.
    pub(crate) async fn webhook_secrets(&self, value: &str) -> Result<Vec<Vec<u8>>, StartError> {
        let client = aws_sdk_secretsmanager::Client::new(&self.sdk);
        let name = self.secret_name(Secret::WebhookSecrets);
        let held = match client.get_secret_value().secret_id(&name).send().await {
            Ok(found) => found.secret_string().unwrap_or_default().to_owned(),
            Err(error)
                if self.create_missing
                    && error
                        .as_service_error()
                        .is_some_and(|refusal| refusal.is_resource_not_found_exception()) =>
            {
                client
                    .create_secret()
                    .name(&name)
                    .description("Mambogo: the payment webhooks' signing secrets (local shop)")
                    .secret_string(value)
                    .send()
                    .await
                    .map_err(|error| {
                        start_error(&format!("cannot create {name}"), "Secrets Manager", &error)
                    })?;
                tracing::info!(secret = %name, "secret created");
                value.to_owned()
            }
            Err(error) => {
                return Err(start_error(
                    &format!("cannot read {name}"),
                    "Secrets Manager",
                    &error,
                ))
            }
        };
        let secrets = split_webhook_secrets(&held);
        if secrets.is_empty() {
            return Err(StartError::Aws(format!(
                "{name} holds no value yet (put-secret-value)"
            )));
        }
        Ok(secrets)
    }
}
