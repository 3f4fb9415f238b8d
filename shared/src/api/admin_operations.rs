//! Operator routes for what runs behind the shop: the sweeper's reconciliation reports,
//! and the events consumers gave up on (dead letters), which an operator can send back
//! once the cause is fixed.

use serde::Serialize;

use super::admin_catalog::require_admin;
use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::Services;
use crate::domain::operations::SweepReport;
use crate::domain::store::PageRequest;

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
    let limit = limit(&request, DEFAULT_REPORTS)?;
    let reports = services.operations.latest_sweeps(limit).await?;
    Ok(ApiResponse::ok(&Reports { reports }))
}

/// `GET /admin/dead-letters`: parked events, oldest first, a page at a time (`limit`,
/// 1 to 100, default 20; `cursor` from the previous page).
pub async fn list_dead_letters(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    require_admin(&request)?;
    let page = PageRequest {
        cursor: query(&request, "cursor")
            .map(|cursor| {
                if cursor.is_empty() || cursor.len() > 1024 {
                    Err(ApiError::malformed(
                        "cursor",
                        "is not a cursor this listing handed out",
                    ))
                } else {
                    Ok(cursor.to_owned())
                }
            })
            .transpose()?,
        limit: limit(&request, PageRequest::DEFAULT_LIMIT)?,
    };
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

fn query<'a>(request: &'a ApiRequest, name: &str) -> Option<&'a str> {
    request
        .query
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// The `limit` query parameter: 1 to [`PageRequest::MAX_LIMIT`], `default` when absent.
fn limit(request: &ApiRequest, default: u32) -> Result<u32, ApiError> {
    match query(request, "limit") {
        None => Ok(default),
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|limit| (1..=PageRequest::MAX_LIMIT).contains(limit))
            .ok_or_else(|| {
                ApiError::malformed(
                    "limit",
                    format!(
                        "must be a whole number from 1 to {}",
                        PageRequest::MAX_LIMIT
                    ),
                )
            }),
    }
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
