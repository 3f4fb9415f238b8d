//! POST /cart/items (addCartItem): add a SKU to the cart; signing in is optional.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "addCartItem",
        mambogo_functions::endpoint!(mambogo::api::cart_routes::add_cart_item),
    )
    .await
}
