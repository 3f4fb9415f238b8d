//! The review store behind a function's grant on the `reviews` table.

use std::sync::Arc;

use async_trait::async_trait;

use super::TableGrant;
use crate::adapters::access::manifest::Access;
use crate::domain::ids::{ProductId, ReviewId, UserId};
use crate::domain::reviews::{Rating, Ratings, Review, ReviewSort, ReviewStore};
use crate::domain::store::{Page, PageRequest, StoreError};

/// A [`ReviewStore`] that checks the function's grant before every call.
pub struct GuardedReviews {
    inner: Arc<dyn ReviewStore>,
    grant: TableGrant,
}

impl GuardedReviews {
    /// `inner`, used within `grant`.
    pub fn new(inner: Arc<dyn ReviewStore>, grant: TableGrant) -> Self {
        GuardedReviews { inner, grant }
    }
}

#[async_trait]
impl ReviewStore for GuardedReviews {
    async fn add(&self, review: &Review) -> Result<(), StoreError> {
        self.grant
            .call(Access::Write, "add", self.inner.add(review))
            .await
    }

    async fn replace(&self, previous: &Review, review: &Review) -> Result<(), StoreError> {
        self.grant
            .call(
                Access::Write,
                "replace",
                self.inner.replace(previous, review),
            )
            .await
    }

    async fn review_by(
        &self,
        product: &ProductId,
        user: &UserId,
    ) -> Result<Option<Review>, StoreError> {
        self.grant
            .call(
                Access::Read,
                "review_by",
                self.inner.review_by(product, user),
            )
            .await
    }

    async fn review(&self, id: &ReviewId) -> Result<Option<Review>, StoreError> {
        self.grant
            .call(Access::Read, "review", self.inner.review(id))
            .await
    }

    async fn reviews(
        &self,
        product: &ProductId,
        sort: ReviewSort,
        page: &PageRequest,
    ) -> Result<Page<Review>, StoreError> {
        self.grant
            .call(
                Access::Read,
                "reviews",
                self.inner.reviews(product, sort, page),
            )
            .await
    }

    async fn rating(&self, product: &ProductId) -> Result<Rating, StoreError> {
        self.grant
            .call(Access::Read, "rating", self.inner.rating(product))
            .await
    }

    async fn all_ratings(&self) -> Result<Ratings, StoreError> {
        self.grant
            .call(Access::Read, "all_ratings", self.inner.all_ratings())
            .await
    }
}
