//! PUT /admin/categories/{categoryId} (putCategory): create, rename or move a category (admins).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "putCategory",
        mambogo_functions::endpoint!(mambogo::api::admin_catalog::put_category),
    )
    .await
}
