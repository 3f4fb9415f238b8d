//! A signed-in shopper's address book: read it, add, replace and delete addresses, and
//! find the saved address a checkout names. Every change reads the book, changes it and
//! writes it back conditionally, starting over when another request wrote it in between.

use crate::application::error::ShopError;
use crate::application::Services;
use crate::domain::address::{Address, AddressInput};
use crate::domain::address_book::{Added, AddressBook, AddressBookError};
use crate::domain::ids::{AddressId, UserId};
use crate::domain::store::retry_on_conflict;

/// `input` checked as an address sent on its own: refused fields are named as sent.
fn checked(input: &AddressInput) -> Result<Address, ShopError> {
    input.check("").map_err(ShopError::Invalid)
}

/// `user`'s book; an empty one when they have never saved an address.
pub async fn address_book(services: &Services, user: &UserId) -> Result<AddressBook, ShopError> {
    Ok(services
        .address_books
        .address_book(user)
        .await?
        .unwrap_or_else(|| AddressBook::empty(user.clone())))
}

/// Reads, changes and conditionally writes `user`'s book, starting over when another
/// request wrote it in between. `change` answers what the caller is told besides the book.
async fn change_book<T, F>(
    services: &Services,
    user: &UserId,
    change: F,
) -> Result<(AddressBook, T), ShopError>
where
    F: Fn(&mut AddressBook) -> Result<T, ShopError>,
{
    retry_on_conflict(|| async {
        let mut book = address_book(services, user).await?;
        let outcome = change(&mut book)?;
        book.version += 1;
        services.address_books.save(&book).await?;
        Ok((book, outcome))
    })
    .await
    .map_err(|error: ShopError| error.busy_if_lost("the address book"))
}

/// Adds `input` to `user`'s book (the default if `as_default`, or if it is the first).
/// The very same address already there is answered instead of a twin.
pub async fn add_address(
    services: &Services,
    user: &UserId,
    input: &AddressInput,
    as_default: bool,
) -> Result<(AddressBook, Added), ShopError> {
    let address = checked(input)?;
    let new_id = AddressId::from_uuid(services.ids.next_uuid());
    change_book(services, user, |book| {
        Ok(book.add(new_id, address.clone(), as_default, services.clock.now())?)
    })
    .await
}

/// Replaces the address `id` of `user`'s book with `input`; `as_default` makes it the
/// default.
pub async fn replace_address(
    services: &Services,
    user: &UserId,
    id: &AddressId,
    input: &AddressInput,
    as_default: bool,
) -> Result<AddressBook, ShopError> {
    let address = checked(input)?;
    let (book, ()) = change_book(services, user, |book| {
        Ok(book.replace(id, address.clone(), as_default, services.clock.now())?)
    })
    .await?;
    Ok(book)
}

/// Deletes the address `id` from `user`'s book.
pub async fn remove_address(
    services: &Services,
    user: &UserId,
    id: &AddressId,
) -> Result<AddressBook, ShopError> {
    let (book, ()) = change_book(services, user, |book| {
        Ok(book.remove(id, services.clock.now())?)
    })
    .await?;
    Ok(book)
}

/// The address `id` of `user`'s book, as a checkout copies it onto the order.
pub async fn saved_address(
    services: &Services,
    user: &UserId,
    id: &AddressId,
) -> Result<Address, ShopError> {
    address_book(services, user)
        .await?
        .get(id)
        .map(|saved| saved.address.clone())
        .ok_or_else(|| AddressBookError::NoSuchAddress(*id).into())
}
