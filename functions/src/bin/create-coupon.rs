//! POST /admin/coupons (createCoupon): creates a coupon; admins only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "createCoupon",
        mambogo_functions::endpoint!(mambogo::api::admin_coupons::create_coupon),
    )
    .await
}
