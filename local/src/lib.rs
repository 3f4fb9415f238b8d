//! The local shop: every operation of `api/openapi.yaml` mounted on one HTTP server, with
//! the embedded (SQLite) adapters and the same handlers the Lambdas call.

mod config;
pub mod demo;
mod saga_glue;
mod server;
mod services;
pub mod workflow;

pub use config::{DataLocation, LocalConfig, TokenConfig, DEV_JWT_SECRET, DEV_WEBHOOK_SECRET};
pub use saga_glue::FaultInjector;
pub use server::{start, start_with, RunningShop, StartError};
pub use services::{build_shop, LocalShop, TestHooks};
