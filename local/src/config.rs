//! What the local shop is told at start.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use mambogo::api::auth::{TokenVerifier, VerifierKeys, DEV_AUDIENCE, DEV_ISSUER};
use mambogo::application::rate_limits::RateLimitSettings;
use mambogo::domain::mail::EmailAddress;

use crate::aws::AwsStack;

/// The secret the mock gateway signs its webhooks with when `MAMBOGO_WEBHOOK_SECRET` is
/// not set.
pub const DEV_WEBHOOK_SECRET: &str = "whsec_mambogo_local_development";

/// The HS256 secret of development tokens when `MAMBOGO_JWT_SECRET` is not set. It only
/// ever guards a shop on 127.0.0.1.
pub const DEV_JWT_SECRET: &str = "mambogo-local-development-secret";

/// Who the local shop's mail comes from.
pub const DEV_MAIL_SENDER: &str = "Mambogo <orders@example.com>";

/// Where the local shop mails the operators' notifications unless told otherwise.
pub const DEV_OPERATORS_EMAIL: &str = "operators@example.com";

/// How long a request's head may take to arrive, and then its body.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the shop keeps its data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataLocation {
    /// A SQLite file, kept across restarts.
    File(PathBuf),
    /// Memory only; gone when the shop stops.
    Memory,
}

/// How the shop checks bearer tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenConfig {
    /// HS256 with a shared secret (development tokens from `mambogo token`).
    SharedSecret(String),
    /// RS256 against a JWKS document, with the issuer and audience tokens must carry.
    KeySet {
        jwks_json: String,
        issuer: Option<String>,
        audience: Option<String>,
    },
}

/// Everything the local shop needs to start.
#[derive(Clone, Debug)]
pub struct LocalConfig {
    /// Where to listen; port 0 picks a free one.
    pub listen: SocketAddr,
    pub data: DataLocation,
    pub tokens: TokenConfig,
    /// Load the demo catalog when the catalog is empty.
    pub seed_demo: bool,
    /// The secret the mock gateway signs webhooks with, and the shop checks them with.
    pub webhook_secret: String,
    /// Scales the saga's Retry waits: 1.0 waits as Step Functions would, 0.0 retries at once.
    pub saga_retry_delay_scale: f64,
    /// The rate limits of the flash-sale and checkout routes.
    pub rate_limits: RateLimitSettings,
    /// How long a request's head may take to arrive, and then its body: a client that
    /// stops sending in between is answered 408 (a body) or disconnected (a head).
    pub read_timeout: Duration,
    /// The shop on this AWS stack's tables, bus, queues and webhook secret instead of
    /// `data` (which then keeps only the saga runner's executions and the mock gateway's
    /// ledger) and `webhook_secret` (which then only fills a secret the shop creates).
    pub aws: Option<AwsStack>,
    /// Where mail is delivered, as one `.eml` file per message; by default the folder
    /// `mail` beside the data file. A shop in memory writes none unless given one.
    pub mail_folder: Option<PathBuf>,
    /// Where the operators' notifications (low stock) are mailed; not mailed without.
    pub operators_email: Option<EmailAddress>,
}

impl LocalConfig {
    /// An in-memory shop on a free loopback port with the demo catalog, whose saga retries
    /// without waiting and whose routes have no rate limits (every client of a test or a
    /// benchmark is one address); for tests and benchmarks.
    pub fn ephemeral() -> Self {
        LocalConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data: DataLocation::Memory,
            tokens: TokenConfig::SharedSecret(DEV_JWT_SECRET.to_owned()),
            seed_demo: true,
            webhook_secret: DEV_WEBHOOK_SECRET.to_owned(),
            saga_retry_delay_scale: 0.0,
            rate_limits: RateLimitSettings {
                per_buyer: None,
                per_client: None,
            },
            read_timeout: READ_TIMEOUT,
            aws: None,
            mail_folder: None,
            operators_email: EmailAddress::parse(DEV_OPERATORS_EMAIL).ok(),
        }
    }

    /// The folder mail is written to, if any.
    pub fn mail_folder(&self) -> Option<PathBuf> {
        match (&self.mail_folder, &self.data) {
            (Some(folder), _) => Some(folder.clone()),
            (None, DataLocation::File(path)) => Some(path.with_file_name("mail")),
            (None, DataLocation::Memory) => None,
        }
    }
}

impl TokenConfig {
    /// The verifier for these settings.
    pub fn verifier(&self) -> Result<TokenVerifier, serde_json::Error> {
        Ok(match self {
            TokenConfig::SharedSecret(secret) => TokenVerifier::new(
                VerifierKeys::SharedSecret(secret.as_bytes().to_vec()),
                Some(DEV_ISSUER.to_owned()),
                Some(DEV_AUDIENCE.to_owned()),
            ),
            TokenConfig::KeySet {
                jwks_json,
                issuer,
                audience,
            } => TokenVerifier::new(
                TokenVerifier::parse_key_set(jwks_json)?,
                issuer.clone(),
                audience.clone(),
            ),
        })
    }
}
