//! The local shop: every operation of `api/openapi.yaml` mounted on one HTTP server, with
//! the embedded (SQLite) adapters and the same handlers the Lambdas call.

mod config;
mod server;
mod services;

pub use config::{DataLocation, LocalConfig, TokenConfig, DEV_JWT_SECRET};
pub use server::{start, RunningShop, StartError};
pub use services::local_services;
