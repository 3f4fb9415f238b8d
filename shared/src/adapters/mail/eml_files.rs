//! The local shop's mailer: each message a `.eml` file in a folder, named by its
//! reference, which any mail client opens. Sending a message again writes the same file.

use std::path::{Path, PathBuf};

use async_trait::async_trait;

use super::message::{formatted, Sender};
use crate::domain::mail::{Mail, MailError, Mailer};

/// A [`Mailer`] that writes `<reference>.eml` files into a folder.
pub struct EmlFiles {
    folder: PathBuf,
    sender: Sender,
}

impl EmlFiles {
    /// Mail from `sender`, written into `folder` (made when the first message is).
    pub fn new(folder: impl Into<PathBuf>, sender: Sender) -> Self {
        EmlFiles {
            folder: folder.into(),
            sender,
        }
    }

    /// Where the messages are written.
    pub fn folder(&self) -> &Path {
        &self.folder
    }
}

#[async_trait]
impl Mailer for EmlFiles {
    async fn send(&self, mail: &Mail) -> Result<String, MailError> {
        let bytes = formatted(&self.sender, mail)?;
        let name = format!("{}.eml", mail.reference);
        let path = self.folder.join(&name);
        // Written beside it and renamed over it: a reader never sees half a message.
        let partial = self.folder.join(format!(".{name}.partial"));
        let unwritable = |error: std::io::Error| {
            MailError::Unavailable(format!("cannot write {}: {error}", path.display()))
        };
        tokio::fs::create_dir_all(&self.folder)
            .await
            .map_err(unwritable)?;
        tokio::fs::write(&partial, bytes)
            .await
            .map_err(unwritable)?;
        tokio::fs::rename(&partial, &path)
            .await
            .map_err(unwritable)?;
        Ok(name)
    }
}
