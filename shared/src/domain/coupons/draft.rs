//! What an operator sends to create a coupon, and the checks it must pass.

use serde::Deserialize;
use time::OffsetDateTime;

use super::{AppliesTo, Coupon, Discount};
use crate::domain::ids::CouponCode;
use crate::domain::money::{Currency, Money};
use crate::domain::validation::Checks;

/// The most categories or SKUs a coupon may name.
const MAX_TARGETS: usize = 100;

/// A coupon as an operator asks for it.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CouponDraft {
    pub code: String,
    #[serde(default)]
    pub percent_off: Option<u32>,
    #[serde(default)]
    pub amount_off: Option<Money>,
    #[serde(default)]
    pub min_subtotal: Option<Money>,
    #[serde(default)]
    pub applies_to: Option<AppliesTo>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub starts_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub ends_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub max_redemptions: Option<u32>,
    #[serde(default)]
    pub per_customer_limit: Option<u32>,
}

impl CouponDraft {
    /// The coupon, active from `now`, or every field that is wrong; amounts must be in
    /// the shop's `currency`.
    pub fn into_coupon(
        self,
        currency: Currency,
        now: OffsetDateTime,
    ) -> Result<Coupon, Vec<crate::domain::validation::FieldError>> {
        let mut checks = Checks::default();
        let code = CouponCode::typed(&self.code);
        checks.require(
            code.is_ok(),
            "code",
            "must be 1 to 32 letters, digits, '-' or '_'",
        );
        let discount = match (self.percent_off, self.amount_off) {
            (Some(percent), None) => {
                checks.require(
                    (1..=100).contains(&percent),
                    "percentOff",
                    "must be 1 to 100",
                );
                u8::try_from(percent).ok().map(Discount::PercentOff)
            }
            (None, Some(amount)) => {
                checks.require(amount.amount > 0, "amountOff.amount", "must be above 0");
                checks.require(
                    amount.currency == currency,
                    "amountOff.currency",
                    format!("the shop sells in {currency}"),
                );
                Some(Discount::AmountOff(amount))
            }
            _ => {
                checks.require(
                    false,
                    "percentOff",
                    "send percentOff or amountOff, one of them",
                );
                None
            }
        };
        if let Some(minimum) = self.min_subtotal {
            checks.require(
                minimum.amount >= 0,
                "minSubtotal.amount",
                "must not be negative",
            );
            checks.require(
                minimum.currency == currency,
                "minSubtotal.currency",
                format!("the shop sells in {currency}"),
            );
        }
        if let Some(applies_to) = &self.applies_to {
            checks.require(
                !(applies_to.categories.is_empty() && applies_to.skus.is_empty()),
                "appliesTo",
                "name categories or SKUs, or leave appliesTo out to cover every line",
            );
            checks.require(
                applies_to.categories.len() + applies_to.skus.len() <= MAX_TARGETS,
                "appliesTo",
                format!("at most {MAX_TARGETS} categories and SKUs"),
            );
        }
        if let (Some(starts), Some(ends)) = (self.starts_at, self.ends_at) {
            checks.require(starts < ends, "endsAt", "must be after startsAt");
        }
        checks.require(
            self.max_redemptions != Some(0),
            "maxRedemptions",
            "must be at least 1",
        );
        checks.require(
            self.per_customer_limit != Some(0),
            "perCustomerLimit",
            "must be at least 1",
        );
        checks.finish()?;
        match (code, discount) {
            (Ok(code), Some(discount)) => Ok(Coupon {
                code,
                discount,
                min_subtotal: self.min_subtotal,
                applies_to: self.applies_to,
                starts_at: self.starts_at,
                ends_at: self.ends_at,
                max_redemptions: self.max_redemptions,
                per_customer_limit: self.per_customer_limit,
                active: true,
                created_at: now,
                updated_at: now,
            }),
            _ => Err(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(json: serde_json::Value) -> CouponDraft {
        serde_json::from_value(json).unwrap()
    }

    fn refused(json: serde_json::Value) -> Vec<String> {
        draft(json)
            .into_coupon(Currency::USD, OffsetDateTime::UNIX_EPOCH)
            .unwrap_err()
            .into_iter()
            .map(|error| error.field)
            .collect()
    }

    #[test]
    fn a_good_draft_becomes_an_active_coupon_with_its_code_in_capitals() {
        let coupon = draft(serde_json::json!({"code": " spring-10 ", "percentOff": 10}))
            .into_coupon(Currency::USD, OffsetDateTime::UNIX_EPOCH)
            .unwrap();
        assert_eq!(coupon.code.as_str(), "SPRING-10");
        assert_eq!(coupon.discount, Discount::PercentOff(10));
        assert!(coupon.active);
    }

    #[test]
    fn every_mistake_is_named() {
        assert_eq!(
            refused(serde_json::json!({
                "code": "no spaces", "percentOff": 101, "maxRedemptions": 0,
                "startsAt": "2030-01-02T00:00:00Z", "endsAt": "2030-01-01T00:00:00Z",
                "appliesTo": {}
            })),
            [
                "code",
                "percentOff",
                "appliesTo",
                "endsAt",
                "maxRedemptions"
            ]
        );
        assert_eq!(
            refused(serde_json::json!({"code": "BOTH", "percentOff": 5,
                "amountOff": {"amount": 100, "currency": "USD"}})),
            ["percentOff"]
        );
        assert_eq!(
            refused(serde_json::json!({"code": "EUR",
                "amountOff": {"amount": 0, "currency": "EUR"}})),
            ["amountOff.amount", "amountOff.currency"]
        );
    }
}
