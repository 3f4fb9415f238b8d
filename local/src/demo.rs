//! The demo catalog the local shop starts with: the same 240 products, 15 categories and
//! 8 brands on every machine, so examples and benchmarks are reproducible.

use time::{Duration, OffsetDateTime};

use mambogo::domain::catalog::CatalogStore;
use mambogo::domain::catalog::{Category, Product, ProductDraft};
use mambogo::domain::ids::{CategoryId, ProductId, Sku};
use mambogo::domain::inventory::{InventoryError, InventoryStore};

/// How many products the demo catalog has.
pub const DEMO_PRODUCT_COUNT: usize = 240;

const BRANDS: [&str; 8] = [
    "Sonora",
    "Kestrel",
    "Northwind",
    "Lumen",
    "Basalt",
    "Fjord",
    "Tamarind",
    "Quokka",
];

/// (id, name, parent, noun, base price in cents)
const CATEGORIES: [(&str, &str, Option<&str>, &str, i64); 15] = [
    ("audio", "Audio", None, "", 0),
    (
        "headphones",
        "Headphones",
        Some("audio"),
        "Headphones",
        8_900,
    ),
    ("speakers", "Speakers", Some("audio"), "Speaker", 12_900),
    ("computing", "Computing", None, "", 0),
    (
        "keyboards",
        "Keyboards",
        Some("computing"),
        "Keyboard",
        6_900,
    ),
    ("monitors", "Monitors", Some("computing"), "Monitor", 24_900),
    ("home", "Home", None, "", 0),
    ("kitchen", "Kitchen", Some("home"), "Kettle", 3_900),
    ("lighting", "Lighting", Some("home"), "Lamp", 4_900),
    ("outdoor", "Outdoor", None, "", 0),
    ("camping", "Camping", Some("outdoor"), "Tent", 15_900),
    ("cycling", "Cycling", Some("outdoor"), "Bike Light", 2_900),
    ("apparel", "Apparel", None, "", 0),
    ("shoes", "Shoes", Some("apparel"), "Trail Shoe", 9_900),
    ("jackets", "Jackets", Some("apparel"), "Rain Jacket", 11_900),
];

const ADJECTIVES: [&str; 10] = [
    "Classic", "Compact", "Pro", "Everyday", "Studio", "Travel", "Quiet", "Bold", "Ultra", "Lite",
];
const COLOURS: [(&str, &str); 4] = [
    ("BLK", "Black"),
    ("WHT", "White"),
    ("BLU", "Blue"),
    ("RED", "Red"),
];

/// The demo categories.
pub fn demo_categories() -> Vec<Category> {
    CATEGORIES
        .iter()
        .filter_map(|(id, name, parent, _, _)| {
            Some(Category {
                id: CategoryId::parse(id).ok()?,
                name: (*name).to_owned(),
                parent_id: parent.and_then(|p| CategoryId::parse(p).ok()),
            })
        })
        .collect()
}

/// The demo products, deterministic down to their timestamps.
pub fn demo_products() -> Vec<Product> {
    demo_drafts()
        .into_iter()
        .map(|(id, draft, created_at)| Product::create(id, draft, created_at))
        .collect()
}

/// The demo stock: units on hand per SKU (about one SKU in eleven is sold out).
pub fn demo_stock() -> Vec<(Sku, u32)> {
    demo_drafts()
        .into_iter()
        .flat_map(|(_, draft, _)| draft.variants)
        .map(|variant| (variant.sku, variant.stock.unwrap_or(0)))
        .collect()
}

