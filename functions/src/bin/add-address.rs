//! POST /me/addresses (addAddress): keeps an address in the caller's address book.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "addAddress",
        mambogo_functions::endpoint!(mambogo::api::address_routes::add_address),
    )
    .await
}
