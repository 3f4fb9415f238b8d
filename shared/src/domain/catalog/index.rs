//! The search index port: what holds the catalog's listings for search, and the
//! completions it offers.

use time::OffsetDateTime;

use super::category::Category;
use super::listing::Listing;
use super::search::{ProductPage, ProductQuery};
use crate::domain::ids::ProductId;

/// A completion of what a shopper is typing.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    /// What to show and search for.
    pub text: String,
    pub kind: SuggestionKind,
    /// The product or category it names; absent for a brand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// What a suggestion names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuggestionKind {
    Product,
    Brand,
    Category,
}

/// Why the index could not answer or change.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the search index failed: {0}")]
pub struct IndexError(pub String);

/// The catalog as search reads it: full text with typo tolerance, filters, facets and
/// sorts, and completions. It holds listings, not the catalog: callers rebuild it from
/// the stores and keep it fresh with each product's changes.
pub trait SearchIndex: Send + Sync {
    /// Replaces everything it holds with `listings`, as of `now`.
    fn rebuild(&self, listings: Vec<Listing>, now: OffsetDateTime) -> Result<(), IndexError>;

    /// Adds or replaces the listing of one product; one no longer shown
    /// ([`Listing::is_shown`]) is taken out.
    fn upsert(&self, listing: Listing) -> Result<(), IndexError>;

    /// Takes the product `id` out, if it is held.
    fn remove(&self, id: &ProductId) -> Result<(), IndexError>;

    /// The listing it holds of the product `id`, if it holds one.
    fn listing(&self, id: &ProductId) -> Result<Option<Listing>, IndexError>;

    /// Everything it holds, as bytes that [`SearchIndex::restore`] reads back; refused
    /// before it was ever built.
    fn snapshot(&self) -> Result<Vec<u8>, IndexError>;

    /// Replaces everything it holds with a [`SearchIndex::snapshot`] of an index (this
    /// one's or another process's); what it held stays when the snapshot is refused.
    fn restore(&self, snapshot: &[u8]) -> Result<(), IndexError>;

    /// One page of what `query` finds at the prices of `now`, with facet counts and, when
    /// nothing matches but a close spelling would, what to search for instead.
    fn search(
        &self,
        query: &ProductQuery,
        categories: &[Category],
        now: OffsetDateTime,
    ) -> Result<ProductPage, IndexError>;

    /// Up to `limit` completions of `prefix`: brands, categories and products.
    fn suggest(
        &self,
        prefix: &str,
        categories: &[Category],
        limit: usize,
    ) -> Result<Vec<Suggestion>, IndexError>;

    /// When what it holds was last built from the stores (a snapshot's, once restored);
    /// `None` before it was ever built.
    fn built_at(&self) -> Option<OffsetDateTime>;
}
