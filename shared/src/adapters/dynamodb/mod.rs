//! The DynamoDB adapters: the same stores as [`super::sqlite`], on two tables. Every
//! record is kept as a JSON string in `body`, beside the attributes that keys,
//! conditions and indexes need.
//!
//! # Catalog table
//!
//! Partition key `pk` (S), sort key `sk` (S), on-demand billing.
//!
//! | Item         | `pk`              | `sk`       | Other attributes                          |
//! |--------------|-------------------|------------|-------------------------------------------|
//! | Product      | `PRODUCT#<id>`    | `PRODUCT`  | `kind` = `product`, `version` (N), `body` |
//! | SKU claim    | `SKU#<sku>`       | `SKU`      | `product_id` (S)                          |
//! | Category     | `CATEGORY#<id>`   | `CATEGORY` | `kind` = `category`, `body`               |
//!
//! Global secondary index `by_kind`: partition key `kind` (S), sort key `pk` (S),
//! projection ALL. Only products and categories carry `kind`, so the index lists exactly
//! them; like every GSI it is eventually consistent, while reads by key are consistent.
//!
//! A SKU claim item makes a SKU belong to one product. Creating a product puts it and
//! its claims in one transaction, each conditional on the item not existing yet;
//! replacing one puts it conditional on the previous version, re-puts its claims
//! conditional on being free or already its own, and deletes the claims of dropped SKUs
//! conditional on still being its own. A product has at most
//! [`MAX_VARIANTS`](crate::catalog::MAX_VARIANTS) SKUs, so a replacement stays far
//! below DynamoDB's 100 items per transaction.
//!
//! # Cart table
//!
//! Partition key `pk` (S) = the cart id, on-demand billing, TTL on `expires_at`.
//! Attributes: `version` (N), `expires_at` (N, epoch seconds), `body`. DynamoDB purges
//! expired carts only eventually, so reads and writes compare `expires_at` with `now`
//! themselves.

mod cart;
mod catalog;
mod error;
mod item;
mod transaction;

pub use cart::DynamoCarts;
pub use catalog::DynamoCatalog;
