//! What every [`ReviewStore`] must do: one review per shopper and product, listed newest
//! or best first in keyset pages without the hidden ones, and each product's rating
//! moved exactly with every review written, rewritten or hidden, also under concurrency.

use std::cmp::Reverse;
use std::sync::Arc;

use mambogo::domain::ids::{ProductId, ReviewId, UserId};
use mambogo::domain::reviews::{Rating, Review, ReviewDraft, ReviewSort, ReviewStore};
use mambogo::domain::store::{PageRequest, StoreError};
use time::Duration;
use uuid::Uuid;

use super::NOW;

fn product(id: &str) -> ProductId {
    ProductId::parse(id).expect("a valid product id")
}

fn shopper(n: usize) -> UserId {
    UserId::parse(&format!("shopper-{n}")).expect("a valid user id")
}

/// `user`'s review of `product` with `stars`, written `seconds` after the fixed now.
fn review(product: &ProductId, user: UserId, stars: i64, seconds: i64) -> Review {
    let draft = ReviewDraft {
        rating: stars,
        title: format!("{stars} stars"),
        body: "<p>as sent & kept</p>".to_owned(),
    };
    Review::write(
        ReviewId::from_uuid(Uuid::new_v4()),
        product.clone(),
        user,
        draft.check().expect("a valid review"),
        NOW + Duration::seconds(seconds),
    )
}

fn rating(count: u64, stars: u64) -> Rating {
    Rating { count, stars }
}

async fn rating_of(store: &dyn ReviewStore, product: &ProductId) -> Rating {
    store.rating(product).await.expect("reading a rating")
}

/// Every page of `product`'s reviews in `sort` order, `limit` at a time: their titles'
/// stars and ids, in order.
async fn all_pages(
    store: &dyn ReviewStore,
    product: &ProductId,
    sort: ReviewSort,
    limit: u32,
) -> Vec<ReviewId> {
    let mut seen = Vec::new();
    let mut page = PageRequest::first(limit);
    loop {
        let listed = store
            .reviews(product, sort, &page)
            .await
            .expect("listing reviews");
        assert!(listed.items.len() <= limit as usize);
        seen.extend(listed.items.iter().map(|review| review.id));
        match listed.next_cursor {
            Some(cursor) => page = PageRequest::after(cursor, limit),
            None => return seen,
        }
    }
}

pub async fn check_a_written_review_reads_back_and_counts(store: Arc<dyn ReviewStore>) {
    let speaker = product("prod_speaker");
    let written = review(&speaker, shopper(1), 4, 0);
    store.add(&written).await.expect("adding a review");
    assert_eq!(store.review(&written.id).await, Ok(Some(written.clone())));
    assert_eq!(
        store.review_by(&speaker, &shopper(1)).await,
        Ok(Some(written.clone()))
    );
    assert_eq!(store.review_by(&speaker, &shopper(2)).await, Ok(None));
    assert_eq!(
        store.review(&ReviewId::from_uuid(Uuid::new_v4())).await,
        Ok(None)
    );
    assert_eq!(rating_of(&*store, &speaker).await, rating(1, 4));
    assert_eq!(
        rating_of(&*store, &product("prod_other")).await,
        Rating::default()
    );
    let all = store.all_ratings().await.expect("reading every rating");
    assert_eq!(all.get(&speaker), Some(&rating(1, 4)));
    assert_eq!(all.len(), 1);
}

pub async fn check_one_review_per_shopper_and_product(store: Arc<dyn ReviewStore>) {
    let speaker = product("prod_speaker");
    store
        .add(&review(&speaker, shopper(1), 5, 0))
        .await
        .expect("the first review");
    assert_eq!(
        store.add(&review(&speaker, shopper(1), 1, 1)).await,
        Err(StoreError::AlreadyExists)
    );
    assert_eq!(rating_of(&*store, &speaker).await, rating(1, 5));
    store
        .add(&review(&product("prod_cable"), shopper(1), 2, 2))
        .await
        .expect("the same shopper reviews another product");

    let racers: Vec<_> = (0..8)
        .map(|n| {
            let store = Arc::clone(&store);
            let racing = review(&speaker, shopper(2), 1 + n % 5, n);
            tokio::spawn(async move { store.add(&racing).await })
        })
        .collect();
    let outcomes: Vec<_> = futures::future::join_all(racers)
        .await
        .into_iter()
        .map(|joined| joined.expect("a writer finished"))
        .collect();
    let added = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    assert_eq!(added, 1, "{outcomes:?}");
    assert!(outcomes.iter().all(|outcome| matches!(
        outcome,
        Ok(()) | Err(StoreError::AlreadyExists | StoreError::Conflict)
    )));
    assert_eq!(rating_of(&*store, &speaker).await.count, 2);
}

