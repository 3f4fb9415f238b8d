//! The address books' store port.

use async_trait::async_trait;

use super::AddressBook;
use crate::domain::ids::UserId;
use crate::domain::store::StoreError;

/// Address books, one per shopper.
#[async_trait]
pub trait AddressBookStore: Send + Sync {
    /// `user`'s book, if one was ever stored.
    async fn address_book(&self, user: &UserId) -> Result<Option<AddressBook>, StoreError>;

    /// Writes `book`, whose version the caller has just incremented: version 1 creates it,
    /// any later version requires the stored version to be one less.
    /// [`StoreError::Conflict`] otherwise.
    async fn save(&self, book: &AddressBook) -> Result<(), StoreError>;
}
