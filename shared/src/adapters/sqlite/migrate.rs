//! Bringing a database file made by an earlier version up to the current schema: the
//! tables added since are created by the schema itself (it creates what is missing); the
//! columns added since are added here, and filled in from each record's JSON body.

use rusqlite::{params, Connection};

use super::{from_json, unavailable};
use crate::domain::orders::Order;
use crate::domain::payments::Payment;
use crate::domain::store::StoreError;

/// Columns added after their table was first released: table, column, declaration.
/// New files get them from the schema itself.
const ADDED_COLUMNS: [(&str, &str, &str); 8] = [
    ("orders", "status", "TEXT"),
    ("payments", "status", "TEXT"),
    ("payments", "updated_at", "INTEGER"),
    ("stock", "low_stock_threshold", "INTEGER"),
    ("stock", "shards", "INTEGER"),
    ("reservations", "takes", "TEXT"),
    ("reservations", "promisable", "INTEGER"),
    ("reservations", "drawn_from", "TEXT"),
];

/// Adds every column of [`ADDED_COLUMNS`] its table lacks, then fills in the listing
/// columns of rows written before they existed.
pub(super) fn add_missing_columns(connection: &Connection) -> Result<(), StoreError> {
    for (table, column, declaration) in ADDED_COLUMNS {
        let present: i64 = connection
            .query_row(
                "SELECT COUNT(*) FROM pragma_table_info(?1) WHERE name = ?2",
                params![table, column],
                |row| row.get(0),
            )
            .map_err(unavailable)?;
        if present == 0 {
            connection
                .execute_batch(&format!(
                    "ALTER TABLE {table} ADD COLUMN {column} {declaration}"
                ))
                .map_err(unavailable)?;
        }
    }
    fill_order_statuses(connection)?;
    fill_payment_statuses(connection)
}

/// The `(key, body)` of every row of `table` whose `column` is still NULL.
fn unfilled(
    connection: &Connection,
    table: &str,
    key: &str,
    column: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut statement = connection
        .prepare(&format!(
            "SELECT {key}, body FROM {table} WHERE {column} IS NULL"
        ))
        .map_err(unavailable)?;
    let rows = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(unavailable)?;
    rows.collect::<Result<_, _>>().map_err(unavailable)
}

fn fill_order_statuses(connection: &Connection) -> Result<(), StoreError> {
    for (id, body) in unfilled(connection, "orders", "id", "status")? {
        let order: Order = from_json(&body)?;
        connection
            .execute(
                "UPDATE orders SET status = ?2 WHERE id = ?1",
                params![id, order.status.to_string()],
            )
            .map_err(unavailable)?;
    }
    Ok(())
}

fn fill_payment_statuses(connection: &Connection) -> Result<(), StoreError> {
    for (id, body) in unfilled(connection, "payments", "order_id", "status")? {
        let payment: Payment = from_json(&body)?;
        connection
            .execute(
                "UPDATE payments SET status = ?2, updated_at = ?3 WHERE order_id = ?1",
                params![
                    id,
                    payment.status.as_str(),
                    payment.updated_at.unix_timestamp()
                ],
            )
            .map_err(unavailable)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::sqlite::{ScratchFolder, SqliteDb};

    /// The order and payment tables as the first release made them, one row in each.
    const FIRST_RELEASE: &str = "
        CREATE TABLE orders (id TEXT PRIMARY KEY, user_id TEXT NOT NULL,
            version INTEGER NOT NULL, created_at INTEGER NOT NULL, body TEXT NOT NULL);
        CREATE TABLE payments (order_id TEXT PRIMARY KEY, version INTEGER NOT NULL,
            body TEXT NOT NULL);
        CREATE TABLE stock (sku TEXT PRIMARY KEY, on_hand INTEGER NOT NULL,
            reserved INTEGER NOT NULL, available INTEGER NOT NULL, sold INTEGER NOT NULL,
            received INTEGER NOT NULL);
    ";

    #[test]
    fn an_older_file_gets_the_new_tables_and_the_new_columns_filled_in() {
        let folder = ScratchFolder::new();
        let path = folder.file("shop.db");
        let payment = r#"{"orderId":"0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55","amount":{"amount":100,"currency":"USD"},"paymentToken":"tok","status":"CAPTURED","updatedAt":"2030-01-01T00:00:10Z","version":3}"#;
        {
            let old = Connection::open(&path).unwrap();
            old.execute_batch(FIRST_RELEASE).unwrap();
            old.execute(
                "INSERT INTO payments (order_id, version, body) VALUES ('0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55', 3, ?1)",
                [payment],
            )
            .unwrap();
        }
        SqliteDb::open(&path).unwrap();
        let connection = Connection::open(&path).unwrap();
        let (status, updated_at): (String, i64) = connection
            .query_row("SELECT status, updated_at FROM payments", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .unwrap();
        assert_eq!((status.as_str(), updated_at), ("CAPTURED", 1_893_456_010));
        let threshold: Option<i64> = connection
            .query_row(
                "SELECT COUNT(*) FROM pragma_table_info('stock') WHERE name = 'low_stock_threshold'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(threshold, Some(1));
        let flash_sale_schema: i64 = connection
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('flash_sales',
                     'flash_sale_tickets', 'tickets_by_queue_key', 'tickets_by_token_expiry')",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(
            flash_sale_schema, 4,
            "the flash-sale tables and their indexes"
        );
    }
}
