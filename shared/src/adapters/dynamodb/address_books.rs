//! Address books in DynamoDB; the table design is in the [module docs](super).

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;

use super::error::written_or;
use super::item::{
    body, get, number, partition_key, previous_version, read_body, Item, BODY, VERSION,
};
use crate::domain::address_book::{AddressBook, AddressBookStore};
use crate::domain::ids::UserId;
use crate::domain::store::StoreError;

/// [`AddressBookStore`] on a DynamoDB table.
#[derive(Clone)]
pub struct DynamoAddressBooks {
    client: Client,
    table: String,
}

impl DynamoAddressBooks {
    /// The address books kept in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoAddressBooks {
            client,
            table: table.into(),
        }
    }
}

fn book_key(user: &UserId) -> Item {
    partition_key(format!("USER#{user}"))
}

#[async_trait]
impl AddressBookStore for DynamoAddressBooks {
    async fn address_book(&self, user: &UserId) -> Result<Option<AddressBook>, StoreError> {
        get(&self.client, &self.table, book_key(user))
            .await?
            .map(|item| read_body(&item))
            .transpose()
    }

    async fn save(&self, book: &AddressBook) -> Result<(), StoreError> {
        let mut item = book_key(&book.user_id);
        item.insert(VERSION.to_owned(), number(book.version));
        item.insert(BODY.to_owned(), body(book)?);
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        let request = if book.version == 1 {
            request.condition_expression("attribute_not_exists(pk)")
        } else {
            request
                .condition_expression("version = :previous")
                .set_expression_attribute_values(Some(previous_version(book.version)))
        };
        written_or(request.send().await, StoreError::Conflict)
    }
}
