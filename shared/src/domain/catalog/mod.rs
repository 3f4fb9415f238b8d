//! The catalog: products with their variants (SKUs), categories in a tree, and search:
//! the listings a search index holds and the results it answers.

mod category;
mod index;
mod listing;
mod product;
mod search;
mod snapshots;
mod store;

pub use category::{category_tree, check_parent, descendants_of, Category, CategoryNode};
pub use index::{IndexError, SearchIndex, Suggestion, SuggestionKind};
pub use listing::{Facts, Listing};
pub use product::{Availability, Product, ProductDraft, Variant, VariantDraft, MAX_VARIANTS};
pub use search::{
    results, BrandFacet, Facets, Hit, PriceRangeFacet, ProductPage, ProductQuery, ProductSort,
    ProductSummary, RatingFacet, SearchCursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_QUERY_TEXT,
};
pub use snapshots::{IndexSnapshots, SnapshotVersion};
pub use store::CatalogStore;
