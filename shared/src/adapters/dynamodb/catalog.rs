//! The catalog in DynamoDB; the table design is in the [module docs](super).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::KeysAndAttributes;
use aws_sdk_dynamodb::Client;
use serde::de::DeserializeOwned;

use super::error::{invalid_request, unavailable};
use super::item::{
    attributes, body, composite_key, get, number, previous_version, read_body, read_text, text,
    Item, BODY, VERSION,
};
use super::transaction::{delete, put, transact};
use crate::domain::catalog::CatalogStore;
use crate::domain::catalog::{Category, Product};
use crate::domain::ids::{CategoryId, ProductId, Sku};
use crate::domain::store::StoreError;

/// The index that lists every item of one `kind`.
const BY_KIND: &str = "by_kind";
const KIND: &str = "kind";
const PRODUCT_KIND: &str = "product";
const CATEGORY_KIND: &str = "category";
/// The attribute of a SKU claim naming the product that owns the SKU.
const PRODUCT_ID: &str = "product_id";
/// BatchGetItem reads at most this many keys per call.
const BATCH_GET_LIMIT: usize = 100;
/// How many calls a batch of keys gets before keys DynamoDB left unprocessed (under
/// load) make the read fail; throttled calls are already retried with backoff by the SDK.
const BATCH_GET_ATTEMPTS: usize = 5;

/// [`CatalogStore`] on a DynamoDB table.
#[derive(Clone)]
pub struct DynamoCatalog {
    client: Client,
    table: String,
}

fn product_key(id: &ProductId) -> Item {
    composite_key(format!("PRODUCT#{id}"), "PRODUCT")
}

fn sku_key(sku: &Sku) -> Item {
    composite_key(format!("SKU#{sku}"), "SKU")
}

fn category_key(id: &CategoryId) -> Item {
    composite_key(format!("CATEGORY#{id}"), "CATEGORY")
}

fn product_item(product: &Product) -> Result<Item, StoreError> {
    let mut item = product_key(&product.id);
    item.insert(KIND.to_owned(), text(PRODUCT_KIND));
    item.insert(VERSION.to_owned(), number(product.version));
    item.insert(BODY.to_owned(), body(product)?);
    Ok(item)
}

fn claim_item(sku: &Sku, owner: &ProductId) -> Item {
    let mut item = sku_key(sku);
    item.insert(PRODUCT_ID.to_owned(), text(owner.as_str()));
    item
}

/// The SKUs of `product`, each once, in the order of its variants.
fn skus(product: &Product) -> Vec<&Sku> {
    let mut seen = BTreeSet::new();
    product
        .variants
        .iter()
        .map(|variant| &variant.sku)
        .filter(|sku| seen.insert(*sku))
        .collect()
}

fn owner_is(product: &Product) -> Item {
    attributes([(":me", text(product.id.as_str()))])
}

impl DynamoCatalog {
    /// The catalog kept in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoCatalog {
            client,
            table: table.into(),
        }
    }

    /// Every record of `kind`, page after page of the `by_kind` index.
    async fn all_of_kind<T: DeserializeOwned>(&self, kind: &str) -> Result<Vec<T>, StoreError> {
        let mut records = Vec::new();
        let mut start_key = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(BY_KIND)
                .key_condition_expression("kind = :kind")
                .expression_attribute_values(":kind", text(kind))
                .set_exclusive_start_key(start_key)
                .send()
                .await
                .map_err(unavailable)?;
            for item in page.items.unwrap_or_default() {
                records.push(read_body(&item)?);
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start_key = Some(key),
                _ => return Ok(records),
            }
        }
    }

    /// The items at `keys` (at most [`BATCH_GET_LIMIT`]) that exist.
    async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        let request = KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .consistent_read(true)
            .build()
            .map_err(invalid_request)?;
        let mut pending = HashMap::from([(self.table.clone(), request)]);
        let mut found = Vec::new();
        for _ in 0..BATCH_GET_ATTEMPTS {
            let output = self
                .client
                .batch_get_item()
                .set_request_items(Some(pending))
                .send()
                .await
                .map_err(unavailable)?;
            if let Some(mut responses) = output.responses {
                found.extend(responses.remove(&self.table).unwrap_or_default());
            }
            match output.unprocessed_keys {
                Some(unprocessed) if !unprocessed.is_empty() => pending = unprocessed,
                _ => return Ok(found),
            }
        }
        Err(StoreError::Unavailable(format!(
            "DynamoDB left keys unprocessed after {BATCH_GET_ATTEMPTS} BatchGetItem calls"
        )))
    }
}

