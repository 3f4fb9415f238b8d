//! How much a coupon takes off, and from which line: the discount is spread over the
//! lines it applies to in proportion to what they cost, so that each line knows what was
//! actually paid for it and a refund of that line gives back exactly that.

use super::{Coupon, CouponRefused, Discount};

/// One line as a coupon sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiscountedLine {
    /// What the line costs before the discount, in minor units.
    pub line_total: i64,
    /// Whether the coupon applies to it.
    pub eligible: bool,
}

/// What `coupon` takes off each of `lines`, in minor units, in their order.
///
/// The discount is figured on the subtotal of the eligible lines: a percentage rounded
/// half up, or the amount but at most that subtotal. It is then split over the eligible
/// lines in proportion to their totals, each share rounded down, and the minor units left
/// over go one each to the lines with the largest remainders (the earlier line on a tie).
/// No share exceeds its line's total, and the shares add up to the discount exactly.
pub fn spread_discount(
    coupon: &Coupon,
    lines: &[DiscountedLine],
) -> Result<Vec<i64>, CouponRefused> {
    let eligible_subtotal: i128 = lines
        .iter()
        .filter(|line| line.eligible)
        .map(|line| i128::from(line.line_total))
        .sum();
    if eligible_subtotal <= 0 {
        return Err(CouponRefused::NotApplicable);
    }
    if let Some(minimum) = coupon.min_subtotal {
        if eligible_subtotal < i128::from(minimum.amount) {
            return Err(CouponRefused::BelowMinimum(minimum.amount));
        }
    }
    let discount = match coupon.discount {
        Discount::PercentOff(percent) => (eligible_subtotal * i128::from(percent) + 50) / 100,
        Discount::AmountOff(amount) => i128::from(amount.amount).min(eligible_subtotal),
    };
    let mut shares: Vec<i128> = Vec::with_capacity(lines.len());
    let mut remainders: Vec<(i128, usize)> = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if !line.eligible {
            shares.push(0);
            continue;
        }
        let exact = discount * i128::from(line.line_total);
        shares.push(exact / eligible_subtotal);
        remainders.push((exact % eligible_subtotal, index));
    }
    let left_over = discount - shares.iter().sum::<i128>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, index) in remainders
        .into_iter()
        .take(usize::try_from(left_over).unwrap_or(0))
    {
        shares[index] += 1;
    }
    // Every share is at most its line's total, an i64.
    Ok(shares
        .into_iter()
        .map(|share| i64::try_from(share).unwrap_or(i64::MAX))
        .collect())
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;
    use crate::domain::ids::CouponCode;
    use crate::domain::money::{Currency, Money};

    fn coupon(discount: Discount, min_subtotal: Option<i64>) -> Coupon {
        Coupon {
            code: CouponCode::parse("TEST").unwrap(),
            discount,
            min_subtotal: min_subtotal.map(|amount| Money::new(amount, Currency::USD)),
            applies_to: None,
            starts_at: None,
            ends_at: None,
            max_redemptions: None,
            per_customer_limit: None,
            active: true,
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn lines(totals: &[(i64, bool)]) -> Vec<DiscountedLine> {
        totals
            .iter()
            .map(|&(line_total, eligible)| DiscountedLine {
                line_total,
                eligible,
            })
            .collect()
    }

    #[test]
    fn a_percentage_is_rounded_half_up_and_spread_in_proportion() {
        // 10 % of 1,005 is 100.5 → 101; split 1,000 : 5 it is 100.50 : 0.50, rounded down
        // 100 : 0, and the left-over unit goes to the larger remainder.
        let shares = spread_discount(
            &coupon(Discount::PercentOff(10), None),
            &lines(&[(1_000, true), (5, true), (700, false)]),
        )
        .unwrap();
        assert_eq!(shares, [100, 1, 0]);
        let shares = spread_discount(
            &coupon(Discount::PercentOff(10), None),
            &lines(&[(333, true), (333, true), (334, true)]),
        )
        .unwrap();
        assert_eq!(shares.iter().sum::<i64>(), 100);
        assert_eq!(shares, [33, 33, 34]);
    }

    #[test]
    fn an_amount_never_exceeds_what_the_lines_cost() {
        let shares = spread_discount(
            &coupon(Discount::AmountOff(Money::new(5_000, Currency::USD)), None),
            &lines(&[(1_200, true), (800, true), (999, false)]),
        )
        .unwrap();
        assert_eq!(shares, [1_200, 800, 0], "no line below zero");
        let shares = spread_discount(
            &coupon(Discount::AmountOff(Money::new(100, Currency::USD)), None),
            &lines(&[(1, true), (1, true), (1, true)]),
        )
        .unwrap();
        assert_eq!(shares, [1, 1, 1]);
        let shares = spread_discount(
            &coupon(Discount::AmountOff(Money::new(2, Currency::USD)), None),
            &lines(&[(1, true), (1, true), (1, true)]),
        )
        .unwrap();
        assert_eq!(
            shares,
            [1, 1, 0],
            "left-over units go to the earlier line on a tie"
        );
    }

    #[test]
    fn no_eligible_line_or_too_small_a_subtotal_is_refused() {
        let ten = coupon(Discount::PercentOff(10), Some(2_000));
        assert_eq!(
            spread_discount(&ten, &lines(&[(5_000, false)])),
            Err(CouponRefused::NotApplicable)
        );
        assert_eq!(
            spread_discount(&ten, &lines(&[(1_999, true), (5_000, false)])),
            Err(CouponRefused::BelowMinimum(2_000))
        );
    }
}
