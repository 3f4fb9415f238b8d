//! GET /cart (getCart): the caller's cart; signing in is optional.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "getCart",
        mambogo_functions::endpoint!(mambogo::api::cart_routes::get_cart),
    )
    .await
}