#[async_trait]
impl CatalogStore for DynamoCatalog {
    async fn product(&self, id: &ProductId) -> Result<Option<Product>, StoreError> {
        get(&self.client, &self.table, product_key(id))
            .await?
            .map(|item| read_body(&item))
            .transpose()
    }

    async fn products(&self, ids: &[ProductId]) -> Result<Vec<Product>, StoreError> {
        // BatchGetItem refuses a request that names the same key twice.
        let unique: Vec<&ProductId> = ids.iter().collect::<BTreeSet<_>>().into_iter().collect();
        let mut products = Vec::with_capacity(unique.len());
        for chunk in unique.chunks(BATCH_GET_LIMIT) {
            let keys = chunk.iter().map(|id| product_key(id)).collect();
            for item in self.batch_get(keys).await? {
                products.push(read_body(&item)?);
            }
        }
        Ok(products)
    }

    async fn product_by_sku(&self, sku: &Sku) -> Result<Option<Product>, StoreError> {
        let Some(claim) = get(&self.client, &self.table, sku_key(sku)).await? else {
            return Ok(None);
        };
        let owner = ProductId::parse(read_text(&claim, PRODUCT_ID)?).map_err(|error| {
            StoreError::Corrupt(format!("the claim of SKU {sku} names no product: {error}"))
        })?;
        self.product(&owner).await
    }

    async fn all_products(&self) -> Result<Arc<Vec<Product>>, StoreError> {
        self.all_of_kind(PRODUCT_KIND).await.map(Arc::new)
    }

    async fn create_product(&self, product: &Product) -> Result<(), StoreError> {
        let absent = "attribute_not_exists(pk)";
        let claimed = skus(product);
        let mut writes = vec![put(
            &self.table,
            product_item(product)?,
            absent,
            Item::new(),
        )?];
        for sku in &claimed {
            let claim = claim_item(sku, &product.id);
            writes.push(put(&self.table, claim, absent, Item::new())?);
        }
        transact(&self.client, writes, |position| match position {
            0 => StoreError::AlreadyExists,
            claim => claimed
                .get(claim - 1)
                .map(|sku| StoreError::SkuTaken((*sku).clone()))
                .unwrap_or(StoreError::Conflict),
        })
        .await
    }

    async fn replace_product(
        &self,
        previous: &Product,
        product: &Product,
    ) -> Result<(), StoreError> {
        let mut writes = vec![put(
            &self.table,
            product_item(product)?,
            "version = :previous",
            previous_version(product.version),
        )?];
        let claimed = skus(product);
        for sku in &claimed {
            writes.push(put(
                &self.table,
                claim_item(sku, &product.id),
                "attribute_not_exists(pk) OR product_id = :me",
                owner_is(product),
            )?);
        }
        for dropped in skus(previous)
            .into_iter()
            .filter(|sku| product.variant(sku).is_none())
        {
            writes.push(delete(
                &self.table,
                sku_key(dropped),
                "product_id = :me",
                owner_is(product),
            )?);
        }
        // The version check comes first, then the claims; a dropped SKU that is no
        // longer this product's means `previous` is not what is stored: a conflict too.
        transact(&self.client, writes, |position| {
            position
                .checked_sub(1)
                .and_then(|claim| claimed.get(claim))
                .map(|sku| StoreError::SkuTaken((*sku).clone()))
                .unwrap_or(StoreError::Conflict)
        })
        .await
    }

    async fn categories(&self) -> Result<Arc<Vec<Category>>, StoreError> {
        self.all_of_kind(CATEGORY_KIND).await.map(Arc::new)
    }

    async fn put_category(&self, category: &Category) -> Result<(), StoreError> {
        let mut item = category_key(&category.id);
        item.insert(KIND.to_owned(), text(CATEGORY_KIND));
        item.insert(BODY.to_owned(), body(category)?);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
