//! What the shop does: the use cases, each a function of the [`Services`] (the ports) and
//! its input, answering a [`ShopError`] when refused. Knows nothing of HTTP; the api
//! layer and the entry points call in here.
//!
//! - [`checkout`]: placing an order, and the saga's steps that pay for and confirm it.
//! - [`payments`]: the gateway's webhook, applied once.
//! - [`lifecycle`]: after checkout — cancel, process, ship, deliver, return, refund.
//! - [`settlement`]: giving back stock and money, once, for all of the above.
//! - [`flash_sales`]: a sale's holds, its waiting room and its purchase tokens.
//! - [`carts`], [`catalog`], [`orders`]: what shoppers and operators read and change.
//! - [`address_book`]: the addresses a signed-in shopper keeps for checkout.
//! - [`coupons`]: the codes that take money off, and their redemptions.
//! - [`reviews`]: what shoppers who received a product say of it, and its rating.
//! - [`search`], [`index_handle`]: the search index, rebuilt and kept fresh, and what
//!   it answers.
//! - [`rate_limits`]: how many requests a buyer and an address may send.
//! - [`jobs`], [`consumers`]: the sweeper, and what acts on published events.

pub mod actor;
pub mod address_book;
pub mod carts;
pub mod catalog;
pub mod checkout;
pub mod consumers;
pub mod coupons;
pub mod error;
pub mod flash_sales;
pub mod index_handle;
pub mod indexing;
pub mod jobs;
pub mod lifecycle;
pub mod metrics;
pub mod orders;
pub mod payments;
pub mod rate_limits;
pub mod reviews;
pub mod search;
pub mod services;
pub mod settings;
pub mod settlement;

pub use actor::Actor;
pub use error::ShopError;
pub use services::Services;
