//! The HTTP API as plain functions, translation only: a handler takes the
//! [`Services`](crate::application::Services) and an [`ApiRequest`], reads what the
//! request says, calls one use case of the [`application`](crate::application), and
//! returns an [`ApiResponse`] or an [`ApiError`] (the one place an error becomes a
//! status and a problem+json body). The Lambda entrypoints and the local server are two
//! thin callers of the same handlers.

pub mod address_routes;
pub mod admin_catalog;
pub mod admin_coupons;
pub mod admin_executions;
pub mod admin_flash_sales;
pub mod admin_inventory;
pub mod admin_operations;
pub mod admin_orders;
pub mod auth;
mod authenticate;
mod body_value;
pub mod cart_routes;
pub mod catalog_routes;
pub mod checkout_routes;
mod error;
pub mod flash_sale_routes;
mod idempotency;
pub mod operations;
pub mod order_routes;
mod product_query;
mod rate_limited;
mod request;
mod request_ids;
mod response;
pub mod review_routes;
pub mod route_table;
pub mod search_routes;
pub mod webhook_routes;

pub use authenticate::authenticate;
pub use error::ApiError;
pub use operations::{endpoint, log_request, respond, Endpoint, OPERATIONS};
pub use request::{ApiRequest, MAX_BODY_BYTES};
pub use request_ids::RequestIds;
pub use response::ApiResponse;
pub use route_table::{routes, AuthRequirement, Route, OPENAPI_YAML};
