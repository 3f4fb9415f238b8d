//! DELETE /me/addresses/{addressId} (deleteAddress): deletes one of the caller's addresses.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "deleteAddress",
        mambogo_functions::endpoint!(mambogo::api::address_routes::delete_address),
    )
    .await
}
