//! Purchase tokens: proof that a buyer was admitted to a sale, signed by the shop
//! ([`crate::domain::signed`]). A token names its buyer, sale, ticket and its own id. The
//! ticket it names must hold the same token id for it to buy anything.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::ids::{SaleId, TicketId, UserId};
use crate::domain::signed::{self, SignedClaims, TokenRefused};

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

impl SignedClaims for PurchaseToken {
    const NAME: &'static str = "purchase token";
    const AUDIENCE: &'static str = AUDIENCE;

    fn subject(&self) -> &UserId {
        &self.sub
    }

    fn expires_at(&self) -> i64 {
        self.exp
    }
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
        signed::sign(self, key)
    }

    /// Reads `token`, checking its signature with `key`, that it is `buyer`'s and that
    /// it has not expired at `now`.
    pub fn verify(
        token: &str,
        key: &[u8],
        buyer: &UserId,
        now: OffsetDateTime,
    ) -> Result<Self, TokenRefused> {
        signed::verify(token, key, buyer, now)
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
            Err(TokenRefused::Forged("purchase token"))
        );
        let bob = UserId::parse("bob").unwrap();
        assert_eq!(
            PurchaseToken::verify(&signed, b"key", &bob, now),
            Err(TokenRefused::OtherShopper("purchase token"))
        );
        assert_eq!(
            PurchaseToken::verify(&signed, b"key", &alice, now + Duration::seconds(60)),
            Err(TokenRefused::Expired("purchase token"))
        );
        let mut tampered = signed.clone();
        tampered.insert(signed.len() / 2, 'x');
        assert_eq!(
            PurchaseToken::verify(&tampered, b"key", &alice, now),
            Err(TokenRefused::Forged("purchase token"))
        );
    }
}
