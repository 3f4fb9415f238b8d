//! Identifiers, validated once at the edge so the rest of the code can trust them.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

/// Why an identifier was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct IdError(&'static str);

impl IdError {
    /// The error of an identifier that breaks `rule`.
    pub(crate) fn new(rule: &'static str) -> Self {
        IdError(rule)
    }
}

fn is_slug_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

macro_rules! slug_id {
    ($(#[$doc:meta])* $name:ident, $max:expr, $rule:expr, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Validates `raw` as this kind of identifier.
            pub fn parse(raw: &str) -> Result<Self, IdError> {
                let check: fn(&str) -> bool = $check;
                if !raw.is_empty() && raw.len() <= $max && check(raw) {
                    Ok($name(raw.to_owned()))
                } else {
                    Err(IdError($rule))
                }
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                $name::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

slug_id!(
    /// A product's identifier, such as `prod_0042`.
    ProductId,
    64,
    "a product id is 1 to 64 letters, digits, '-' or '_'",
    |raw| raw.chars().all(is_slug_char)
);

slug_id!(
    /// A category's identifier, such as `audio-headphones`.
    CategoryId,
    64,
    "a category id is 1 to 64 lowercase letters, digits or '-'",
    |raw| raw.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
);

slug_id!(
    /// A stock keeping unit: the thing that is counted in inventory, such as `HP-0042-BLK`.
    Sku,
    64,
    "a SKU is 1 to 64 capital letters, digits or '-', starting with a letter or digit",
    |raw| raw.starts_with(|c: char| c.is_ascii_alphanumeric())
        && raw.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
);

slug_id!(
    /// A coupon's code as shoppers type it, kept in capitals: `SPRING-10`.
    CouponCode,
    32,
    "a coupon code is 1 to 32 capital letters, digits, '-' or '_'",
    |raw| raw.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_')
);

slug_id!(
    /// A signed-in user, as the identity provider's `sub` claim names them.
    UserId,
    128,
    "a user id is 1 to 128 letters, digits, '-', '_', '@', '.' or '|'",
    |raw| raw
        .chars()
        .all(|c| is_slug_char(c) || matches!(c, '@' | '.' | '|'))
);

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $rule:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Validates `raw` as a UUID in its hyphenated form.
            pub fn parse(raw: &str) -> Result<Self, IdError> {
                if raw.len() != 36 {
                    return Err(IdError($rule));
                }
                Uuid::parse_str(raw).map($name).map_err(|_| IdError($rule))
            }

            /// Wraps an already generated UUID.
            pub fn from_uuid(uuid: Uuid) -> Self {
                $name(uuid)
            }

            /// The UUID it wraps.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

uuid_id!(
    /// A cart's identifier; guests send it back in `X-Cart-Id`.
    CartId,
    "a cart id is a UUID such as 0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55"
);

uuid_id!(
    /// One line of a cart.
    CartItemId,
    "a cart item id is a UUID such as 0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55"
);

uuid_id!(
    /// An order; also the name of its checkout saga execution.
    OrderId,
    "an order id is a UUID such as 0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55"
);

uuid_id!(
    /// A flash sale.
    SaleId,
    "a sale id is a UUID such as 0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55"
);

uuid_id!(
    /// One address in a shopper's address book.
    AddressId,
    "an address id is a UUID such as 0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55"
);

uuid_id!(
    /// A shopper's review of a product.
    ReviewId,
    "a review id is a UUID such as 0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55"
);

uuid_id!(
    /// A buyer's place in a flash sale's waiting room.
    TicketId,
    "a ticket id is a UUID such as 0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55"
);

impl CouponCode {
    /// A code as a shopper or an operator typed it: in any case, spaces around it ignored.
    pub fn typed(raw: &str) -> Result<Self, IdError> {
        Self::parse(&raw.trim().to_ascii_uppercase())
    }
}

impl CartId {
    /// The one cart a signed-in user has: derived from their id, so that it can be found
    /// without an index and two first writes for the same user collide instead of forking.
    pub fn for_user(user: &UserId) -> Self {
        CartId(Uuid::new_v5(&USER_CART_NAMESPACE, user.as_str().as_bytes()))
    }
}

/// The UUIDv5 namespace of user cart ids.
const USER_CART_NAMESPACE: Uuid = Uuid::from_u128(0x6d61_6d62_6f67_4f00_8000_6361_7274_7300);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_ids_refuse_path_tricks_and_spaces() {
        assert!(ProductId::parse("prod_0042").is_ok());
        assert!(ProductId::parse("../etc").is_err());
        assert!(ProductId::parse("a b").is_err());
        assert!(ProductId::parse("").is_err());
        assert!(ProductId::parse(&"x".repeat(65)).is_err());
    }

    #[test]
    fn skus_are_capitals_digits_and_dashes() {
        assert!(Sku::parse("HP-0042-BLK").is_ok());
        assert!(Sku::parse("hp-0042").is_err());
        assert!(Sku::parse("-HP").is_err());
    }

    #[test]
    fn cart_ids_must_be_hyphenated_uuids() {
        assert!(CartId::parse("0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55").is_ok());
        assert!(CartId::parse("0b3c6c1e5f7a4d8e9a412f0c1d7e6b55").is_err());
        assert!(CartId::parse("not-a-cart").is_err());
    }

    #[test]
    fn a_user_always_gets_the_same_cart_id() {
        let alice = UserId::parse("alice").unwrap();
        let bob = UserId::parse("bob").unwrap();
        assert_eq!(CartId::for_user(&alice), CartId::for_user(&alice));
        assert_ne!(CartId::for_user(&alice), CartId::for_user(&bob));
    }
}
