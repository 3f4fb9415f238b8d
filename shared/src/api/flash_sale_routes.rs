//! The public side of flash sales: the sale, its waiting room and a buyer's ticket.

use http::StatusCode;

use super::rate_limited::count_request;
use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::{flash_sales, Services};
use crate::domain::ids::{SaleId, TicketId, UserId};

/// The signed-in caller, who alone may queue and see their ticket, counted against the
/// rate limits, and the sale the path names.
fn buyer_and_sale(services: &Services, request: &ApiRequest) -> Result<(UserId, SaleId), ApiError> {
    let buyer = request.signed_in("join the sale")?.id.clone();
    count_request(services, request)?;
    Ok((buyer, request.path_id("saleId", SaleId::parse)?))
}

/// `GET /flash-sales/{saleId}`: the sale's status, times, prices and units left.
pub async fn get_flash_sale(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    count_request(services, &request)?;
    let sale_id = request.path_id("saleId", SaleId::parse)?;
    Ok(ApiResponse::ok(
        &flash_sales::sale_for_public(services, &sale_id).await?,
    ))
}

/// `POST /flash-sales/{saleId}/queue`: the caller's ticket in the waiting room, new or the
/// one they have.
pub async fn join_flash_sale_queue(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let (buyer, sale_id) = buyer_and_sale(services, &request)?;
    let joined = flash_sales::join(services, &sale_id, &buyer).await?;
    let location = format!("/flash-sales/{sale_id}/queue/{}", joined.ticket_id);
    Ok(ApiResponse::json(StatusCode::ACCEPTED, &joined).with_header("location", &location))
}

/// `GET /flash-sales/{saleId}/queue/{ticketId}`: where the caller's ticket stands, and
/// its purchase token once admitted.
pub async fn get_flash_sale_ticket(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let (buyer, sale_id) = buyer_and_sale(services, &request)?;
    let ticket_id = request.path_id("ticketId", TicketId::parse)?;
    Ok(ApiResponse::ok(
        &flash_sales::ticket_status(services, &sale_id, &ticket_id, &buyer).await?,
    ))
}
