//! PUT /admin/coupons/{code} (updateCoupon): activates or deactivates a coupon; admins only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "updateCoupon",
        mambogo_functions::endpoint!(mambogo::api::admin_coupons::update_coupon),
    )
    .await
}
