//! The catalog in SQLite.

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};

use super::{from_json, to_json, unavailable, Cached, SqliteDb};
use crate::domain::catalog::CatalogStore;
use crate::domain::catalog::{Category, Product};
use crate::domain::ids::{ProductId, Sku};
use crate::domain::store::StoreError;

/// [`CatalogStore`] on SQLite.
#[derive(Clone)]
pub struct SqliteCatalog {
    db: SqliteDb,
}

impl SqliteCatalog {
    /// The catalog tables of `db`.
    pub fn new(db: SqliteDb) -> Self {
        SqliteCatalog { db }
    }
}

fn load(connection: &rusqlite::Connection, id: &str) -> Result<Option<Product>, StoreError> {
    connection
        .query_row_cached("SELECT body FROM products WHERE id = ?1", [id], |row| {
            row.get::<_, String>(0)
        })
        .optional()
        .map_err(unavailable)?
        .map(|body| from_json(&body))
        .transpose()
}

/// Every JSON body `query` selects, decoded.
fn every_body<T: serde::de::DeserializeOwned>(
    connection: &rusqlite::Connection,
    query: &str,
) -> Result<Vec<T>, StoreError> {
    let mut statement = connection.prepare_cached(query).map_err(unavailable)?;
    let bodies = statement
        .query_map([], |row| row.get::<_, String>(0))
        .map_err(unavailable)?;
    let mut records = Vec::new();
    for body in bodies {
        records.push(from_json(&body.map_err(unavailable)?)?);
    }
    Ok(records)
}

/// Claims every SKU of `product` that it does not hold yet.
fn claim_skus(tx: &Connection, product: &Product) -> Result<(), StoreError> {
    for variant in &product.variants {
        let owner: Option<String> = tx
            .query_row_cached(
                "SELECT product_id FROM product_skus WHERE sku = ?1",
                [variant.sku.as_str()],
                |row| row.get(0),
            )
            .optional()
            .map_err(unavailable)?;
        match owner {
            Some(owner) if owner == product.id.as_str() => {}
            Some(_) => return Err(StoreError::SkuTaken(variant.sku.clone())),
            None => {
                tx.execute_cached(
                    "INSERT INTO product_skus (sku, product_id) VALUES (?1, ?2)",
                    params![variant.sku.as_str(), product.id.as_str()],
                )
                .map_err(unavailable)?;
            }
        }
    }
    Ok(())
}

#[async_trait]
impl CatalogStore for SqliteCatalog {
    async fn product(&self, id: &ProductId) -> Result<Option<Product>, StoreError> {
        let id = id.to_string();
        self.db.read(move |connection| load(connection, &id)).await
    }

    async fn products(&self, ids: &[ProductId]) -> Result<Vec<Product>, StoreError> {
        let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        self.db
            .read(move |connection| {
                let mut found = Vec::with_capacity(ids.len());
                for id in ids.iter().collect::<HashSet<_>>() {
                    found.extend(load(connection, id)?);
                }
                Ok(found)
            })
            .await
    }

    async fn product_by_sku(&self, sku: &Sku) -> Result<Option<Product>, StoreError> {
        let sku = sku.to_string();
        self.db
            .read(move |connection| {
                let owner: Option<String> = connection
                    .query_row_cached(
                        "SELECT product_id FROM product_skus WHERE sku = ?1",
                        [&sku],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(unavailable)?;
                match owner {
                    Some(id) => load(connection, &id),
                    None => Ok(None),
                }
            })
            .await
    }

    async fn all_products(&self) -> Result<Arc<Vec<Product>>, StoreError> {
        self.db
            .read(|connection| every_body(connection, "SELECT body FROM products").map(Arc::new))
            .await
    }

    async fn create_product(&self, product: &Product) -> Result<(), StoreError> {
        let product = product.clone();
        self.db
            .run(move |connection| {
                let tx = connection.savepoint().map_err(unavailable)?;
                let inserted = tx
                    .execute_cached(
                        "INSERT INTO products (id, version, body) VALUES (?1, ?2, ?3)
                         ON CONFLICT (id) DO NOTHING",
                        params![product.id.as_str(), product.version, to_json(&product)?],
                    )
                    .map_err(unavailable)?;
                if inserted == 0 {
                    return Err(StoreError::AlreadyExists);
                }
                claim_skus(&tx, &product)?;
                tx.commit().map_err(unavailable)
            })
            .await
    }

    async fn replace_product(
        &self,
        previous: &Product,
        product: &Product,
    ) -> Result<(), StoreError> {
        let product = product.clone();
        let dropped: Vec<String> = previous
            .variants
            .iter()
            .filter(|old| product.variant(&old.sku).is_none())
            .map(|old| old.sku.to_string())
            .collect();
        self.db
            .run(move |connection| {
                let tx = connection.savepoint().map_err(unavailable)?;
                let updated = tx
                    .execute_cached(
                        "UPDATE products SET version = ?2, body = ?3 WHERE id = ?1 AND version = ?4",
                        params![
                            product.id.as_str(),
                            product.version,
                            to_json(&product)?,
                            product.version.saturating_sub(1)
                        ],
                    )
                    .map_err(unavailable)?;
                if updated == 0 {
                    return Err(StoreError::Conflict);
                }
                for sku in &dropped {
                    tx.execute_cached(
                        "DELETE FROM product_skus WHERE sku = ?1 AND product_id = ?2",
                        params![sku, product.id.as_str()],
                    )
                    .map_err(unavailable)?;
                }
                claim_skus(&tx, &product)?;
                tx.commit().map_err(unavailable)
            })
            .await
    }

    async fn categories(&self) -> Result<Arc<Vec<Category>>, StoreError> {
        self.db
            .read(|connection| every_body(connection, "SELECT body FROM categories").map(Arc::new))
            .await
    }

    async fn put_category(&self, category: &Category) -> Result<(), StoreError> {
        let category = category.clone();
        self.db
            .run(move |connection| {
                connection
                    .execute_cached(
                        "INSERT INTO categories (id, body) VALUES (?1, ?2)
                         ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                        params![category.id.as_str(), to_json(&category)?],
                    )
                    .map_err(unavailable)?;
                Ok(())
            })
            .await
    }
}
