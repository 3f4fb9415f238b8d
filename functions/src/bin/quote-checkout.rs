//! POST /checkout/quote (quoteCheckout): the caller's cart priced, with a quote that
//! holds its totals for a while.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "quoteCheckout",
        mambogo_functions::endpoint!(mambogo::api::checkout_routes::quote_checkout),
    )
    .await
}
