//! The mock gateway's webhooks, POSTed over loopback to the shop's own
//! `/webhooks/payments`, as a real gateway would call it.

use std::net::SocketAddr;

use async_trait::async_trait;
use mambogo::adapters::mock_gateway::{post_signed, WebhookDelivery};

use crate::error::StartError;

/// POSTs webhooks to the shop listening at a known address.
pub struct LoopbackWebhooks {
    client: reqwest::Client,
    url: reqwest::Url,
}

impl LoopbackWebhooks {
    /// Webhooks to the shop listening on `address`.
    pub fn to_shop_at(address: SocketAddr) -> Result<Self, StartError> {
        let url = reqwest::Url::parse(&format!("http://{address}/webhooks/payments"))
            .map_err(|error| StartError::Address(address, error.to_string()))?;
        Ok(LoopbackWebhooks {
            client: reqwest::Client::new(),
            url,
        })
    }
}

#[async_trait]
impl WebhookDelivery for LoopbackWebhooks {
    async fn deliver(&self, body: Vec<u8>, signature: String) -> Result<(), String> {
        post_signed(&self.client, self.url.clone(), body, signature).await
    }
}
