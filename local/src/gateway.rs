//! The local shop's mock payment gateway: its ledger in the shop's SQLite, its webhooks
//! sent from this process and crossed off the ledger once accepted, so that a shop
//! restarted after a crash still knows the payments it made and sends the webhooks it
//! still owes.

use std::sync::Arc;

use mambogo::adapters::mock_gateway::{Answering, MockGateway, WebhookDelivery, WebhookSender};
use mambogo::adapters::sqlite::{SqliteDb, SqliteMockLedger};
use mambogo::domain::clock::{Clock, IdSource};
use mambogo::domain::store::StoreError;

/// The local shop's gateway.
pub type LocalGateway = MockGateway<SqliteMockLedger>;

/// The webhooks an earlier run of the shop owed and never had accepted.
pub struct OwedWebhooks {
    ledger: SqliteMockLedger,
    sender: Arc<WebhookSender>,
}

impl OwedWebhooks {
    /// Sends every owed webhook again, in the background as the gateway sends them;
    /// answers how many there were. The shop drops any it had handled already.
    pub async fn send(&self) -> Result<usize, StoreError> {
        let owed = self.ledger.due_webhooks(u32::MAX).await?;
        for webhook in &owed {
            self.sender.send_in_background(webhook);
        }
        Ok(owed.len())
    }
}

/// The gateway on `db`, signing its webhooks with `secret` and handing them to
/// `delivery`, and what it still owes from an earlier run.
pub fn local_gateway(
    db: &SqliteDb,
    delivery: Arc<dyn WebhookDelivery>,
    secret: &[u8],
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdSource>,
) -> (Arc<LocalGateway>, OwedWebhooks) {
    let ledger = SqliteMockLedger::new(db.clone());
    let sender = Arc::new(
        WebhookSender::new(delivery, secret.to_vec(), clock)
            .with_receipts(Arc::new(ledger.clone())),
    );
    let gateway = MockGateway::with_ledger(
        ledger.clone(),
        Answering::InBackground(Arc::clone(&sender)),
        ids,
    );
    (Arc::new(gateway), OwedWebhooks { ledger, sender })
}
