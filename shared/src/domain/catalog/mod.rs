//! The catalog: products with their variants (SKUs), categories in a tree, and search.

mod category;
mod product;
mod search;
mod store;

pub use category::{category_tree, check_parent, descendants_of, Category, CategoryNode};
pub use product::{Availability, Product, ProductDraft, Variant, VariantDraft, MAX_VARIANTS};
pub use search::{
    search, BrandFacet, Facets, PriceRangeFacet, ProductPage, ProductQuery, ProductSort,
    ProductSummary, RatingFacet, SearchCursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_QUERY_TEXT,
};
pub use store::CatalogStore;
