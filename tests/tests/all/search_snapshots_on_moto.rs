//! The search index's snapshots on S3 (moto): the store itself, then the AWS arrangement
//! end to end — an indexer that follows catalog events and publishes a snapshot after
//! each batch that changed its index, and a searching process that restores the newest
//! snapshot and picks up newer ones without a restart.

use std::sync::Arc;

use mambogo::adapters::access::guarded::GuardedSnapshots;
use mambogo::adapters::access::Access;
use mambogo::adapters::s3_snapshots::S3Snapshots;
use mambogo::adapters::search_index::TantivyIndex;
use mambogo::application::consumers::IndexCatalog;
use mambogo::application::index_handle::IndexHandle;
use mambogo::application::indexing::{handle, rebuild_and_publish};
use mambogo::application::search::search_products;
use mambogo::application::Services;
use mambogo::domain::catalog::{IndexSnapshots, ProductQuery};
use mambogo::domain::events::payloads::ProductChange;
use mambogo::domain::events::{product_changed, DomainEvent, EventConsumer};
use mambogo::domain::ids::ProductId;
use mambogo::domain::store::StoreError;
use mambogo_tests::emulator::s3_bucket;
use mambogo_tests::shop::{token, As, TestShop};
use serde_json::json;
use time::Duration;
use uuid::Uuid;

#[tokio::test]
async fn the_newest_snapshot_is_the_one_last_published() {
    let (client, bucket) = s3_bucket().await;
    let snapshots = S3Snapshots::new(client.clone(), &bucket);
    assert_eq!(snapshots.newest_version().await.unwrap(), None);
    assert_eq!(snapshots.newest().await.unwrap(), None);

    let first = snapshots.publish(b"first".to_vec(), None).await.unwrap();
    assert_eq!(
        snapshots.newest_version().await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        snapshots.newest().await.unwrap(),
        Some((first.clone(), b"first".to_vec()))
    );
    assert_eq!(
        snapshots.publish(b"also first".to_vec(), None).await,
        Err(StoreError::Conflict),
        "there is one already"
    );
    let second = snapshots
        .publish(b"second".to_vec(), Some(&first))
        .await
        .unwrap();
    assert_ne!(second, first);
    assert_eq!(
        snapshots.publish(b"stale".to_vec(), Some(&first)).await,
        Err(StoreError::Conflict),
        "built on a superseded snapshot"
    );
    assert_eq!(
        snapshots.newest().await.unwrap(),
        Some((second.clone(), b"second".to_vec()))
    );
    let elsewhere = S3Snapshots::at_key(client, &bucket, "another/key");
    assert_eq!(elsewhere.newest_version().await.unwrap(), None);

    let reader: Arc<dyn IndexSnapshots> = Arc::new(snapshots);
    let guarded = GuardedSnapshots::new(reader, "search-products", Some(Access::Read));
    assert!(guarded.newest_version().await.unwrap().is_some());
    assert!(matches!(
        guarded.publish(b"third".to_vec(), Some(&second)).await,
        Err(StoreError::NotGranted(_))
    ));
}

/// The shop's services with an index of their own on `snapshots`, looking for a newer
/// snapshot every `refresh` (never, for the indexer).
fn process(
    shop: &TestShop,
    snapshots: &Arc<dyn IndexSnapshots>,
    refresh: Option<Duration>,
) -> Services {
    let mut services = (*shop.inner().services).clone();
    services.search_index = Some(IndexHandle::with_snapshots(
        Arc::new(TantivyIndex::new()),
        Arc::clone(snapshots),
    ));
    services.index_refresh = refresh;
    services
}

async fn found(services: &Services, text: &str) -> Vec<String> {
    let query = ProductQuery {
        text: Some(text.to_owned()),
        limit: 100,
        ..ProductQuery::default()
    };
    search_products(services, &query)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|item| item.name)
        .collect()
}

