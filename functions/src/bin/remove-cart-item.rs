//! DELETE /cart/items/{itemId} (removeCartItem): remove a line; signing in is optional.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "removeCartItem",
        mambogo_functions::endpoint!(mambogo::api::cart_routes::remove_cart_item),
    )
    .await
}