fn demo_drafts() -> Vec<(ProductId, ProductDraft, OffsetDateTime)> {
    let leaves: Vec<_> = CATEGORIES.iter().filter(|c| c.2.is_some()).collect();
    let launch = OffsetDateTime::UNIX_EPOCH + Duration::days(20_454); // 2026-01-01
    (0..DEMO_PRODUCT_COUNT)
        .filter_map(|index| {
            let (category, _, _, noun, base_price) = leaves[index % leaves.len()];
            let brand = BRANDS[(index * 7 + index / leaves.len()) % BRANDS.len()];
            let adjective = ADJECTIVES[(index / leaves.len()) % ADJECTIVES.len()];
            let number = index + 1;
            // Spread prices from 70% to 160% of the category's base, in whole dollars less a cent.
            let price = (base_price * (70 + (index as i64 * 37) % 91) / 100) / 100 * 100 + 99;
            let on_sale = index % 5 == 0;
            let variant_count = 1 + index % 3;
            let variants: Vec<_> = COLOURS[..variant_count]
                .iter()
                .enumerate()
                .map(|(position, (code, colour))| {
                    let stock = if (index + position) % 11 == 0 { 0 } else { 1 + (index * 37 + position * 13) % 120 };
                    let mut variant = serde_json::json!({
                        "sku": format!("MB-{number:04}-{code}"),
                        "name": colour,
                        "attributes": {"colour": colour},
                        "price": {"amount": price, "currency": "USD"},
                        "stock": stock,
                    });
                    if on_sale {
                        variant["salePrice"] = serde_json::json!({"amount": price * 80 / 100, "currency": "USD"});
                    }
                    variant
                })
                .collect();
            let draft: ProductDraft = serde_json::from_value(serde_json::json!({
                "name": format!("{brand} {adjective} {noun} {number}"),
                "description": format!("The {adjective} {noun} from {brand}, model {number}: built to last and easy to love."),
                "brand": brand,
                "categoryId": category,
                "attributes": {"model": format!("{number:04}")},
                "images": [format!("https://images.example.com/mambogo/{number:04}.jpg")],
                "variants": variants,
            }))
            .ok()?;
            let id = ProductId::parse(&format!("prod_{number:04}")).ok()?;
            Some((id, draft, launch + Duration::hours(number as i64)))
        })
        .collect()
}

/// Loads the demo catalog into `catalog` and its stock into `inventory`, unless the
/// catalog already holds products. Returns how many products it added.
pub async fn seed_demo_catalog(
    catalog: &dyn CatalogStore,
    inventory: &dyn InventoryStore,
) -> Result<usize, InventoryError> {
    if !catalog.all_products().await?.is_empty() {
        return Ok(0);
    }
    seed_demo_products(catalog, inventory, DEMO_PRODUCT_COUNT).await
}

/// Loads the demo's categories and its first `count` products with their stock, as
/// tests do on a store slow to fill. Returns how many products it added.
pub async fn seed_demo_products(
    catalog: &dyn CatalogStore,
    inventory: &dyn InventoryStore,
    count: usize,
) -> Result<usize, InventoryError> {
    for category in demo_categories() {
        catalog.put_category(&category).await?;
    }
    let products: Vec<Product> = demo_products().into_iter().take(count).collect();
    let mut skus = Vec::new();
    for product in &products {
        catalog.create_product(product).await?;
        skus.extend(product.skus());
    }
    for (sku, units) in demo_stock() {
        if skus.contains(&sku) {
            inventory.set_on_hand(&sku, units).await?;
        }
    }
    Ok(products.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mambogo::domain::money::Currency;
    use std::collections::HashSet;

    #[test]
    fn the_demo_catalog_is_complete_and_valid() {
        let products = demo_products();
        assert_eq!(products.len(), DEMO_PRODUCT_COUNT);
        let categories: HashSet<_> = demo_categories().into_iter().map(|c| c.id).collect();
        let brands: HashSet<_> = products.iter().map(|p| p.brand.clone()).collect();
        assert_eq!(brands.len(), BRANDS.len());
        let mut skus = HashSet::new();
        for product in &products {
            assert!(categories.contains(&product.category_id));
            for variant in &product.variants {
                assert!(
                    skus.insert(variant.sku.clone()),
                    "duplicate {}",
                    variant.sku
                );
                assert_eq!(variant.price.currency, Currency::USD);
                assert!(variant.price.amount > 0);
                assert!(variant
                    .sale_price
                    .is_none_or(|sale| sale.amount < variant.price.amount));
            }
        }
        let stock = demo_stock();
        assert_eq!(stock.len(), skus.len());
        assert!(stock.iter().any(|(_, units)| *units == 0));
        assert!(stock.iter().all(|(sku, _)| skus.contains(sku)));
        assert_eq!(
            demo_products(),
            products,
            "the demo catalog must be deterministic"
        );
    }
}
