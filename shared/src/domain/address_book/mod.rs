//! A signed-in shopper's address book: at most [`MAX_ADDRESSES`] addresses, exactly one
//! of them the default while there are any. The whole book is one record, so every change
//! (the limit and the single default included) is one conditional write.

mod store;

pub use store::AddressBookStore;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::address::Address;
use crate::domain::ids::{AddressId, UserId};

/// The most addresses one book keeps.
pub const MAX_ADDRESSES: usize = 20;

/// One address in a book.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedAddress {
    pub id: AddressId,
    pub address: Address,
    pub is_default: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Why a book refused a change.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressBookError {
    #[error("an address book keeps at most {MAX_ADDRESSES} addresses; delete one first")]
    Full,
    #[error("no address {0} in the address book")]
    NoSuchAddress(AddressId),
}

/// A shopper's addresses, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressBook {
    pub user_id: UserId,
    pub addresses: Vec<SavedAddress>,
    /// Incremented by every write; 0 for a book never stored. Stores refuse a write based
    /// on a stale version.
    pub version: u64,
}

/// What adding an address did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    /// A new entry, under this id.
    New(AddressId),
    /// The book already held the very same address, under this id: nothing changed
    /// (unless it was asked to become the default), so a retried add makes no twin.
    Existing(AddressId),
}

impl AddressBook {
    /// The empty book of `user_id`, not stored yet.
    pub fn empty(user_id: UserId) -> Self {
        AddressBook {
            user_id,
            addresses: Vec::new(),
            version: 0,
        }
    }

    /// The entry `id`.
    pub fn get(&self, id: &AddressId) -> Option<&SavedAddress> {
        self.addresses.iter().find(|saved| saved.id == *id)
    }

    /// The default entry; `None` only for an empty book.
    pub fn default_address(&self) -> Option<&SavedAddress> {
        self.addresses.iter().find(|saved| saved.is_default)
    }

    /// Adds `address` under `id`; the first address, or one added `as_default`, becomes
    /// the default. The very same address already in the book is not added twice.
    pub fn add(
        &mut self,
        id: AddressId,
        address: Address,
        as_default: bool,
        now: OffsetDateTime,
    ) -> Result<Added, AddressBookError> {
        if let Some(existing) = self.addresses.iter().find(|saved| saved.address == address) {
            let existing = existing.id;
            if as_default {
                self.make_default(&existing, now);
            }
            return Ok(Added::Existing(existing));
        }
        if self.addresses.len() >= MAX_ADDRESSES {
            return Err(AddressBookError::Full);
        }
        self.addresses.push(SavedAddress {
            id,
            address,
            is_default: false,
            created_at: now,
            updated_at: now,
        });
        if as_default || self.addresses.len() == 1 {
            self.make_default(&id, now);
        }
        Ok(Added::New(id))
    }

    /// Replaces the address of entry `id`; `as_default` makes it the default. A default
    /// stays the default until another is chosen or it is deleted: there is always one.
    pub fn replace(
        &mut self,
        id: &AddressId,
        address: Address,
        as_default: bool,
        now: OffsetDateTime,
    ) -> Result<(), AddressBookError> {
        let saved = self
            .addresses
            .iter_mut()
            .find(|saved| saved.id == *id)
            .ok_or(AddressBookError::NoSuchAddress(*id))?;
        saved.address = address;
        saved.updated_at = now;
        if as_default {
            self.make_default(id, now);
        }
        Ok(())
    }

    /// Deletes entry `id`; when it was the default, the oldest remaining one becomes it.
    pub fn remove(&mut self, id: &AddressId, now: OffsetDateTime) -> Result<(), AddressBookError> {
        let index = self
            .addresses
            .iter()
            .position(|saved| saved.id == *id)
            .ok_or(AddressBookError::NoSuchAddress(*id))?;
        let removed = self.addresses.remove(index);
        if removed.is_default {
            if let Some(oldest) = self.addresses.first().map(|saved| saved.id) {
                self.make_default(&oldest, now);
            }
        }
        Ok(())
    }

    fn make_default(&mut self, id: &AddressId, now: OffsetDateTime) {
        for saved in &mut self.addresses {
            let is_default = saved.id == *id;
            if saved.is_default != is_default {
                saved.is_default = is_default;
                saved.updated_at = now;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;
    use uuid::Uuid;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2030-01-01 00:00 UTC);

    fn address(line1: &str) -> Address {
        Address {
            name: "Alice Example".into(),
            line1: line1.into(),
            line2: None,
            city: "San Francisco".into(),
            region: Some("CA".into()),
            postal_code: "94105".into(),
            country: "US".into(),
        }
    }

    fn id(n: u128) -> AddressId {
        AddressId::from_uuid(Uuid::from_u128(n))
    }

    fn defaults(book: &AddressBook) -> Vec<AddressId> {
        book.addresses
            .iter()
            .filter(|saved| saved.is_default)
            .map(|saved| saved.id)
            .collect()
    }

    fn book() -> AddressBook {
        AddressBook::empty(UserId::parse("alice").unwrap())
    }

    #[test]
    fn the_first_address_is_the_default_until_another_is_chosen() {
        let mut book = book();
        assert_eq!(
            book.add(id(1), address("1 Main"), false, NOW),
            Ok(Added::New(id(1)))
        );
        book.add(id(2), address("2 Main"), false, NOW).unwrap();
        assert_eq!(defaults(&book), [id(1)]);
        book.add(id(3), address("3 Main"), true, NOW).unwrap();
        assert_eq!(defaults(&book), [id(3)]);
        book.replace(&id(2), address("2 High"), true, NOW).unwrap();
        assert_eq!(defaults(&book), [id(2)]);
        book.replace(&id(2), address("2 Low"), false, NOW).unwrap();
        assert_eq!(defaults(&book), [id(2)], "there is always one default");
    }

    #[test]
    fn deleting_the_default_makes_the_oldest_remaining_one_the_default() {
        let mut book = book();
        for n in 1..=3 {
            book.add(id(n), address(&format!("{n} Main")), n == 2, NOW)
                .unwrap();
        }
        book.remove(&id(2), NOW).unwrap();
        assert_eq!(defaults(&book), [id(1)]);
        book.remove(&id(1), NOW).unwrap();
        book.remove(&id(3), NOW).unwrap();
        assert!(book.addresses.is_empty());
        assert_eq!(
            book.remove(&id(3), NOW),
            Err(AddressBookError::NoSuchAddress(id(3)))
        );
    }

    #[test]
    fn a_book_holds_at_most_twenty_and_never_the_same_address_twice() {
        let mut book = book();
        for n in 1..=MAX_ADDRESSES as u128 {
            book.add(id(n), address(&format!("{n} Main")), false, NOW)
                .unwrap();
        }
        assert_eq!(
            book.add(id(99), address("99 Main"), false, NOW),
            Err(AddressBookError::Full)
        );
        assert_eq!(
            book.add(id(98), address("7 Main"), true, NOW),
            Ok(Added::Existing(id(7))),
            "the same address again is the entry already there"
        );
        assert_eq!(defaults(&book), [id(7)]);
        assert_eq!(book.addresses.len(), MAX_ADDRESSES);
    }
}
