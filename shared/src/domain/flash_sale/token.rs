//! Purchase tokens: proof that a buyer was admitted to a sale, as a JWT signed with the
//! shop's sale-token key (HS256). A token names its buyer, sale, ticket and its own id;
//! its expiry is checked against the shop's clock, not the system's, so that tests can
//! move time. The ticket it names must hold the same token id for it to buy anything.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::ids::{SaleId, TicketId, UserId};

/// The audience every purchase token carries, so that no other token of the shop's can
/// pass for one.
const AUDIENCE: &str = "mambogo-flash-sale";

/// What a purchase token says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseToken {
    /// The buyer.
    pub sub: UserId,
    pub sale: SaleId,
    pub ticket: TicketId,
    /// The token's own id, kept on the ticket.
    pub jti: Uuid,
    /// Expiry, in seconds since the epoch.
    pub exp: i64,
    aud: String,
}

/// Why a purchase token was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefused {
    #[error("the purchase token is not one this shop signed")]
    Forged,
    #[error("the purchase token has expired")]
    Expired,
    #[error("the purchase token belongs to another buyer")]
    OtherBuyer,
}

impl PurchaseToken {
    /// The token for `buyer`'s `ticket` in `sale`, with id `id`, valid until `expires_at`.
    pub fn new(
        buyer: UserId,
        sale: SaleId,
        ticket: TicketId,
        id: Uuid,
        expires_at: OffsetDateTime,
    ) -> Self {
        PurchaseToken {
            sub: buyer,
            sale,
            ticket,
            jti: id,
            exp: expires_at.unix_timestamp(),
            aud: AUDIENCE.to_owned(),
        }
    }

    /// The token signed with `key`.
    pub fn sign(&self, key: &[u8]) -> String {
        // Encoding claims this type builds with HS256 cannot fail.
        encode(
            &Header::new(Algorithm::HS256),
            self,
            &EncodingKey::from_secret(key),
        )
        .unwrap_or_default()
    }

    /// Reads `token`, checking its signature with `key`, that it is `buyer`'s and that
    /// it has not expired at `now`.
    pub fn verify(
        token: &str,
        key: &[u8],
        buyer: &UserId,
        now: OffsetDateTime,
    ) -> Result<Self, TokenRefused> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "aud", "sub"]);
        validation.set_audience(&[AUDIENCE]);
        let claims = decode::<PurchaseToken>(token, &DecodingKey::from_secret(key), &validation)
            .map_err(|_| TokenRefused::Forged)?
            .claims;
        if claims.sub != *buyer {
            return Err(TokenRefused::OtherBuyer);
        }
        if claims.exp <= now.unix_timestamp() {
            return Err(TokenRefused::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    fn token(exp: OffsetDateTime) -> PurchaseToken {
        PurchaseToken::new(
            UserId::parse("alice").unwrap(),
            SaleId::from_uuid(Uuid::from_u128(1)),
            TicketId::from_uuid(Uuid::from_u128(2)),
            Uuid::from_u128(3),
            exp,
        )
    }

    #[test]
    fn a_token_verifies_only_with_its_key_for_its_buyer_until_it_expires() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let alice = UserId::parse("alice").unwrap();
        let signed = token(now + Duration::seconds(60)).sign(b"key");
        assert_eq!(
            PurchaseToken::verify(&signed, b"key", &alice, now),
            Ok(token(now + Duration::seconds(60)))
        );
        assert_eq!(
            PurchaseToken::verify(&signed, b"other", &alice, now),
            Err(TokenRefused::Forged)
        );
        let bob = UserId::parse("bob").unwrap();
        assert_eq!(
            PurchaseToken::verify(&signed, b"key", &bob, now),
            Err(TokenRefused::OtherBuyer)
        );
        assert_eq!(
            PurchaseToken::verify(&signed, b"key", &alice, now + Duration::seconds(60)),
            Err(TokenRefused::Expired)
        );
        let mut tampered = signed.clone();
        tampered.insert(signed.len() / 2, 'x');
        assert_eq!(
            PurchaseToken::verify(&tampered, b"key", &alice, now),
            Err(TokenRefused::Forged)
        );
    }
}
