//! A product's rating: how many shown reviews it has and their stars in all, the two
//! counters a store keeps per product. The average is worked out when shown.

use std::collections::HashMap;

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::domain::ids::ProductId;

/// The ratings of the products that have one; a product missing has no reviews.
pub type Ratings = HashMap<ProductId, Rating>;

/// The counters of a product's shown reviews.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rating {
    /// Shown reviews.
    pub count: u64,
    /// Their stars, added up.
    pub stars: u64,
}

impl Rating {
    /// The rating of one review of `stars`.
    pub fn of_one(stars: u8) -> Self {
        Rating {
            count: 1,
            stars: u64::from(stars),
        }
    }

    /// How far the counters move when a review that counted `before` counts `after`:
    /// (reviews, stars), each -1..=1 and -5..=5.
    pub fn change(before: Rating, after: Rating) -> (i64, i64) {
        let signed = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        (
            signed(after.count) - signed(before.count),
            signed(after.stars) - signed(before.stars),
        )
    }

    /// The mean in thousandths of a star, rounded down; `None` without reviews.
    pub fn average_thousandths(&self) -> Option<u64> {
        (self.count > 0).then(|| self.stars.saturating_mul(1_000) / self.count)
    }

    /// The mean to one decimal, rounded half up (4.25 shows as 4.3); `None` without
    /// reviews.
    pub fn average(&self) -> Option<f64> {
        let twice = self.count.checked_mul(2).filter(|&twice| twice > 0)?;
        let tenths = (self.stars.saturating_mul(20).saturating_add(self.count)) / twice;
        Some(tenths as f64 / 10.0)
    }

    /// Whether the mean is at least `stars`, exactly.
    pub fn at_least(&self, stars: u8) -> bool {
        self.count > 0 && self.stars >= u64::from(stars).saturating_mul(self.count)
    }
}

impl Serialize for Rating {
    /// `{"average": 4.3, "count": 12}`; the average is `null` without reviews.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut shown = serializer.serialize_struct("Rating", 2)?;
        shown.serialize_field("average", &self.average())?;
        shown.serialize_field("count", &self.count)?;
        shown.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(count: u64, stars: u64) -> Rating {
        Rating { count, stars }
    }

    #[test]
    fn the_average_is_shown_to_a_tenth_rounded_half_up() {
        assert_eq!(rating(0, 0).average(), None);
        assert_eq!(rating(1, 5).average(), Some(5.0));
        assert_eq!(rating(4, 17).average(), Some(4.3));
        assert_eq!(rating(3, 13).average(), Some(4.3));
        assert_eq!(rating(3, 11).average(), Some(3.7));
        assert_eq!(rating(20, 29).average(), Some(1.5));
        assert_eq!(rating(3, 13).average_thousandths(), Some(4_333));
    }

    #[test]
    fn a_floor_compares_exactly() {
        assert!(rating(3, 12).at_least(4));
        assert!(!rating(3, 11).at_least(4));
        assert!(!rating(0, 0).at_least(1));
    }

    #[test]
    fn changes_are_the_difference_of_what_counted() {
        assert_eq!(Rating::change(Rating::default(), Rating::of_one(4)), (1, 4));
        assert_eq!(
            Rating::change(Rating::of_one(4), Rating::of_one(2)),
            (0, -2)
        );
        assert_eq!(
            Rating::change(Rating::of_one(4), Rating::default()),
            (-1, -4)
        );
    }

    #[test]
    fn it_serializes_with_a_null_average_when_unrated() {
        assert_eq!(
            serde_json::to_value(rating(4, 17)).unwrap(),
            serde_json::json!({"average": 4.3, "count": 4})
        );
        assert_eq!(
            serde_json::to_value(Rating::default()).unwrap(),
            serde_json::json!({"average": null, "count": 0})
        );
    }
}
