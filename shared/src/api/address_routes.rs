//! `/me/addresses`: the signed-in caller's address book. Translation only; the rules
//! (at most twenty, one default, no twins) are in [`crate::domain::address_book`].

use http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::request::from_body_value;
use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::{address_book, Services};
use crate::domain::address::{Address, AddressInput};
use crate::domain::address_book::{Added, AddressBook, SavedAddress};
use crate::domain::ids::{AddressId, UserId};

/// One address of the book as the API shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AddressView<'a> {
    address_id: AddressId,
    #[serde(flatten)]
    address: &'a Address,
    is_default: bool,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
}

impl<'a> From<&'a SavedAddress> for AddressView<'a> {
    fn from(saved: &'a SavedAddress) -> Self {
        AddressView {
            address_id: saved.id,
            address: &saved.address,
            is_default: saved.is_default,
            created_at: saved.created_at,
            updated_at: saved.updated_at,
        }
    }
}

/// The whole book as the API shows it.
#[derive(Serialize)]
struct BookView<'a> {
    addresses: Vec<AddressView<'a>>,
}

fn book_view(book: &AddressBook) -> ApiResponse {
    ApiResponse::ok(&BookView {
        addresses: book.addresses.iter().map(AddressView::from).collect(),
    })
}

/// The entry `id` of `book`, answered with `status`.
fn entry_view(
    book: &AddressBook,
    id: &AddressId,
    status: StatusCode,
) -> Result<ApiResponse, ApiError> {
    let saved = book
        .get(id)
        .ok_or_else(|| ApiError::Internal(format!("address {id} vanished from its book")))?;
    Ok(ApiResponse::json(status, &AddressView::from(saved))
        .with_header("location", &format!("/me/addresses/{id}")))
}

fn owner(request: &ApiRequest) -> Result<UserId, ApiError> {
    request
        .signed_in("keep addresses")
        .map(|user| user.id.clone())
}

/// The body of a POST or PUT: an address, and whether it becomes the default.
fn address_body(request: &ApiRequest) -> Result<(AddressInput, bool), ApiError> {
    let mut body: Map<String, Value> = request.json_body()?;
    let as_default = match body.remove("isDefault") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => flag,
        Some(_) => return Err(ApiError::malformed("isDefault", "must be true or false")),
    };
    Ok((from_body_value(Value::Object(body))?, as_default))
}

/// `GET /me/addresses`: the caller's addresses, oldest first.
pub async fn list_addresses(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let user = owner(&request)?;
    Ok(book_view(
        &address_book::address_book(services, &user).await?,
    ))
}

/// `POST /me/addresses`: adds an address (201), or answers the very same one already
/// there (200).
pub async fn add_address(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let user = owner(&request)?;
    let (input, as_default) = address_body(&request)?;
    let (book, added) = address_book::add_address(services, &user, &input, as_default).await?;
    match added {
        Added::New(id) => entry_view(&book, &id, StatusCode::CREATED),
        Added::Existing(id) => entry_view(&book, &id, StatusCode::OK),
    }
}

/// `PUT /me/addresses/{addressId}`: replaces one of the caller's addresses.
pub async fn update_address(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let user = owner(&request)?;
    let id = request.path_id("addressId", AddressId::parse)?;
    let (input, as_default) = address_body(&request)?;
    let book = address_book::replace_address(services, &user, &id, &input, as_default).await?;
    entry_view(&book, &id, StatusCode::OK)
}

/// `DELETE /me/addresses/{addressId}`: deletes one of the caller's addresses and
/// answers the book left.
pub async fn delete_address(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let user = owner(&request)?;
    let id = request.path_id("addressId", AddressId::parse)?;
    Ok(book_view(
        &address_book::remove_address(services, &user, &id).await?,
    ))
}
