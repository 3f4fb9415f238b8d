//! The notification outbox and the operations log in SQLite: the local shop's
//! `operations` table set.

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};
use time::Duration;

use super::{from_json, to_json, unavailable, Cached, SqliteDb};
use crate::adapters::cursor::{
    nanos, notification_cursor, notification_id, notification_listing, page_of, sort_key, Cursor,
};
use crate::domain::operations::SweepReport;
use crate::domain::operations::{Notification, NotificationOutbox, OperationsLog};
use crate::domain::store::{Page, PageRequest, StoreError};

/// How long a sweep report is kept after its run, as DynamoDB's TTL keeps it.
const SWEEP_RETENTION: Duration = Duration::days(30);

/// [`NotificationOutbox`] and [`OperationsLog`] on SQLite.
#[derive(Clone)]
pub struct SqliteOperations {
    db: SqliteDb,
}

impl SqliteOperations {
    /// The notification and sweep report tables of `db`.
    pub fn new(db: SqliteDb) -> Self {
        SqliteOperations { db }
    }
}

#[async_trait]
impl NotificationOutbox for SqliteOperations {
    async fn record(&self, notification: &Notification) -> Result<bool, StoreError> {
        let notification = notification.clone();
        self.db
            .run(move |connection| {
                let sort_key = sort_key(
                    nanos(notification.created_at),
                    &notification_id(&notification),
                );
                let inserted = connection
                    .execute_cached(
                        "INSERT INTO notifications (event_id, kind, recipient, sort_key, body)
                         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (event_id, kind) DO NOTHING",
                        params![
                            notification.event_id,
                            notification.kind,
                            notification.recipient,
                            sort_key,
                            to_json(&notification)?
                        ],
                    )
                    .map_err(unavailable)?;
                Ok(inserted == 1)
            })
            .await
    }

    async fn kept(&self, notification: &Notification) -> Result<Option<Notification>, StoreError> {
        let (event_id, kind) = (notification.event_id.clone(), notification.kind.clone());
        self.db
            .read(move |connection| {
                let body: Option<String> = connection
                    .prepare_cached(
                        "SELECT body FROM notifications WHERE event_id = ?1 AND kind = ?2",
                    )
                    .and_then(|mut statement| {
                        statement
                            .query_row(params![event_id, kind], |row| row.get(0))
                            .optional()
                    })
                    .map_err(unavailable)?;
                body.as_deref().map(from_json).transpose()
            })
            .await
    }

    async fn save_delivery(&self, notification: &Notification) -> Result<bool, StoreError> {
        let notification = notification.clone();
        self.db
            .run(move |connection| {
                let updated = connection
                    .execute_cached(
                        "UPDATE notifications SET body = ?3 WHERE event_id = ?1 AND kind = ?2",
                        params![
                            notification.event_id,
                            notification.kind,
                            to_json(&notification)?
                        ],
                    )
                    .map_err(unavailable)?;
                Ok(updated == 1)
            })
            .await
    }

    async fn notifications_for(
        &self,
        recipient: &str,
        page: &PageRequest,
    ) -> Result<Page<Notification>, StoreError> {
        let listing = notification_listing(recipient);
        let before = Cursor::of_request(page.cursor.as_deref(), &listing)?
            .map(|cursor| sort_key(cursor.at, &cursor.id));
        let limit = page.bounded_limit() as usize;
        let recipient = recipient.to_owned();
        self.db
            .read(move |connection| {
                let mut statement = connection
                    .prepare_cached(
                        "SELECT body FROM notifications
                         WHERE recipient = ?1 AND (?2 IS NULL OR sort_key < ?2)
                         ORDER BY sort_key DESC LIMIT ?3",
                    )
                    .map_err(unavailable)?;
                let bodies = statement
                    .query_map(params![recipient, before, limit as i64 + 1], |row| {
                        row.get::<_, String>(0)
                    })
                    .map_err(unavailable)?;
                let mut notifications = Vec::new();
                for body in bodies {
                    notifications.push(from_json(&body.map_err(unavailable)?)?);
                }
                Ok(page_of(notifications, limit, |last| {
                    notification_cursor(&listing, last)
                }))
            })
            .await
    }
}

#[async_trait]
impl OperationsLog for SqliteOperations {
    async fn save_sweep(&self, report: &SweepReport) -> Result<(), StoreError> {
        let ran_at = nanos(report.ran_at);
        let expired = nanos(report.ran_at - SWEEP_RETENTION);
        let body = to_json(report)?;
        self.db
            .run(move |connection| {
                let tx = connection.savepoint().map_err(unavailable)?;
                tx.execute_cached(
                    "INSERT INTO sweep_reports (ran_at, body) VALUES (?1, ?2)
                     ON CONFLICT (ran_at) DO UPDATE SET body = excluded.body",
                    params![ran_at, body],
                )
                .map_err(unavailable)?;
                tx.execute_cached("DELETE FROM sweep_reports WHERE ran_at < ?1", [expired])
                    .map_err(unavailable)?;
                tx.commit().map_err(unavailable)
            })
            .await
    }

    async fn latest_sweeps(&self, limit: u32) -> Result<Vec<SweepReport>, StoreError> {
        let limit = PageRequest::first(limit).bounded_limit();
        self.db
            .read(move |connection| {
                let mut statement = connection
                    .prepare_cached("SELECT body FROM sweep_reports ORDER BY ran_at DESC LIMIT ?1")
                    .map_err(unavailable)?;
                let bodies = statement
                    .query_map([limit], |row| row.get::<_, String>(0))
                    .map_err(unavailable)?;
                let mut reports = Vec::new();
                for body in bodies {
                    reports.push(from_json(&body.map_err(unavailable)?)?);
                }
                Ok(reports)
            })
            .await
    }
}
