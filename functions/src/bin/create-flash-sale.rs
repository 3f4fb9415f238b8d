//! POST /admin/flash-sales (createFlashSale): create a flash sale and set its units aside; admins only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "createFlashSale",
        mambogo_functions::endpoint!(mambogo::api::admin_flash_sales::create_flash_sale),
    )
    .await
}
