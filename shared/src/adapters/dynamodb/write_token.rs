//! Write tokens: how a conditional write tells its own earlier effect from another's.
//!
//! The SDK sends a write again when its answer is lost (a timeout, a dropped
//! connection). If the first attempt was applied, the retry's condition now sees that
//! write and is refused: a put-if-absent finds the item, a version check finds the next
//! version. A write that leaves a token of its own on the item, and asks for the item
//! it was refused on, can tell that the refusal is its own effect.

use std::fmt::Debug;

use aws_sdk_dynamodb::error::SdkError;

use super::error::{written, WriteError};
use super::item::{text, Item};
use crate::domain::store::StoreError;

/// The attribute where a conditional write leaves its [`WriteToken`].
const WRITE_TOKEN: &str = "write_token";

/// A value made for one conditional write alone and left on the item it writes, so
/// that the write can recognise its own effect if the SDK sends it again after an
/// answer that never arrived (see [`written_once`]).
pub(super) struct WriteToken(String);

impl WriteToken {
    pub(super) fn new() -> Self {
        WriteToken(uuid::Uuid::new_v4().simple().to_string())
    }

    /// Puts the token on `item`, a whole item to put.
    pub(super) fn put_on(&self, item: &mut Item) {
        item.insert(WRITE_TOKEN.to_owned(), text(self.0.as_str()));
    }

    /// Whether `item` carries this token.
    fn is_on(&self, item: &Item) -> bool {
        item.get(WRITE_TOKEN)
            .and_then(|value| value.as_s().ok())
            .is_some_and(|value| *value == self.0)
    }
}

/// Whether a conditional write that leaves `token` on its item ([`WriteToken`])
/// happened. A refusal by an item that already carries `token` is this very write: it
/// was applied on an attempt whose answer was lost, and the SDK's retry found its own
/// effect. The write must ask for the refused item (`ALL_OLD`).
pub(super) fn written_once<O, E: WriteError, R: Debug>(
    outcome: Result<O, SdkError<E, R>>,
    token: &WriteToken,
) -> Result<bool, StoreError> {
    match outcome {
        Err(error)
            if error
                .as_service_error()
                .and_then(WriteError::refused_on)
                .is_some_and(|item| token.is_on(item)) =>
        {
            Ok(true)
        }
        outcome => written(outcome),
    }
}
