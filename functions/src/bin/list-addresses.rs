//! GET /me/addresses (listAddresses): the caller's address book.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "listAddresses",
        mambogo_functions::endpoint!(mambogo::api::address_routes::list_addresses),
    )
    .await
}
