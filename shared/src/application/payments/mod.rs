//! Payments after checkout asked for them: the gateway answers through its signed
//! webhook ([`webhook`]); the saga's steps authorize and capture
//! ([`crate::application::checkout`]); voids and refunds are settled in one place
//! ([`crate::application::settlement`]).

pub mod webhook;

pub use webhook::{receive_gateway_event, WebhookReceipt};
