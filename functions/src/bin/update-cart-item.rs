//! PUT /cart/items/{itemId} (updateCartItem): set a line's quantity; signing in is optional.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "updateCartItem",
        mambogo_functions::endpoint!(mambogo::api::cart_routes::update_cart_item),
    )
    .await
}
