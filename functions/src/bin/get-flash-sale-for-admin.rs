//! GET /admin/flash-sales/{saleId} (getFlashSaleForAdmin): a flash sale's units left, tokens out, sold and queue; admins only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "getFlashSaleForAdmin",
        mambogo_functions::endpoint!(mambogo::api::admin_flash_sales::get_flash_sale_for_admin),
    )
    .await
}
