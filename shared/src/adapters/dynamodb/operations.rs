//! The notification outbox and the operations log in DynamoDB; the table design is in
//! the [module docs](super).

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use time::Duration;

use super::error::{unavailable, written};
use super::item::{
    attributes, body, composite_key, get, number, read_body, read_number, text, Item, BODY,
    EXPIRES_AT,
};
use super::query::Listing;
use super::transaction::{put, try_transact, Cancelled, Names};
use crate::adapters::cursor::{
    nanos, notification_cursor, notification_id, notification_listing, page_of, sort_key, Cursor,
};
use crate::domain::operations::SweepReport;
use crate::domain::operations::{Notification, NotificationOutbox, OperationsLog};
use crate::domain::store::{retry_on_conflict, Page, PageRequest, StoreError};

/// The partition of sweep reports.
const SWEEP: &str = "SWEEP";
/// The sort key of the guard items that make a notification unique.
const NOTIFIED: &str = "NOTIFIED";
/// How long a sweep report is kept after its run (the table's TTL purges it).
const SWEEP_RETENTION: Duration = Duration::days(30);
/// The condition of every put that creates an item.
const NEW_ITEM: &str = "attribute_not_exists(pk)";
/// The guard item's attribute holding its notification's `created_at` (in nanoseconds),
/// which finds the notification in its recipient's listing.
const CREATED_AT: &str = "createdAt";

/// [`NotificationOutbox`] and [`OperationsLog`] on a DynamoDB table.
#[derive(Clone)]
pub struct DynamoOperations {
    client: Client,
    table: String,
}

impl DynamoOperations {
    /// The notifications and sweep reports kept in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoOperations {
            client,
            table: table.into(),
        }
    }
}

fn recipient_partition(recipient: &str) -> String {
    format!("NOTIFY#{recipient}")
}

fn notification_key(recipient: &str, at: i64, id: &str) -> Item {
    composite_key(recipient_partition(recipient), &sort_key(at, id))
}

/// The item that makes a notification of one event and kind unique.
fn guard_key(notification: &Notification) -> Item {
    composite_key(
        format!("NOTIFIED#{}", notification_id(notification)),
        NOTIFIED,
    )
}

/// The guard item of `notification`, which keeps where its listing item is.
fn guard(notification: &Notification) -> Item {
    let mut item = guard_key(notification);
    item.insert(
        CREATED_AT.to_owned(),
        number(nanos(notification.created_at)),
    );
    item
}

fn sweep_key(report: &SweepReport) -> Item {
    composite_key(SWEEP, &format!("{:020}", nanos(report.ran_at)))
}

#[async_trait]
impl NotificationOutbox for DynamoOperations {
    async fn record(&self, notification: &Notification) -> Result<bool, StoreError> {
        let mut item = notification_key(
            &notification.recipient,
            nanos(notification.created_at),
            &notification_id(notification),
        );
        item.insert(BODY.to_owned(), body(notification)?);
        // A concurrent record of it was writing (a conflict): send again to see who won.
        retry_on_conflict(|| async {
            let writes = vec![
                put(&self.table, guard(notification), NEW_ITEM, Item::new())?,
                put(&self.table, item.clone(), NEW_ITEM, Item::new())?,
            ];
            match try_transact(&self.client, writes).await {
                Ok(()) => Ok(true),
                // The guard, or the very same notification, is there: recorded before.
                Err(Cancelled::Refused(_)) => Ok(false),
                Err(Cancelled::Failed(error)) => Err(error),
            }
        })
        .await
    }

    async fn kept(&self, notification: &Notification) -> Result<Option<Notification>, StoreError> {
        let Some(guard) = get(&self.client, &self.table, guard_key(notification)).await? else {
            return Ok(None);
        };
        let created_at: i64 = read_number(&guard, CREATED_AT)?;
        let key = notification_key(
            &notification.recipient,
            created_at,
            &notification_id(notification),
        );
        get(&self.client, &self.table, key)
            .await?
            .as_ref()
            .map(read_body)
            .transpose()
    }

    async fn save_delivery(&self, notification: &Notification) -> Result<bool, StoreError> {
        let key = notification_key(
            &notification.recipient,
            nanos(notification.created_at),
            &notification_id(notification),
        );
        written(
            self.client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key))
                .update_expression("SET #body = :body")
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_names("#body", BODY)
                .expression_attribute_values(":body", body(notification)?)
                .send()
                .await,
        )
    }

    async fn notifications_for(
        &self,
        recipient: &str,
        page: &PageRequest,
    ) -> Result<Page<Notification>, StoreError> {
        let listing = notification_listing(recipient);
        let start_key = Cursor::of_request(page.cursor.as_deref(), &listing)?
            .map(|cursor| notification_key(recipient, cursor.at, &cursor.id));
        let limit = page.bounded_limit() as usize;
        let items = Listing {
            table: &self.table,
            index: None,
            key_condition: "pk = :pk",
            names: Names::new(),
            values: attributes([(":pk", text(recipient_partition(recipient)))]),
            forward: false,
            start_key,
        }
        .read(&self.client, limit + 1)
        .await?;
        let notifications = items
            .iter()
            .map(read_body)
            .collect::<Result<Vec<Notification>, _>>()?;
        Ok(page_of(notifications, limit, |last| {
            notification_cursor(&listing, last)
        }))
    }
}

#[async_trait]
impl OperationsLog for DynamoOperations {
    async fn save_sweep(&self, report: &SweepReport) -> Result<(), StoreError> {
        let mut item = sweep_key(report);
        item.insert(BODY.to_owned(), body(report)?);
        item.insert(
            EXPIRES_AT.to_owned(),
            number((report.ran_at + SWEEP_RETENTION).unix_timestamp()),
        );
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn latest_sweeps(&self, limit: u32) -> Result<Vec<SweepReport>, StoreError> {
        let limit = PageRequest::first(limit).bounded_limit() as usize;
        let items = Listing {
            table: &self.table,
            index: None,
            key_condition: "pk = :pk",
            names: Names::new(),
            values: attributes([(":pk", text(SWEEP))]),
            forward: false,
            start_key: None,
        }
        .read(&self.client, limit)
        .await?;
        items.iter().map(read_body).collect()
    }
}