pub async fn check_edits_and_hiding_move_the_rating(store: Arc<dyn ReviewStore>) {
    let speaker = product("prod_speaker");
    let first = review(&speaker, shopper(1), 4, 0);
    let second = review(&speaker, shopper(2), 2, 1);
    for written in [&first, &second] {
        store.add(written).await.expect("adding a review");
    }
    assert_eq!(rating_of(&*store, &speaker).await, rating(2, 6));

    let five = ReviewDraft {
        rating: 5,
        title: "better than I said".to_owned(),
        body: String::new(),
    };
    let edited = first.edited(five.clone().check().expect("valid"), NOW);
    store.replace(&first, &edited).await.expect("an edit");
    assert_eq!(rating_of(&*store, &speaker).await, rating(2, 7));
    assert_eq!(store.review(&first.id).await, Ok(Some(edited.clone())));
    assert_eq!(
        store.replace(&first, &edited).await,
        Err(StoreError::Conflict),
        "an edit of a version no longer stored"
    );
    assert_eq!(rating_of(&*store, &speaker).await, rating(2, 7));

    let hidden = second.hidden(NOW);
    store.replace(&second, &hidden).await.expect("hiding");
    assert_eq!(rating_of(&*store, &speaker).await, rating(1, 5));
    let listed = all_pages(&*store, &speaker, ReviewSort::Newest, 10).await;
    assert_eq!(listed, [first.id]);
    assert_eq!(
        store.review_by(&speaker, &shopper(2)).await,
        Ok(Some(hidden.clone())),
        "its author still finds a hidden review"
    );

    let rewritten = hidden.edited(five.check().expect("valid"), NOW);
    store.replace(&hidden, &rewritten).await.expect("an edit");
    assert_eq!(
        rating_of(&*store, &speaker).await,
        rating(1, 5),
        "a hidden review rewritten stays out"
    );
    assert_eq!(
        all_pages(&*store, &speaker, ReviewSort::Rating, 10).await,
        [first.id]
    );
}

pub async fn check_reviews_list_newest_and_best_first_in_pages(store: Arc<dyn ReviewStore>) {
    let speaker = product("prod_speaker");
    // (stars, seconds after now) of shoppers 0..7; 5 and 6 share an instant.
    let written: Vec<Review> = [(3, 0), (5, 10), (1, 20), (5, 30), (3, 40), (4, 50), (4, 50)]
        .into_iter()
        .enumerate()
        .map(|(n, (stars, at))| review(&speaker, shopper(n), stars, at))
        .collect();
    for one in &written {
        store.add(one).await.expect("adding a review");
    }
    store
        .add(&review(&product("prod_cable"), shopper(0), 5, 60))
        .await
        .expect("a review of another product");
    let hidden = written[2].hidden(NOW);
    store.replace(&written[2], &hidden).await.expect("hiding");

    let mut newest: Vec<&Review> = written.iter().filter(|one| one.id != hidden.id).collect();
    newest.sort_by_key(|one| Reverse((one.created_at, one.id.to_string())));
    let mut best = newest.clone();
    best.sort_by_key(|one| Reverse((one.stars, one.created_at, one.id.to_string())));
    let ids = |reviews: &[&Review]| reviews.iter().map(|one| one.id).collect::<Vec<_>>();
    for limit in [1, 2, 4, 100] {
        assert_eq!(
            all_pages(&*store, &speaker, ReviewSort::Newest, limit).await,
            ids(&newest),
            "newest, {limit} a page"
        );
        assert_eq!(
            all_pages(&*store, &speaker, ReviewSort::Rating, limit).await,
            ids(&best),
            "best, {limit} a page"
        );
    }
    assert_eq!(best[0].stars, 5);
    assert_eq!(rating_of(&*store, &speaker).await, rating(6, 24));

    let first = store
        .reviews(&speaker, ReviewSort::Newest, &PageRequest::first(2))
        .await
        .expect("a first page");
    let cursor = first.next_cursor.expect("more pages");
    for (other_product, sort) in [
        (product("prod_cable"), ReviewSort::Newest),
        (speaker.clone(), ReviewSort::Rating),
    ] {
        assert_eq!(
            store
                .reviews(&other_product, sort, &PageRequest::after(cursor.clone(), 2))
                .await,
            Err(StoreError::BadCursor),
            "a cursor is for its own listing"
        );
    }
    assert_eq!(
        store
            .reviews(&speaker, ReviewSort::Newest, &PageRequest::after("junk", 2))
            .await,
        Err(StoreError::BadCursor)
    );
}

pub async fn check_racing_reviews_count_exactly(store: Arc<dyn ReviewStore>) {
    let speaker = product("prod_speaker");
    let writers: Vec<_> = (0..20)
        .map(|n| {
            let store = Arc::clone(&store);
            let written = review(&speaker, shopper(n), 1 + (n as i64) % 5, 0);
            tokio::spawn(async move {
                loop {
                    match store.add(&written).await {
                        Err(StoreError::Conflict) => continue,
                        outcome => return outcome,
                    }
                }
            })
        })
        .collect();
    for writer in futures::future::join_all(writers).await {
        writer.expect("a writer finished").expect("a review added");
    }
    assert_eq!(rating_of(&*store, &speaker).await, rating(20, 60));
}
