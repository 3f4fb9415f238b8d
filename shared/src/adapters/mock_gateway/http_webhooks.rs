//! Webhooks POSTed over HTTP(S) to the shop, as a real gateway sends them. The caller
//! builds the client, so this crate links no TLS of its own.

use async_trait::async_trait;
use reqwest::Url;

use super::WebhookDelivery;
use crate::domain::payments::signature::SIGNATURE_HEADER;

/// POSTs one signed webhook to `url`; any 2xx answer is an acceptance.
pub async fn post_signed(
    client: &reqwest::Client,
    url: Url,
    body: Vec<u8>,
    signature: String,
) -> Result<(), String> {
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, signature)
        .body(body)
        .send()
        .await
        .map_err(|error| error.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!(
            "the webhook endpoint answered {}",
            response.status()
        ))
    }
}

/// [`WebhookDelivery`] to one URL.
pub struct HttpWebhooks {
    client: reqwest::Client,
    url: Url,
}

impl HttpWebhooks {
    /// Deliveries to `url` with `client`.
    pub fn new(client: reqwest::Client, url: Url) -> Self {
        HttpWebhooks { client, url }
    }
}

#[async_trait]
impl WebhookDelivery for HttpWebhooks {
    async fn deliver(&self, body: Vec<u8>, signature: String) -> Result<(), String> {
        post_signed(&self.client, self.url.clone(), body, signature).await
    }
}
