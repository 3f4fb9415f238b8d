//! The local shop: every operation of `api/openapi.yaml` mounted on one HTTP server, with
//! the embedded (SQLite) adapters and the same handlers the Lambdas call.

pub mod aws;
mod caches;
mod config;
mod connections;
pub mod demo;
mod error;
pub mod gateway;
mod hyper_refusals;
mod limits;
mod metrics;
mod responses;
mod saga_steps;
mod server;
mod shop;
mod storefront;
pub mod telemetry;
mod webhooks;
pub mod workflow;

pub use config::{
    DataLocation, LocalConfig, TokenConfig, DEV_JWT_SECRET, DEV_MAIL_SENDER, DEV_OPERATORS_EMAIL,
    DEV_WEBHOOK_SECRET, READ_TIMEOUT,
};
pub use error::StartError;
pub use limits::{MAX_HEADER_BYTES, MAX_HEADER_FIELDS, MAX_TARGET_BYTES};
pub use saga_steps::{Fault, FaultInjector};
pub use server::{start, start_with, RunningShop};
pub use shop::{build_shop, LocalShop, ServicesWrapper, TestHooks, WorkflowWrapper};
