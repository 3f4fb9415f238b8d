//! What the shop does: the use cases, each a function of the [`Services`] (the ports) and
//! its input. Knows nothing of HTTP; the api layer and the entry points call in here.

pub mod checkout;
pub mod consumers;
pub mod jobs;
pub mod lifecycle;
pub mod services;
pub mod settings;

pub use services::Services;
