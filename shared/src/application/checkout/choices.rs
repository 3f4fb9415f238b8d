//! What a checkout asks for besides the cart: the payment token and method, where the
//! order goes (an address sent with it, or one of the shopper's address book) and who is
//! billed. Checked together, so a 422 names every refused field at once.

use crate::application::address_book::saved_address;
use crate::application::error::ShopError;
use crate::application::Services;
use crate::domain::address::{Address, AddressInput};
use crate::domain::correlation::CorrelationId;
use crate::domain::ids::{AddressId, UserId};
use crate::domain::mail::EmailAddress;
use crate::domain::orders::CheckoutChoices;
use crate::domain::payments::PaymentMethod;
use crate::domain::validation::FieldError;

/// Where an order goes and who is billed, as a checkout or a quote sends them.
#[derive(Clone, Debug, Default)]
pub struct Destination {
    /// Where the order goes; this or `shipping_address_id` is required.
    pub shipping_address: Option<AddressInput>,
    /// An address of the shopper's address book to send the order to.
    pub shipping_address_id: Option<AddressId>,
    /// Who is billed, when not the shipping address.
    pub billing_address: Option<AddressInput>,
}

/// What a shopper asks of a checkout.
#[derive(Clone, Debug)]
pub struct CheckoutRequest {
    /// What ties the order's logs and events to the request that placed it.
    pub correlation_id: CorrelationId,
    /// Where the shopper is to hear about the order: the signed-in user's verified
    /// address, if their token had one.
    pub contact_email: Option<EmailAddress>,
    /// The payment method as the gateway's client library tokenized it.
    pub payment_token: String,
    pub payment_method: PaymentMethod,
    /// A flash sale's purchase token, for the sale's SKU at the sale price.
    pub purchase_token: Option<String>,
    /// A quote (`POST /checkout/quote`) whose totals the order is to be charged.
    pub quote_id: Option<String>,
    /// A coupon's code, as the shopper typed it.
    pub coupon_code: Option<String>,
    pub destination: Destination,
}

/// Whether `token` looks like a payment method the gateway's client library tokenized.
fn well_formed_token(token: &str) -> bool {
    token.starts_with("tok_")
        && (5..=64).contains(&token.len())
        && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The shipping and billing addresses `destination` names for `user`, a saved one copied
/// from their address book; what is wrong is added to `errors`.
pub(super) async fn addresses(
    services: &Services,
    user: &UserId,
    destination: &Destination,
    errors: &mut Vec<FieldError>,
) -> Result<Option<(Address, Option<Address>)>, ShopError> {
    let saved = match destination.shipping_address_id {
        Some(id) => Some(match saved_address(services, user, &id).await {
            Ok(address) => Ok(address),
            Err(ShopError::Missing(message)) => Err(FieldError::new("shippingAddressId", message)),
            Err(error) => return Err(error),
        }),
        None => None,
    };
    let mut check = |input: Option<&AddressInput>, field: &str| {
        input
            .map(|input| input.check(field))
            .and_then(|checked| checked.map_err(|refused| errors.extend(refused)).ok())
    };
    let sent = check(destination.shipping_address.as_ref(), "shippingAddress");
    let billing_address = check(destination.billing_address.as_ref(), "billingAddress");
    let shipping_address = match (destination.shipping_address.is_some(), saved) {
        (true, Some(_)) => {
            errors.push(FieldError::new(
                "shippingAddressId",
                "send shippingAddress or shippingAddressId, not both",
            ));
            None
        }
        (true, None) => sent,
        (false, Some(saved)) => saved.map_err(|error| errors.push(error)).ok(),
        (false, None) => {
            errors.push(FieldError::new(
                "shippingAddress",
                "is required (or shippingAddressId): where the order is sent",
            ));
            None
        }
    };
    Ok(shipping_address.map(|shipping| (shipping, billing_address)))
}

/// The request's shipping, billing and payment choices for `user`, checked.
pub(super) async fn choices(
    services: &Services,
    user: &UserId,
    request: &CheckoutRequest,
) -> Result<CheckoutChoices, ShopError> {
    let mut errors = Vec::new();
    if !well_formed_token(&request.payment_token) {
        errors.push(FieldError::new(
            "paymentToken",
            "must be a payment token such as tok_approve",
        ));
    }
    if request.purchase_token.is_some() && request.quote_id.is_some() {
        errors.push(FieldError::new(
            "quoteId",
            "a flash-sale checkout is priced by its purchase token; send no quote",
        ));
    }
    let addresses = addresses(services, user, &request.destination, &mut errors).await?;
    match addresses {
        Some((shipping_address, billing_address)) if errors.is_empty() => Ok(CheckoutChoices {
            shipping_address,
            billing_address,
            payment_method: request.payment_method,
        }),
        _ => Err(ShopError::Invalid(errors)),
    }
}
