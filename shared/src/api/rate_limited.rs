//! The rate limits of the flash-sale and checkout routes, counted once per request.

use super::{ApiError, ApiRequest};
use crate::application::Services;

/// Counts `request` against the limits of its buyer (when signed in) and its address;
/// 429 with `Retry-After` when either is over.
pub(super) fn count_request(services: &Services, request: &ApiRequest) -> Result<(), ApiError> {
    let buyer = request.caller.user().map(|user| &user.id);
    Ok(services.rate_limits.check(buyer, request.client_address)?)
}
