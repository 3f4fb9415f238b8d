//! The shop's types and rules, and the ports they need from the outside world. Nothing
//! here knows of AWS, HTTP or SQL.

pub mod address;
pub mod address_book;
pub mod backoff;
pub mod cart;
pub mod catalog;
pub mod clock;
pub mod correlation;
pub mod coupons;
pub mod events;
pub mod flash_sale;
pub mod idempotency;
pub mod ids;
pub mod inventory;
pub mod journal;
pub mod mail;
pub mod money;
pub mod operations;
pub mod orders;
pub mod payments;
pub mod reviews;
pub mod signed;
pub mod store;
pub mod validation;
pub mod workflow;
