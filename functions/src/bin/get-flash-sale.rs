//! GET /flash-sales/{saleId} (getFlashSale): a flash sale's status, prices and units left.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "getFlashSale",
        mambogo_functions::endpoint!(mambogo::api::flash_sale_routes::get_flash_sale),
    )
    .await
}
