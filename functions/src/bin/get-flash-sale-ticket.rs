//! GET /flash-sales/{saleId}/queue/{ticketId} (getFlashSaleTicket): where the caller's ticket stands, and its purchase token once admitted.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "getFlashSaleTicket",
        mambogo_functions::endpoint!(mambogo::api::flash_sale_routes::get_flash_sale_ticket),
    )
    .await
}
