//! What every [`CatalogStore`] must do.

use std::sync::Arc;

use mambogo::domain::catalog::CatalogStore;
use mambogo::domain::catalog::{Category, Product, ProductDraft};
use mambogo::domain::ids::{CategoryId, ProductId, Sku};
use mambogo::domain::store::StoreError;
use serde_json::json;
use time::Duration;

use super::NOW as CREATED_AT;

fn product_id(raw: &str) -> ProductId {
    ProductId::parse(raw).expect("a valid product id")
}

fn sku(raw: &str) -> Sku {
    Sku::parse(raw).expect("a valid SKU")
}

fn draft(name: &str, skus: &[&str]) -> ProductDraft {
    let variants: Vec<_> = skus
        .iter()
        .map(|sku| {
            json!({"sku": sku, "name": sku, "price": {"amount": 1500, "currency": "USD"}, "stock": 3})
        })
        .collect();
    serde_json::from_value(json!({
        "name": name, "brand": "Acme", "categoryId": "misc", "variants": variants
    }))
    .expect("a valid draft")
}

/// A new product (version 1) selling `skus`.
fn product(id: &str, skus: &[&str]) -> Product {
    Product::create(product_id(id), draft(id, skus), CREATED_AT)
}

/// The next version of `previous`, renamed and selling `skus`.
fn replaced(previous: &Product, name: &str, skus: &[&str]) -> Product {
    previous.replaced_by(draft(name, skus), CREATED_AT + Duration::hours(1))
}

fn by_id(mut products: Vec<Product>) -> Vec<Product> {
    products.sort_by(|a, b| a.id.cmp(&b.id));
    products
}

async fn create(store: &dyn CatalogStore, product: &Product) {
    store
        .create_product(product)
        .await
        .unwrap_or_else(|error| panic!("creating {}: {error}", product.id));
}

async fn owner_of(store: &dyn CatalogStore, raw_sku: &str) -> Option<Product> {
    store
        .product_by_sku(&sku(raw_sku))
        .await
        .expect("reading by SKU")
}

async fn stored(store: &dyn CatalogStore, id: &str) -> Option<Product> {
    store
        .product(&product_id(id))
        .await
        .expect("reading a product")
}

/// An empty store has nothing; a created product reads back as it was written.
pub async fn check_create_and_read_product(store: Arc<dyn CatalogStore>) {
    assert_eq!(stored(&*store, "p1").await, None);
    assert!(store.all_products().await.expect("listing").is_empty());
    let p1 = product("p1", &["A-1", "A-2"]);
    create(&*store, &p1).await;
    assert_eq!(stored(&*store, "p1").await, Some(p1));
}

/// Every SKU leads to the product that sells it; an unknown SKU to nothing.
pub async fn check_product_by_sku(store: Arc<dyn CatalogStore>) {
    let p1 = product("p1", &["A-1", "A-2"]);
    let p2 = product("p2", &["B-1"]);
    create(&*store, &p1).await;
    create(&*store, &p2).await;
    assert_eq!(owner_of(&*store, "A-1").await, Some(p1.clone()));
    assert_eq!(owner_of(&*store, "A-2").await, Some(p1));
    assert_eq!(owner_of(&*store, "B-1").await, Some(p2));
    assert_eq!(owner_of(&*store, "C-1").await, None);
}

/// `products` returns the existing ones among the ids, each once.
pub async fn check_products_returns_only_existing(store: Arc<dyn CatalogStore>) {
    let p1 = product("p1", &["A-1"]);
    let p2 = product("p2", &["B-1"]);
    let p3 = product("p3", &["C-1"]);
    for product in [&p1, &p2, &p3] {
        create(&*store, product).await;
    }
    let asked = [
        product_id("p3"),
        product_id("missing"),
        product_id("p1"),
        product_id("p3"),
    ];
    let found = store.products(&asked).await.expect("reading products");
    assert_eq!(by_id(found), [p1, p3]);
    assert!(store.products(&[]).await.expect("reading none").is_empty());
}

/// A second product with a taken id is refused and claims none of its SKUs.
pub async fn check_duplicate_id_changes_nothing(store: Arc<dyn CatalogStore>) {
    let original = product("p1", &["A-1"]);
    create(&*store, &original).await;
    let impostor = Product::create(product_id("p1"), draft("Impostor", &["B-1"]), CREATED_AT);
    assert_eq!(
        store.create_product(&impostor).await,
        Err(StoreError::AlreadyExists)
    );
    assert_eq!(stored(&*store, "p1").await, Some(original.clone()));
    assert_eq!(owner_of(&*store, "A-1").await, Some(original));
    assert_eq!(owner_of(&*store, "B-1").await, None);
    create(&*store, &product("p2", &["B-1"])).await;
}

