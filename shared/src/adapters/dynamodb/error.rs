//! Turning SDK failures into [`StoreError`]s, so that no AWS type leaves the adapter.

use std::error::Error;
use std::fmt::Debug;

use aws_sdk_dynamodb::error::{BuildError, DisplayErrorContext, SdkError};

use crate::ports::StoreError;

/// A request that failed for a reason the caller can only retry later: throttling, a
/// service error, a connection that could not be made.
pub(super) fn unavailable<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: Error + 'static,
    R: Debug,
{
    StoreError::Unavailable(DisplayErrorContext(&error).to_string())
}

/// A request the SDK refused to build; only a bug in this adapter gets here.
pub(super) fn invalid_request(error: BuildError) -> StoreError {
    StoreError::Unavailable(format!("invalid DynamoDB request: {error}"))
}
