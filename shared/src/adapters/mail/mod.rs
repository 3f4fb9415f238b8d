//! The [`Mailer`](crate::domain::mail::Mailer) port's adapters. Both send the same MIME
//! message ([`message`]): SES v2 on AWS ([`ses`]), a `.eml` file per message in the
//! local shop ([`eml_files`]).

pub mod eml_files;
mod message;
pub mod ses;

pub use eml_files::EmlFiles;
pub use message::Sender;
pub use ses::SesMailer;
