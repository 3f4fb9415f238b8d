//! Operator routes for coupons: create one, see its redemptions, deactivate it.

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::admin_catalog::require_admin;
use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::{coupons, Services};
use crate::domain::coupons::{Coupon, CouponDraft, CouponRecord};
use crate::domain::ids::CouponCode;

/// A coupon as operators see it: the coupon and how many orders carry it now.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CouponView<'a> {
    #[serde(flatten)]
    coupon: &'a Coupon,
    redemptions: u32,
}

fn view(record: &CouponRecord, status: StatusCode) -> ApiResponse {
    let body = CouponView {
        coupon: &record.coupon,
        redemptions: record.redemptions,
    };
    ApiResponse::json(status, &body).with_header(
        "location",
        &format!("/admin/coupons/{}", record.coupon.code),
    )
}

/// The body of `PUT /admin/coupons/{code}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CouponUpdate {
    active: bool,
}

fn code(request: &ApiRequest) -> Result<CouponCode, ApiError> {
    request.path_id("code", CouponCode::typed)
}

/// `POST /admin/coupons`: creates a coupon, active at once.
pub async fn create_coupon(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    require_admin(&request)?;
    let draft: CouponDraft = request.json_body()?;
    let record = coupons::create_coupon(services, draft).await?;
    Ok(view(&record, StatusCode::CREATED))
}

/// `GET /admin/coupons/{code}`: the coupon and its redemptions.
pub async fn get_coupon(services: &Services, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    require_admin(&request)?;
    let code = code(&request)?;
    Ok(view(
        &coupons::coupon_for_admin(services, &code).await?,
        StatusCode::OK,
    ))
}

/// `PUT /admin/coupons/{code}`: `{"active": false}` deactivates the coupon (orders
/// placed with it keep it), `true` activates it again.
pub async fn update_coupon(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    require_admin(&request)?;
    let code = code(&request)?;
    let update: CouponUpdate = request.json_body()?;
    Ok(view(
        &coupons::set_active(services, &code, update.active).await?,
        StatusCode::OK,
    ))
}
