//! The address-book store behind a function's grant on the `address-books` table.

use std::sync::Arc;

use async_trait::async_trait;

use super::TableGrant;
use crate::adapters::access::manifest::Access;
use crate::domain::address_book::{AddressBook, AddressBookStore};
use crate::domain::ids::UserId;
use crate::domain::store::StoreError;

/// An [`AddressBookStore`] that checks the function's grant before every call.
pub struct GuardedAddressBooks {
    inner: Arc<dyn AddressBookStore>,
    grant: TableGrant,
}

impl GuardedAddressBooks {
    /// `inner`, used within `grant`.
    pub fn new(inner: Arc<dyn AddressBookStore>, grant: TableGrant) -> Self {
        GuardedAddressBooks { inner, grant }
    }
}

#[async_trait]
impl AddressBookStore for GuardedAddressBooks {
    async fn address_book(&self, user: &UserId) -> Result<Option<AddressBook>, StoreError> {
        self.grant
            .call(Access::Read, "address_book", self.inner.address_book(user))
            .await
    }

    async fn save(&self, book: &AddressBook) -> Result<(), StoreError> {
        self.grant
            .call(Access::Write, "save", self.inner.save(book))
            .await
    }
}
