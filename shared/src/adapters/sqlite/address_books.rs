//! Address books in SQLite: one row per shopper.

use async_trait::async_trait;
use rusqlite::params;

use super::{select_body, to_json, unavailable, Cached, SqliteDb};
use crate::domain::address_book::{AddressBook, AddressBookStore};
use crate::domain::ids::UserId;
use crate::domain::store::StoreError;

/// [`AddressBookStore`] on SQLite.
#[derive(Clone)]
pub struct SqliteAddressBooks {
    db: SqliteDb,
}

impl SqliteAddressBooks {
    /// The address-book table of `db`.
    pub fn new(db: SqliteDb) -> Self {
        SqliteAddressBooks { db }
    }
}

#[async_trait]
impl AddressBookStore for SqliteAddressBooks {
    async fn address_book(&self, user: &UserId) -> Result<Option<AddressBook>, StoreError> {
        let user = user.to_string();
        self.db
            .read(move |connection| {
                select_body(
                    connection,
                    "SELECT body FROM address_books WHERE user_id = ?1",
                    [&user],
                )
            })
            .await
    }

    async fn save(&self, book: &AddressBook) -> Result<(), StoreError> {
        let (user, version, body) = (book.user_id.to_string(), book.version, to_json(book)?);
        self.db
            .run(move |connection| {
                let written = if version == 1 {
                    connection.execute_cached(
                        "INSERT INTO address_books (user_id, version, body) VALUES (?1, ?2, ?3)
                         ON CONFLICT (user_id) DO NOTHING",
                        params![user, version, body],
                    )
                } else {
                    connection.execute_cached(
                        "UPDATE address_books SET version = ?2, body = ?3
                         WHERE user_id = ?1 AND version = ?4",
                        params![user, version, body, version.saturating_sub(1)],
                    )
                }
                .map_err(unavailable)?;
                if written == 1 {
                    Ok(())
                } else {
                    Err(StoreError::Conflict)
                }
            })
            .await
    }
}
