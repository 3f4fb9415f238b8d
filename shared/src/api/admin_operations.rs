//! Operator routes for what runs behind the shop: the sweeper's reconciliation reports,
//! the notifications the shop wrote for someone, and the events consumers gave up on
//! (dead letters), which an operator can send back once the cause is fixed.

use serde::Serialize;

use super::admin_catalog::require_admin;
use super::order_routes::{limit_query, page_query};
use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::Services;
use crate::domain::ids::UserId;
use crate::domain::operations::{SweepReport, OPERATORS};

/// The most reports `GET /admin/reconciliation` shows by default.
const DEFAULT_REPORTS: u32 = 20;
/// The longest dead-letter id taken (SQS's are `<consumer>.<message id>`).
const MAX_LETTER_ID: usize = 200;

#[derive(Serialize)]
struct Reports {
    reports: Vec<SweepReport>,
}

/// `GET /admin/reconciliation`: the latest sweeper runs that found something, newest
/// first (`limit`, 1 to 100, default 20).
pub async fn get_reconciliation(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    require_admin(&request)?;
    let limit = limit_query(&request, DEFAULT_REPORTS)?;
    let reports = services.operations.latest_sweeps(limit).await?;
    Ok(ApiResponse::ok(&Reports { reports }))
}

/// `GET /admin/notifications?recipient=…`: the notifications written for one shopper (a
/// user id) or for `operators`, newest first, a page at a time (`limit`, 1 to 100,
/// default 20; `cursor` from the previous page).
pub async fn list_notifications(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    require_admin(&request)?;
    let (page, params) = page_query(&request, &["recipient"])?;
    let recipient = match params.as_slice() {
        [(_, recipient)] if recipient == OPERATORS || UserId::parse(recipient).is_ok() => recipient,
        [_] => {
            return Err(ApiError::malformed(
                "recipient",
                "must be a user id or `operators`",
            ))
        }
        [] => return Err(ApiError::malformed("recipient", "is required")),
        _ => return Err(ApiError::malformed("recipient", "give one recipient")),
    };
    let notifications = services
        .notifications
        .notifications_for(recipient, &page)
        .await?;
    Ok(ApiResponse::ok(&notifications))
}

/// `GET /admin/dead-letters`: parked events, oldest first, a page at a time (`limit`,
/// 1 to 100, default 20; `cursor` from the previous page).
pub async fn list_dead_letters(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    require_admin(&request)?;
    let (page, _) = page_query(&request, &[])?;
    let letters = services.dead_letters.list(&page).await?;
    Ok(ApiResponse::ok(&letters))
}

/// `POST /admin/dead-letters/{letterId}/redrive`: takes the letter out of the dead
/// letters and delivers its event to its consumer again; answers with the letter as it
/// was parked. Should the consumer fail again, the event is parked again, under a new id.
pub async fn redrive_dead_letter(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let admin = require_admin(&request)?;
    let id = letter_id(&request)?;
    let letter = services
        .dead_letters
        .redrive(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no dead letter {id}")))?;
    tracing::info!(
        letter_id = %letter.id,
        consumer = %letter.consumer,
        admin = %admin.id,
        "dead letter redriven"
    );
    Ok(ApiResponse::ok(&letter))
}

/// The `letterId` path parameter: letters, digits, `.`, `_`, `:` and `-`.
fn letter_id(request: &ApiRequest) -> Result<String, ApiError> {
    let raw = request
        .path_params
        .get("letterId")
        .ok_or_else(|| ApiError::malformed("letterId", "is missing from the path"))?;
    let well_formed = !raw.is_empty()
        && raw.len() <= MAX_LETTER_ID
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'));
    if well_formed {
        Ok(raw.clone())
    } else {
        Err(ApiError::malformed(
            "letterId",
            "is not a dead letter id (letters, digits, '.', '_', ':' and '-')",
        ))
    }
}
