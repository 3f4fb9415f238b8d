//! PUT /me/addresses/{addressId} (updateAddress): replaces one of the caller's addresses.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "updateAddress",
        mambogo_functions::endpoint!(mambogo::api::address_routes::update_address),
    )
    .await
}
