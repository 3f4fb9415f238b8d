//! `POST /webhooks/payments`: the signature is checked over the raw body, the gateway's
//! event is read and handed to [`receive_gateway_event`], which applies it once and
//! moves on what waits on it.

use serde_json::json;

use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::payments::receive_gateway_event;
use crate::application::Services;
use crate::domain::payments::signature::{verify, SIGNATURE_HEADER};
use crate::domain::payments::GatewayEvent;

/// `POST /webhooks/payments`.
pub async fn receive_payment_webhook(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let signed_at = verify(
        request.header(SIGNATURE_HEADER)?,
        &request.body,
        &services.checkout.webhook_secrets,
        services.clock.now(),
    )
    .map_err(|error| ApiError::Unauthorized(error.to_string()))?;
    let event: GatewayEvent = request.json_body()?;
    let receipt = receive_gateway_event(services, &event, signed_at).await?;
    Ok(ApiResponse::ok(&json!({
        "received": true,
        "duplicate": !receipt.first_time,
        "paymentStatus": receipt.payment.status,
    })))
}
