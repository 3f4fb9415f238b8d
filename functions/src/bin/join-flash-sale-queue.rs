//! POST /flash-sales/{saleId}/queue (joinFlashSaleQueue): the caller's ticket in a flash sale's waiting room.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "joinFlashSaleQueue",
        mambogo_functions::endpoint!(mambogo::api::flash_sale_routes::join_flash_sale_queue),
    )
    .await
}
