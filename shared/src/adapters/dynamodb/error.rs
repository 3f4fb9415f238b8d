//! Turning SDK failures into [`StoreError`]s, so that no AWS type leaves the adapter.

use std::collections::HashMap;
use std::error::Error;
use std::fmt::Debug;

use aws_sdk_dynamodb::error::{BuildError, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::adapters::aws_error::described;
use crate::domain::store::StoreError;

/// An item as the SDK hands it over.
type Item = HashMap<String, AttributeValue>;

/// A request that failed for a reason the caller can only retry later: throttling, a
/// service error, a connection that could not be made.
pub(super) fn unavailable<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: Error + ProvideErrorMetadata + 'static,
    R: Debug,
{
    StoreError::Unavailable(described("DynamoDB", &error))
}

/// A request the SDK refused to build; only a bug in this adapter gets here.
pub(super) fn invalid_request(error: BuildError) -> StoreError {
    StoreError::Unavailable(format!("invalid DynamoDB request: {error}"))
}

/// The error of a single-item write (PutItem, UpdateItem, DeleteItem) that may carry a
/// condition.
pub(super) trait WriteError: Error + ProvideErrorMetadata + 'static {
    /// The write's condition expression was false.
    fn condition_failed(&self) -> bool;

    /// The item the condition was false on, if the write asked for it
    /// (`ReturnValuesOnConditionCheckFailure`).
    fn refused_on(&self) -> Option<&Item>;

    /// A transaction was writing the item at the same time.
    fn transaction_conflict(&self) -> bool;
}

impl WriteError for PutItemError {
    fn condition_failed(&self) -> bool {
        self.is_conditional_check_failed_exception()
    }

    fn refused_on(&self) -> Option<&Item> {
        match self {
            PutItemError::ConditionalCheckFailedException(refusal) => refusal.item.as_ref(),
            _ => None,
        }
    }

    fn transaction_conflict(&self) -> bool {
        self.is_transaction_conflict_exception()
    }
}

impl WriteError for UpdateItemError {
    fn condition_failed(&self) -> bool {
        self.is_conditional_check_failed_exception()
    }

    fn refused_on(&self) -> Option<&Item> {
        match self {
            UpdateItemError::ConditionalCheckFailedException(refusal) => refusal.item.as_ref(),
            _ => None,
        }
    }

    fn transaction_conflict(&self) -> bool {
        self.is_transaction_conflict_exception()
    }
}

impl WriteError for DeleteItemError {
    fn condition_failed(&self) -> bool {
        self.is_conditional_check_failed_exception()
    }

    fn refused_on(&self) -> Option<&Item> {
        match self {
            DeleteItemError::ConditionalCheckFailedException(refusal) => refusal.item.as_ref(),
            _ => None,
        }
    }

    fn transaction_conflict(&self) -> bool {
        self.is_transaction_conflict_exception()
    }
}

/// Whether a conditional write happened: `Ok(false)` if its condition was false; any
/// other failure is [`unavailable`].
pub(super) fn written<O, E: WriteError, R: Debug>(
    outcome: Result<O, SdkError<E, R>>,
) -> Result<bool, StoreError> {
    Ok(written_output(outcome)?.is_some())
}

/// The answer to a conditional write that happened, `None` if its condition was false;
/// any other failure is [`unavailable`].
pub(super) fn written_output<O, E: WriteError, R: Debug>(
    outcome: Result<O, SdkError<E, R>>,
) -> Result<Option<O>, StoreError> {
    match outcome {
        Ok(output) => Ok(Some(output)),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(WriteError::condition_failed) =>
        {
            Ok(None)
        }
        Err(error) => Err(unavailable(error)),
    }
}

/// [`written`], except that a write a transaction got in the way of is
/// [`StoreError::Conflict`], to be tried again.
pub(super) fn written_unless_conflict<O, E: WriteError, R: Debug>(
    outcome: Result<O, SdkError<E, R>>,
) -> Result<bool, StoreError> {
    match outcome {
        Err(error)
            if error
                .as_service_error()
                .is_some_and(WriteError::transaction_conflict) =>
        {
            Err(StoreError::Conflict)
        }
        outcome => written(outcome),
    }
}

/// A conditional write that fails with `refusal` if its condition was false; any other
/// failure is [`unavailable`].
pub(super) fn written_or<O, E: WriteError, R: Debug>(
    outcome: Result<O, SdkError<E, R>>,
    refusal: StoreError,
) -> Result<(), StoreError> {
    if written(outcome)? {
        Ok(())
    } else {
        Err(refusal)
    }
}
