//! What a failed AWS call is told as: the service's error code and message when the
//! service answered, the SDK's account of the failure (a timeout, a dropped connection)
//! when it did not. Never the SDK's whole context, which carries the raw response into
//! order histories, events and answers to clients.

use std::error::Error;
use std::fmt::Debug;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// `error`, a failed call to `service`, in a line.
pub fn described<E, R>(service: &str, error: &SdkError<E, R>) -> String
where
    E: Error + ProvideErrorMetadata + 'static,
    R: Debug,
{
    match error.as_service_error() {
        Some(refusal) => format!(
            "{service} refused the request: {}: {}",
            refusal.code().unwrap_or("unknown error"),
            refusal.message().unwrap_or("no message")
        ),
        None => format!("{service} did not answer: {}", DisplayErrorContext(error)),
    }
}

/// A failed SQS call, as the stores report it.
pub(crate) fn sqs_unavailable<E, R>(error: SdkError<E, R>) -> crate::domain::store::StoreError
where
    E: Error + ProvideErrorMetadata + 'static,
    R: Debug,
{
    crate::domain::store::StoreError::Unavailable(described("SQS", &error))
}
