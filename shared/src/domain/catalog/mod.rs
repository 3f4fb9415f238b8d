//! The catalog: products with their variants (SKUs), categories in a tree, and search.

mod category;
mod product;
mod search;
mod store;

pub use category::{category_tree, descendants_of, Category, CategoryNode};
pub use product::{Availability, Product, ProductDraft, Variant, VariantDraft, MAX_VARIANTS};
pub use search::{
    search, BrandFacet, Facets, PriceRangeFacet, ProductPage, ProductQuery, ProductSort,
    ProductSummary, MAX_PAGE_SIZE,
};
pub use store::CatalogStore;
