//! POST /checkout (placeOrder): check out the caller's cart; signing in is required.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "placeOrder",
        mambogo_functions::endpoint!(mambogo::api::checkout_routes::place_order),
    )
    .await
}