#[tokio::test]
async fn searchers_restore_what_the_indexer_publishes_without_a_restart() {
    let shop = TestShop::start().await;
    let (client, bucket) = s3_bucket().await;
    let snapshots: Arc<dyn IndexSnapshots> = Arc::new(S3Snapshots::new(client.clone(), &bucket));
    let indexer = IndexCatalog::new(process(&shop, &snapshots, None));
    let searcher = process(&shop, &snapshots, Some(Duration::ZERO));

    // Before any snapshot, a searcher builds its index from the stores.
    assert!(!found(&searcher, "headphones").await.is_empty());
    assert_eq!(handle(&searcher).unwrap().seen().holding().cloned(), None);

    // An operator adds a product; the indexer follows the event (starting from the
    // stores, there being no snapshot) and publishes once the batch is over.
    let event = added(&shop, "Nimbus Glockenspiel", "NG-1").await;
    indexer.consume(&event).await.unwrap();
    assert_eq!(
        snapshots.newest_version().await.unwrap(),
        None,
        "not before the batch ends"
    );
    indexer.finish_batch().await.unwrap();
    let published = snapshots
        .newest_version()
        .await
        .unwrap()
        .expect("published");
    assert_eq!(
        handle(&indexer.services).unwrap().seen().holding().cloned(),
        Some(published.clone())
    );

    // The searcher picks the snapshot up on its next search.
    assert_eq!(
        found(&searcher, "glockenspiel").await,
        ["Nimbus Glockenspiel"]
    );
    assert_eq!(
        handle(&searcher).unwrap().seen().holding().cloned(),
        Some(published.clone())
    );

    // A batch that changes nothing publishes nothing.
    indexer.consume(&event).await.unwrap();
    indexer.finish_batch().await.unwrap();
    assert_eq!(
        snapshots.newest_version().await.unwrap(),
        Some(published.clone())
    );

    // A later indexer (a new Lambda instance) starts from the newest snapshot.
    let successor = IndexCatalog::new(process(&shop, &snapshots, None));
    successor.consume(&event).await.unwrap();
    successor.finish_batch().await.unwrap();
    assert_eq!(
        snapshots.newest_version().await.unwrap(),
        Some(published.clone())
    );
    assert_eq!(
        handle(&successor.services)
            .unwrap()
            .seen()
            .holding()
            .cloned(),
        Some(published.clone())
    );

    // The recovery rebuild publishes a new snapshot, which the searcher restores.
    let (products, rebuilt) = rebuild_and_publish(&successor.services).await.unwrap();
    assert!(products > 10, "{products}");
    let rebuilt = rebuilt.expect("published");
    assert_ne!(rebuilt, published);
    assert_eq!(
        found(&searcher, "glockenspiel").await,
        ["Nimbus Glockenspiel"]
    );
    assert_eq!(
        handle(&searcher).unwrap().seen().holding().cloned(),
        Some(rebuilt.clone())
    );

    // A snapshot this build cannot read: the searcher builds from the stores and answers.
    let unreadable = snapshots
        .publish(b"not a snapshot".to_vec(), Some(&rebuilt))
        .await
        .unwrap();
    assert_eq!(
        found(&searcher, "glockenspiel").await,
        ["Nimbus Glockenspiel"]
    );
    let seen = handle(&searcher).unwrap().seen();
    assert_eq!((seen.base, seen.unpublished), (Some(unreadable), true));
}

/// An operator adds a product named `name` through the API; its `ProductChanged`.
async fn added(shop: &TestShop, name: &str, sku: &str) -> DomainEvent {
    let admin = token("ops", true);
    let created = shop
        .post(
            "/admin/products",
            As::user(&admin),
            &json!({
                "name": name, "brand": "Sonora", "categoryId": "speakers",
                "variants": [{"sku": sku, "name": "Steel", "stock": 3,
                              "price": {"amount": 4_900, "currency": "USD"}}],
            }),
        )
        .await;
    assert_eq!(created.status.as_u16(), 201, "{:?}", created.body);
    let id = ProductId::parse(created.body["id"].as_str().unwrap()).unwrap();
    product_changed(
        Uuid::new_v4(),
        &id,
        ProductChange::Created,
        time::OffsetDateTime::now_utc(),
    )
    .unwrap()
}

#[tokio::test]
async fn two_indexers_at_once_lose_neither_change() {
    let shop = TestShop::start().await;
    let (client, bucket) = s3_bucket().await;
    let snapshots: Arc<dyn IndexSnapshots> = Arc::new(S3Snapshots::new(client, &bucket));
    let first = IndexCatalog::new(process(&shop, &snapshots, None));
    let second = IndexCatalog::new(process(&shop, &snapshots, None));

    // Both start before either publishes: neither finds a snapshot.
    let celesta = added(&shop, "Aurora Celesta", "AC-1").await;
    let marimba = added(&shop, "Borealis Marimba", "BM-1").await;
    first.consume(&celesta).await.unwrap();
    second.consume(&marimba).await.unwrap();
    first.finish_batch().await.unwrap();
    // The second finds the first's snapshot where it expected none: it restores it,
    // follows its batch again on it and publishes over it.
    second.finish_batch().await.unwrap();

    let searcher = process(&shop, &snapshots, Some(Duration::ZERO));
    assert_eq!(found(&searcher, "celesta").await, ["Aurora Celesta"]);
    assert_eq!(found(&searcher, "marimba").await, ["Borealis Marimba"]);
    let newest = snapshots.newest_version().await.unwrap();
    assert_eq!(
        handle(&second.services).unwrap().seen().holding().cloned(),
        newest
    );

    // The first, now behind, does the same on its next batch.
    let vibraphone = added(&shop, "Corona Vibraphone", "CV-1").await;
    first.consume(&vibraphone).await.unwrap();
    first.finish_batch().await.unwrap();
    for (word, name) in [
        ("celesta", "Aurora Celesta"),
        ("marimba", "Borealis Marimba"),
        ("vibraphone", "Corona Vibraphone"),
    ] {
        assert_eq!(found(&searcher, word).await, [name]);
    }
}
