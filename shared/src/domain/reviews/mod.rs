//! Shoppers' reviews of the products they received, and each product's rating: the
//! count and star total of its shown reviews, which the store moves with every review
//! written, edited or hidden ([`ReviewStore`]), so an average never needs a scan.

mod rating;
mod store;

pub use rating::{Rating, Ratings};
pub use store::{ReviewSort, ReviewStore};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::ids::{ProductId, ReviewId, UserId};
use crate::domain::validation::{Checks, FieldError};

/// The longest title, in characters.
pub const MAX_TITLE: usize = 120;
/// The longest body, in characters.
pub const MAX_BODY: usize = 2_000;
/// The fewest and most stars a review gives.
pub const STARS: std::ops::RangeInclusive<u8> = 1..=5;

/// What a shopper writes, as sent: stars, and optional title and text. Text is kept as
/// given; it is never read as markup.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewDraft {
    pub rating: i64,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
}

/// A draft that passed its checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedReview {
    stars: u8,
    title: String,
    body: String,
}

impl ReviewDraft {
    /// The draft, or every field that is wrong.
    pub fn check(self) -> Result<CheckedReview, Vec<FieldError>> {
        let mut checks = Checks::default();
        let stars = u8::try_from(self.rating)
            .ok()
            .filter(|stars| STARS.contains(stars));
        checks.require(
            stars.is_some(),
            "rating",
            "must be a whole number of stars from 1 to 5",
        );
        checks.text_length(&self.title, 0, MAX_TITLE, "title");
        checks.text_length(&self.body, 0, MAX_BODY, "body");
        checks.finish()?;
        Ok(CheckedReview {
            stars: stars.unwrap_or(*STARS.start()),
            title: self.title,
            body: self.body,
        })
    }
}

/// One shopper's review of one product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    pub id: ReviewId,
    pub product_id: ProductId,
    pub user_id: UserId,
    /// 1 to 5.
    pub stars: u8,
    pub title: String,
    pub body: String,
    /// Hidden by an operator: not listed, and out of the product's rating.
    pub hidden: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// 1 when written, one more with every change.
    pub version: u64,
}

impl Review {
    /// `user`'s review `id` of `product`, written at `now`.
    pub fn write(
        id: ReviewId,
        product: ProductId,
        user: UserId,
        review: CheckedReview,
        now: OffsetDateTime,
    ) -> Self {
        Review {
            id,
            product_id: product,
            user_id: user,
            stars: review.stars,
            title: review.title,
            body: review.body,
            hidden: false,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    /// The review as its author rewrote it at `now`; hidden stays hidden.
    pub fn edited(&self, review: CheckedReview, now: OffsetDateTime) -> Self {
        Review {
            stars: review.stars,
            title: review.title,
            body: review.body,
            updated_at: now,
            version: self.version + 1,
            ..self.clone()
        }
    }

    /// The review as an operator hid it at `now`.
    pub fn hidden(&self, now: OffsetDateTime) -> Self {
        Review {
            hidden: true,
            updated_at: now,
            version: self.version + 1,
            ..self.clone()
        }
    }

    /// What the review adds to its product's rating: its stars while shown, nothing
    /// once hidden.
    pub fn counted(&self) -> Rating {
        if self.hidden {
            Rating::default()
        } else {
            Rating::of_one(self.stars)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(rating: i64, title: &str, body: &str) -> ReviewDraft {
        ReviewDraft {
            rating,
            title: title.to_owned(),
            body: body.to_owned(),
        }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|error| error.field).collect()
    }

    #[test]
    fn stars_are_one_to_five_and_texts_have_limits() {
        for rating in [1, 5] {
            assert!(draft(rating, "", "").check().is_ok());
        }
        for rating in [0, 6, -1, i64::MIN, i64::MAX, 256 + 3] {
            assert_eq!(
                fields(draft(rating, "", "").check().unwrap_err()),
                ["rating"]
            );
        }
        let title = "é".repeat(MAX_TITLE);
        let body = "x".repeat(MAX_BODY);
        assert!(draft(4, &title, &body).check().is_ok());
        let errors = draft(4, &format!("{title}e"), &format!("{body}x"))
            .check()
            .unwrap_err();
        assert_eq!(fields(errors), ["title", "body"]);
    }

    #[test]
    fn text_is_kept_as_given() {
        let checked = draft(3, "  <b>Loud</b> ", "a & b\n").check().unwrap();
        let review = Review::write(
            ReviewId::from_uuid(uuid::Uuid::nil()),
            ProductId::parse("prod_1").unwrap(),
            UserId::parse("alice").unwrap(),
            checked,
            OffsetDateTime::UNIX_EPOCH,
        );
        assert_eq!(
            (review.title.as_str(), review.body.as_str()),
            ("  <b>Loud</b> ", "a & b\n")
        );
    }

    #[test]
    fn a_hidden_review_counts_for_nothing_and_stays_hidden_when_edited() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let review = Review::write(
            ReviewId::from_uuid(uuid::Uuid::nil()),
            ProductId::parse("prod_1").unwrap(),
            UserId::parse("alice").unwrap(),
            draft(4, "", "").check().unwrap(),
            now,
        );
        assert_eq!(review.counted(), Rating::of_one(4));
        let hidden = review.hidden(now);
        assert_eq!((hidden.counted(), hidden.version), (Rating::default(), 2));
        let edited = hidden.edited(draft(5, "", "").check().unwrap(), now);
        assert!(edited.hidden);
        assert_eq!((edited.stars, edited.version), (5, 3));
    }
}
