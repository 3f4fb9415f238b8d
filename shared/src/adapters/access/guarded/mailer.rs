//! The mailer behind a function's `sendsMail` grant.

use std::sync::Arc;

use async_trait::async_trait;

use super::{refusal, traced};
use crate::domain::mail::{Mail, MailError, Mailer};

/// A [`Mailer`] that sends only for a function granted `sendsMail`.
pub struct GuardedMailer {
    inner: Arc<dyn Mailer>,
    function: String,
    sends_mail: bool,
}

impl GuardedMailer {
    /// `inner`, for `function`, which may send if `sends_mail`.
    pub fn new(inner: Arc<dyn Mailer>, function: &str, sends_mail: bool) -> Self {
        GuardedMailer {
            inner,
            function: function.to_owned(),
            sends_mail,
        }
    }
}

#[async_trait]
impl Mailer for GuardedMailer {
    async fn send(&self, mail: &Mail) -> Result<String, MailError> {
        if !self.sends_mail {
            return Err(MailError::NotGranted(refusal(&self.function, "send mail")));
        }
        traced("mail", "mail", "send", self.inner.send(mail)).await
    }
}
