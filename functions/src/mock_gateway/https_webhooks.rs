//! Webhooks POSTed over HTTPS to the shop, as a real gateway sends them.

use async_trait::async_trait;
use mambogo::payments::mock_gateway::WebhookDelivery;
use mambogo::payments::signature::SIGNATURE_HEADER;
use reqwest::Url;

/// [`WebhookDelivery`] to one URL; any 2xx answer is an acceptance.
pub struct HttpsWebhooks {
    client: reqwest::Client,
    url: Url,
}

impl HttpsWebhooks {
    /// Deliveries to `url` with `client`.
    pub fn new(client: reqwest::Client, url: Url) -> Self {
        HttpsWebhooks { client, url }
    }
}

#[async_trait]
impl WebhookDelivery for HttpsWebhooks {
    async fn deliver(&self, body: Vec<u8>, signature: String) -> Result<(), String> {
        let response = self
            .client
            .post(self.url.clone())
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(|error| error.to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("the shop answered {}", response.status()))
        }
    }
}
