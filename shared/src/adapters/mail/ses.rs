//! The mailer on Amazon SES (API v2 `SendEmail`), sending the raw MIME message.

use async_trait::async_trait;
use aws_sdk_sesv2::error::SdkError;
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use aws_sdk_sesv2::Client;

use super::message::{formatted, Sender};
use crate::adapters::aws_error::described;
use crate::domain::mail::{Mail, MailError, Mailer};

/// A [`Mailer`] on SES: from a verified identity, through a configuration set if one is
/// named (which keeps SES's sending events).
pub struct SesMailer {
    client: Client,
    sender: Sender,
    configuration_set: Option<String>,
}

impl SesMailer {
    /// Mail from `sender` (an address of a verified SES identity), tracked by
    /// `configuration_set`.
    pub fn new(client: Client, sender: Sender, configuration_set: Option<String>) -> Self {
        SesMailer {
            client,
            sender,
            configuration_set,
        }
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, mail: &Mail) -> Result<String, MailError> {
        let raw = RawMessage::builder()
            .data(Blob::new(formatted(&self.sender, mail)?))
            .build()
            .map_err(|error| MailError::Refused(format!("invalid SES request: {error}")))?;
        let output = self
            .client
            .send_email()
            .from_email_address(self.sender.address())
            .destination(
                Destination::builder()
                    .to_addresses(mail.to.as_str())
                    .build(),
            )
            .content(EmailContent::builder().raw(raw).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(refusal)?;
        output
            .message_id
            .ok_or_else(|| MailError::Unavailable("SES answered no MessageId".into()))
    }
}

/// What SES's refusal means for the message: a message SES rejects (a bad or, in the
/// sandbox, unverified address; an unverified sender) would be rejected again; the rest
/// (throttling, a paused account, no answer) may pass later.
fn refusal(error: SdkError<SendEmailError>) -> MailError {
    let permanent = error.as_service_error().is_some_and(|refusal| {
        matches!(
            refusal,
            SendEmailError::MessageRejected(_)
                | SendEmailError::MailFromDomainNotVerifiedException(_)
                | SendEmailError::BadRequestException(_)
                | SendEmailError::NotFoundException(_)
        )
    });
    let described = described("SES", &error);
    if permanent {
        MailError::Refused(described)
    } else {
        MailError::Unavailable(described)
    }
}
