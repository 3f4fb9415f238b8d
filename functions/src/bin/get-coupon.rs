//! GET /admin/coupons/{code} (getCoupon): a coupon with its redemptions; admins only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "getCoupon",
        mambogo_functions::endpoint!(mambogo::api::admin_coupons::get_coupon),
    )
    .await
}
