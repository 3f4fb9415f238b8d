//! Mambogo's core, in four layers that only point down:
//!
//! 1. [`domain`] — money, ids, catalog, cart, inventory, orders, payments, events: the
//!    types and rules of the shop, and the ports (traits) they need. No AWS, no HTTP, no SQL.
//! 2. [`application`] — what the shop does with them: place an order, the checkout saga's
//!    steps, cancel and return, settle, sweep, consume events; and [`application::Services`],
//!    the bundle of ports every use case takes.
//! 3. [`api`] — translation only: an HTTP request becomes a call into the application, a
//!    typed error becomes problem+json.
//! 4. [`adapters`] — DynamoDB, EventBridge, Step Functions, SQS, the payment gateway's
//!    HTTP client; with features, the embedded SQLite stores and bus (`embedded`) and the
//!    mock payment gateway (`mock-gateway`).
//!
//! Start reading at [`application::checkout`]: placing an order and the saga that follows.

pub mod adapters;
pub mod api;
pub mod application;
pub mod domain;
