//! Shared harness for Mambogo's cross-crate tests: the AWS emulator, the store contract
//! suites that every adapter of a port must pass, and what the end-to-end tests share.

pub mod aws_faults;
pub mod aws_shop;
pub mod checkout;
pub mod contract;
pub mod emulator;
pub mod events;
pub mod layers;
pub mod matrix;
pub mod metrics;
pub mod shop;
pub mod thread_subscriber;
pub mod throttling;
