//! The catalog as shoppers read it — a product with what is left of each
//! variant, the category tree — and as operators change it: products (with their
//! starting stock), categories, stock on hand. Every change is published
//! (`ProductChanged`, `CategoryChanged`, `StockChanged`) once written, for the search
//! index to follow.

use crate::application::error::ShopError;
use crate::application::Services;
use crate::domain::catalog::{
    category_tree, check_parent, Availability, Category, CategoryNode, Product, ProductDraft,
};
use crate::domain::events::payloads::ProductChange;
use crate::domain::events::{self, DomainEvent};
use crate::domain::ids::{CategoryId, ProductId, Sku};
use crate::domain::inventory::{check_shard_count, InventoryError, StockLevel};
use crate::domain::reviews::Rating;
use crate::domain::validation::{Checks, FieldError};

/// Units available to sell of `skus`, or of every SKU when `skus` is `None`.
pub async fn availability(
    services: &Services,
    skus: Option<&[Sku]>,
) -> Result<Availability, ShopError> {
    let levels = match skus {
        Some(skus) => services.inventory.stock_levels(skus).await?,
        None => services.inventory.all_stock_levels().await?,
    };
    Ok(levels
        .into_iter()
        .map(|level| (level.sku, level.available))
        .collect())
}

/// The product `id` with the units available of each variant and its rating; an
/// inactive product only when `inactive_too` (for admins).
pub async fn product(
    services: &Services,
    id: &ProductId,
    inactive_too: bool,
) -> Result<(Product, Availability, Rating), ShopError> {
    let product = services
        .catalog
        .product(id)
        .await?
        .filter(|product| product.active || inactive_too)
        .ok_or_else(|| ShopError::Missing(format!("no product {id}")))?;
    let available = availability(services, Some(&product.skus())).await?;
    let rating = services.reviews.rating(id).await?;
    Ok((product, available, rating))
}

/// The category tree.
pub async fn categories(services: &Services) -> Result<Vec<CategoryNode>, ShopError> {
    Ok(category_tree(&services.catalog.categories().await?))
}

/// Publishes the catalog event `build` makes with a fresh id, as of now.
async fn announce(
    services: &Services,
    build: impl FnOnce(uuid::Uuid, time::OffsetDateTime) -> Result<DomainEvent, serde_json::Error>,
) -> Result<(), ShopError> {
    let event = build(services.ids.next_uuid(), services.clock.now())?;
    services.events.publish(vec![event]).await?;
    Ok(())
}

/// Publishes that `product` changed: created, replaced or rated.
pub async fn product_changed(
    services: &Services,
    product: &ProductId,
    change: ProductChange,
) -> Result<(), ShopError> {
    announce(services, |id, at| {
        events::product_changed(id, product, change, at)
    })
    .await
}

/// `draft`, checked: its own rules, and a category that exists.
async fn checked_draft(services: &Services, draft: &ProductDraft) -> Result<(), ShopError> {
    draft
        .validate(services.currency)
        .map_err(ShopError::Invalid)?;
    let categories = services.catalog.categories().await?;
    if !categories
        .iter()
        .any(|category| category.id == draft.category_id)
    {
        return Err(ShopError::Invalid(vec![FieldError::new(
            "categoryId",
            format!("no category {}", draft.category_id),
        )]));
    }
    Ok(())
}

/// Sets the units on hand of every variant whose draft names its stock.
async fn apply_stock(services: &Services, draft: &ProductDraft) -> Result<(), ShopError> {
    for variant in &draft.variants {
        if let Some(units) = variant.stock {
            services
                .inventory
                .set_on_hand(&variant.sku, units)
                .await
                .map_err(|error| match error {
                    InventoryError::Store(store) => ShopError::Store(store),
                    other => ShopError::Conflict(other.to_string()),
                })?;
        }
    }
    Ok(())
}

/// Adds a product made from `draft`, with a generated id, and its starting stock.
pub async fn create_product(
    services: &Services,
    draft: ProductDraft,
) -> Result<Product, ShopError> {
    checked_draft(services, &draft).await?;
    let id = ProductId::parse(&format!("prod_{}", services.ids.next_uuid().simple()))
        .map_err(|error| ShopError::Internal(error.to_string()))?;
    let stocked = draft.clone();
    let product = Product::create(id, draft, services.clock.now());
    services.catalog.create_product(&product).await?;
    apply_stock(services, &stocked).await?;
    product_changed(services, &product.id, ProductChange::Created).await?;
    tracing::info!(product_id = %product.id, "product created");
    Ok(product)
}

/// Replaces everything an operator controls of the product `id` with `draft`.
pub async fn replace_product(
    services: &Services,
    id: &ProductId,
    draft: ProductDraft,
) -> Result<Product, ShopError> {
    checked_draft(services, &draft).await?;
    let previous = services
        .catalog
        .product(id)
        .await?
        .ok_or_else(|| ShopError::Missing(format!("no product {id}")))?;
    let product = previous.replaced_by(draft, services.clock.now());
    services
        .catalog
        .replace_product(&previous, &product)
        .await?;
    product_changed(services, &product.id, ProductChange::Replaced).await?;
    tracing::info!(product_id = %product.id, version = product.version, "product replaced");
    Ok(product)
}

/// Creates or renames the category `id`, or moves it below `parent`.
pub async fn put_category(
    services: &Services,
    id: CategoryId,
    name: String,
    parent: Option<CategoryId>,
) -> Result<Category, ShopError> {
    let mut checks = Checks::default();
    checks.text_length(&name, 1, 100, "name");
    checks.finish().map_err(ShopError::Invalid)?;
    if let Some(parent) = &parent {
        let categories = services.catalog.categories().await?;
        check_parent(&categories, &id, parent).map_err(|field| ShopError::Invalid(vec![field]))?;
    }
    let category = Category {
        id,
        name,
        parent_id: parent,
    };
    services.catalog.put_category(&category).await?;
    announce(services, |id, at| {
        events::category_changed(id, &category.id, at)
    })
    .await?;
    Ok(category)
}

/// Sets the units on hand of `sku`, which a product must sell, over `shards` shards
/// (as many as now when `None`); reserved units stay reserved, so on hand cannot go
/// below them, nor can a shard holding them be dropped.
pub async fn set_stock(
    services: &Services,
    sku: &Sku,
    on_hand: u32,
    shards: Option<u32>,
) -> Result<StockLevel, ShopError> {
    if let Some(shards) = shards {
        check_shard_count(shards).map_err(|error| {
            ShopError::Invalid(vec![FieldError::new("shards", error.to_string())])
        })?;
    }
    if services.catalog.product_by_sku(sku).await?.is_none() {
        return Err(ShopError::Missing(format!("no product sells SKU {sku}")));
    }
    let level = services
        .inventory
        .set_stock(sku, on_hand, shards)
        .await
        .map_err(|error| match error {
            InventoryError::BelowReserved { reserved, .. } => ShopError::Conflict(format!(
                "{reserved} units of {sku} are reserved for orders being paid; on hand cannot go below that"
            )),
            InventoryError::ShardReserved { .. } => ShopError::Conflict(error.to_string()),
            InventoryError::BadShardCount(_) => {
                ShopError::Invalid(vec![FieldError::new("shards", error.to_string())])
            }
            InventoryError::Store(store) => ShopError::Store(store),
            other => ShopError::Invalid(vec![FieldError::new("onHand", other.to_string())]),
        })?;
    tracing::info!(%sku, on_hand, shards = level.shards, "stock set");
    announce(services, |id, at| events::stock_changed(id, &level, at)).await?;
    Ok(level)
}
