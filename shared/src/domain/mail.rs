//! E-mail: the addresses the shop writes to, the messages it sends and the [`Mailer`]
//! port that sends them (SES on AWS, `.eml` files in the local shop).

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
use email_address::Options;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The longest address the shop keeps: SMTP's limit on a forward path (RFC 5321).
pub const MAX_EMAIL_LENGTH: usize = 254;

/// An e-mail address as RFC 5322 allows it, without a display name: `alice@example.com`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

/// A string that is not an e-mail address the shop can write to.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an e-mail address: {0}")]
pub struct BadEmailAddress(pub String);

impl EmailAddress {
    /// `raw` as an address: a local part, `@`, a domain of at least two labels; no display
    /// name, no domain literal, at most [`MAX_EMAIL_LENGTH`] characters.
    pub fn parse(raw: &str) -> Result<Self, BadEmailAddress> {
        if raw.len() > MAX_EMAIL_LENGTH {
            return Err(BadEmailAddress(format!(
                "longer than {MAX_EMAIL_LENGTH} characters"
            )));
        }
        let options = Options::default()
            .without_display_text()
            .without_domain_literal()
            .with_required_tld();
        email_address::EmailAddress::parse_with_options(raw, options)
            .map(|_| EmailAddress(raw.to_owned()))
            .map_err(|error| BadEmailAddress(error.to_string()))
    }

    /// The address as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for EmailAddress {
    type Err = BadEmailAddress;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        EmailAddress::parse(raw)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = BadEmailAddress;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        EmailAddress::parse(&raw)
    }
}

impl From<EmailAddress> for String {
    fn from(address: EmailAddress) -> String {
        address.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// One plain-text e-mail to one address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    /// What the message is, unique and stable: sending the same mail again names it the
    /// same (its `Message-ID`, and its file name locally). Letters, digits, `.`, `_`
    /// and `-`; mailers refuse any other.
    pub reference: String,
    pub to: EmailAddress,
    pub subject: String,
    pub body: String,
    /// The message's date.
    pub at: OffsetDateTime,
}

/// Why a mail was not sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// The mail service refused this message (a bad address, an unverified sender): the
    /// same message would be refused again.
    #[error("the mail service refused the message: {0}")]
    Refused(String),
    /// The mail service could not be reached or failed; sending again may work.
    #[error("the mail service is unavailable: {0}")]
    Unavailable(String),
    /// This deployment sends no mail (no sender is configured); the reason says so.
    #[error("{0}")]
    Off(String),
    /// The function may not send mail (`sendsMail` in `functions/manifest.json`).
    #[error("{0}")]
    NotGranted(String),
}

/// Sends e-mail.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends `mail` and answers the mail service's id for the message.
    async fn send(&self, mail: &Mail) -> Result<String, MailError>;
}

/// The mailer of a deployment configured with no sender: it sends nothing, and says so.
pub struct MailOff(pub String);

#[async_trait]
impl Mailer for MailOff {
    async fn send(&self, _mail: &Mail) -> Result<String, MailError> {
        Err(MailError::Off(self.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked() {
        for good in ["alice@example.com", "a.b+tag@mail.example.org"] {
            assert_eq!(EmailAddress::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "alice",
            "alice@localhost",
            "Alice <alice@example.com>",
            "alice@[127.0.0.1]",
            "alice@example.com\r\nBcc: eve@example.com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} was accepted");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(EmailAddress::parse(&long).is_err());
    }

    #[test]
    fn an_address_reads_back_from_json_only_when_valid() {
        let address: EmailAddress = serde_json::from_str("\"bob@example.com\"").unwrap();
        assert_eq!(
            serde_json::to_string(&address).unwrap(),
            "\"bob@example.com\""
        );
        assert!(serde_json::from_str::<EmailAddress>("\"bob\"").is_err());
    }
}
