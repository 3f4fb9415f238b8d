//! The store contract suites: what every adapter of a port must do, written once
//! against the port's trait. Each check takes a fresh, empty store and panics with the
//! broken promise; a test file runs every check against every adapter.

pub mod cart;
pub mod catalog;
pub mod idempotency;
pub mod inventory;
pub mod orders;
pub mod payments;
