//! Mambogo's core: the domain (money, catalog, cart), the ports it needs (stores,
//! clock, ids), the adapters behind those ports (embedded SQLite, DynamoDB) and the
//! HTTP handlers that the Lambda entrypoints and the local server both call.
//!
//! Start reading at [`api::operations`]: it names every route's handler.

pub mod access;
pub mod adapters;
pub mod api;
pub mod auth;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod clock;
pub mod config;
pub mod consumers;
pub mod demo;
pub mod events;
pub mod ids;
pub mod inventory;
pub mod jobs;
pub mod money;
pub mod orders;
pub mod payments;
pub mod ports;
pub mod validation;
pub mod workflow;