/// A product with a SKU another product sells is refused, and claims none of its SKUs.
pub async fn check_taken_sku_changes_nothing(store: Arc<dyn CatalogStore>) {
    let p1 = product("p1", &["A-1"]);
    create(&*store, &p1).await;
    let p2 = product("p2", &["B-1", "A-1"]);
    assert_eq!(
        store.create_product(&p2).await,
        Err(StoreError::SkuTaken(sku("A-1")))
    );
    assert_eq!(stored(&*store, "p2").await, None);
    assert_eq!(owner_of(&*store, "A-1").await, Some(p1));
    assert_eq!(owner_of(&*store, "B-1").await, None);
    create(&*store, &product("p3", &["B-1"])).await;
}

/// A replacement applies to the version it was based on, and to no other.
pub async fn check_replace_needs_the_stored_version(store: Arc<dyn CatalogStore>) {
    let v1 = product("p1", &["A-1"]);
    create(&*store, &v1).await;
    let v2 = replaced(&v1, "Renamed", &["A-1"]);
    store
        .replace_product(&v1, &v2)
        .await
        .expect("replacing the stored version");
    assert_eq!(stored(&*store, "p1").await, Some(v2.clone()));
    assert_eq!(owner_of(&*store, "A-1").await, Some(v2.clone()));

    let stale = replaced(&v1, "Lost update", &["A-1"]);
    assert_eq!(
        store.replace_product(&v1, &stale).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(stored(&*store, "p1").await, Some(v2));

    let never_created = product("ghost", &["G-1"]);
    let ghost_v2 = replaced(&never_created, "Ghost", &["G-1"]);
    assert_eq!(
        store.replace_product(&never_created, &ghost_v2).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(stored(&*store, "ghost").await, None);
    assert_eq!(owner_of(&*store, "G-1").await, None);
}

/// A replacement releases the SKUs it drops and claims the ones it adds.
pub async fn check_replace_moves_sku_claims(store: Arc<dyn CatalogStore>) {
    let v1 = product("p1", &["A-1", "A-2"]);
    create(&*store, &v1).await;
    let v2 = replaced(&v1, "Reshuffled", &["A-2", "A-3"]);
    store.replace_product(&v1, &v2).await.expect("replacing");
    assert_eq!(owner_of(&*store, "A-1").await, None);
    assert_eq!(owner_of(&*store, "A-2").await, Some(v2.clone()));
    assert_eq!(owner_of(&*store, "A-3").await, Some(v2));
    create(&*store, &product("p2", &["A-1"])).await;
    assert_eq!(
        store.create_product(&product("p3", &["A-3"])).await,
        Err(StoreError::SkuTaken(sku("A-3")))
    );
}

/// A replacement that would take another product's SKU is refused, all of it.
pub async fn check_replace_with_taken_sku_changes_nothing(store: Arc<dyn CatalogStore>) {
    let v1 = product("p1", &["A-1", "A-2"]);
    let other = product("p2", &["B-1"]);
    create(&*store, &v1).await;
    create(&*store, &other).await;
    let grabbing = replaced(&v1, "Grabbing", &["A-1", "A-9", "B-1"]);
    assert_eq!(
        store.replace_product(&v1, &grabbing).await,
        Err(StoreError::SkuTaken(sku("B-1")))
    );
    assert_eq!(stored(&*store, "p1").await, Some(v1.clone()));
    assert_eq!(owner_of(&*store, "A-2").await, Some(v1));
    assert_eq!(owner_of(&*store, "A-9").await, None);
    assert_eq!(owner_of(&*store, "B-1").await, Some(other));
}

/// `all_products` lists every product.
pub async fn check_all_products_lists_every_product(store: Arc<dyn CatalogStore>) {
    let mut created = Vec::new();
    for index in 0..35 {
        let product = product(&format!("p{index:02}"), &[&format!("S-{index}")]);
        create(&*store, &product).await;
        created.push(product);
    }
    let listed = store.all_products().await.expect("listing");
    assert_eq!(by_id(listed.to_vec()), created);
}

/// Categories are created, replaced by id, and all listed.
pub async fn check_categories_are_put_and_listed(store: Arc<dyn CatalogStore>) {
    assert!(store.categories().await.expect("listing").is_empty());
    let audio = Category {
        id: CategoryId::parse("audio").expect("a valid category id"),
        name: "Audio".into(),
        parent_id: None,
    };
    let headphones = Category {
        id: CategoryId::parse("headphones").expect("a valid category id"),
        name: "Headphones".into(),
        parent_id: Some(audio.id.clone()),
    };
    for category in [&audio, &headphones] {
        store.put_category(category).await.expect("putting");
    }
    let renamed = Category {
        name: "Headphones & earbuds".into(),
        ..headphones
    };
    store.put_category(&renamed).await.expect("replacing");
    let mut listed = store.categories().await.expect("listing").to_vec();
    listed.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(listed, [audio, renamed]);
}
