//! POST /webhooks/payments (receivePaymentWebhook): the payment gateway's signed callback.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "receivePaymentWebhook",
        mambogo_functions::endpoint!(mambogo::api::webhook_routes::receive_payment_webhook),
    )
    .await
}
