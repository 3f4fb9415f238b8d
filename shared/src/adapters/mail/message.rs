//! One [`Mail`] as the MIME message every mailer sends: plain text, UTF-8, with a
//! `Message-ID` made of the mail's reference so that a message sent again is the same
//! message.

use std::time::SystemTime;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::Message;

use crate::domain::mail::{Mail, MailError};

/// Who the shop's mail comes from: `Mambogo <orders@example.com>`, or a bare address.
#[derive(Clone, Debug)]
pub struct Sender(Mailbox);

impl Sender {
    /// `raw` as a sender; an error names what is wrong with it.
    pub fn parse(raw: &str) -> Result<Self, String> {
        raw.parse::<Mailbox>()
            .map(Sender)
            .map_err(|error| format!("`{raw}` is not a mail sender: {error}"))
    }

    /// The sender's address alone, as SES names the identity it sends from.
    pub fn address(&self) -> String {
        self.0.email.to_string()
    }
}

/// Whether `reference` may name a message: letters, digits, `.`, `_` and `-`, not
/// starting with a dot. It is the left of the `Message-ID` and a file's name locally.
fn usable_reference(reference: &str) -> bool {
    !reference.is_empty()
        && !reference.starts_with('.')
        && reference
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// `mail` from `sender`, formatted: the bytes of an RFC 5322 message.
pub(super) fn formatted(sender: &Sender, mail: &Mail) -> Result<Vec<u8>, MailError> {
    if !usable_reference(&mail.reference) {
        return Err(MailError::Refused(format!(
            "{:?} cannot name a message",
            mail.reference
        )));
    }
    let to = mail
        .to
        .as_str()
        .parse::<Mailbox>()
        .map_err(|error| MailError::Refused(format!("cannot write to {}: {error}", mail.to)))?;
    let message = Message::builder()
        .from(sender.0.clone())
        .to(to)
        .subject(mail.subject.as_str())
        .date(SystemTime::from(mail.at))
        .message_id(Some(format!(
            "<{}@{}>",
            mail.reference,
            sender.0.email.domain()
        )))
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|error| MailError::Refused(format!("cannot build the message: {error}")))?;
    Ok(message.formatted())
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::domain::mail::EmailAddress;

    #[test]
    fn a_mail_is_a_plain_text_message_with_a_stable_id() {
        let sender = Sender::parse("Mambogo <orders@example.com>").unwrap();
        assert_eq!(sender.address(), "orders@example.com");
        let mail = Mail {
            reference: "3f2a.OrderShipped".into(),
            to: EmailAddress::parse("alice@example.com").unwrap(),
            subject: "Your order is on its way".into(),
            body: "It left with UPS — tracking 1Z999.".into(),
            at: datetime!(2026-03-01 12:00:00 UTC),
        };
        let text = String::from_utf8(formatted(&sender, &mail).unwrap()).unwrap();
        for header in [
            "From: Mambogo <orders@example.com>\r\n",
            "To: alice@example.com\r\n",
            "Subject: Your order is on its way\r\n",
            "Message-ID: <3f2a.OrderShipped@example.com>\r\n",
            "Date: Sun, 01 Mar 2026 12:00:00 +0000\r\n",
            "Content-Type: text/plain; charset=utf-8\r\n",
        ] {
            assert!(text.contains(header), "{header:?} missing from\n{text}");
        }
        assert_eq!(formatted(&sender, &mail).unwrap(), text.as_bytes());
        assert!(Sender::parse("not a sender").is_err());
        for reference in ["", "../outside", ".hidden", "a/b", "a b"] {
            let named = Mail {
                reference: reference.into(),
                ..mail.clone()
            };
            assert!(
                matches!(formatted(&sender, &named), Err(MailError::Refused(_))),
                "{reference:?}"
            );
        }
    }
}
