//! Reviews in SQLite: one row per review, with the listing keys of a shown one (none
//! once hidden), and one row of counters per rated product; every write changes a
//! review and its product's counters in one transaction.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};

use super::{created, select_bodies, select_body, to_json, unavailable, Cached, SqliteDb};
use crate::adapters::cursor::{page_of, review_listing, review_position, sort_key, Cursor};
use crate::domain::ids::{ProductId, ReviewId, UserId};
use crate::domain::reviews::{Rating, Ratings, Review, ReviewSort, ReviewStore};
use crate::domain::store::{Page, PageRequest, StoreError};

/// [`ReviewStore`] on SQLite.
#[derive(Clone)]
pub struct SqliteReviews {
    db: SqliteDb,
}

impl SqliteReviews {
    /// The review tables of `db`.
    pub fn new(db: SqliteDb) -> Self {
        SqliteReviews { db }
    }
}

/// The listing keys of `review`: its product and its keys newest and best first, all
/// `None` while it is hidden, so that it is listed nowhere.
fn listing_keys(review: &Review) -> [Option<String>; 3] {
    if review.hidden {
        return [None, None, None];
    }
    let key = |sort| {
        let (at, id) = review_position(review, sort);
        Some(sort_key(at, &id))
    };
    [
        Some(review.product_id.to_string()),
        key(ReviewSort::Newest),
        key(ReviewSort::Rating),
    ]
}

/// Moves `product`'s counters from what `before` counted to what `after` counts.
fn count(
    connection: &Connection,
    product: &ProductId,
    before: Rating,
    after: Rating,
) -> Result<(), StoreError> {
    let (reviews, stars) = Rating::change(before, after);
    if (reviews, stars) == (0, 0) {
        return Ok(());
    }
    connection
        .execute_cached(
            "INSERT INTO product_ratings (product_id, reviews, stars) VALUES (?1, ?2, ?3)
             ON CONFLICT (product_id) DO UPDATE
             SET reviews = reviews + ?2, stars = stars + ?3",
            params![product.as_str(), reviews, stars],
        )
        .map_err(unavailable)?;
    Ok(())
}

fn rating_of(reviews: i64, stars: i64) -> Rating {
    Rating {
        count: u64::try_from(reviews).unwrap_or(0),
        stars: u64::try_from(stars).unwrap_or(0),
    }
}

/// Writes `review`'s row with `sql`, an insert or a conditional update that takes the
/// row's columns as `?1` to `?8`: id, product, author, version, the three listing keys
/// and the body. How many rows it wrote.
fn write_row(connection: &Connection, sql: &str, review: &Review) -> Result<usize, StoreError> {
    let [listed, newest, best] = listing_keys(review);
    connection
        .execute_cached(
            sql,
            params![
                review.id.to_string(),
                review.product_id.as_str(),
                review.user_id.as_str(),
                review.version,
                listed,
                newest,
                best,
                to_json(review)?
            ],
        )
        .map_err(unavailable)
}

#[async_trait]
impl ReviewStore for SqliteReviews {
    async fn add(&self, review: &Review) -> Result<(), StoreError> {
        let review = review.clone();
        self.db
            .run(move |connection| {
                let tx = connection.savepoint().map_err(unavailable)?;
                let inserted = write_row(
                    &tx,
                    "INSERT INTO reviews (review_id, product_id, user_id, version,
                         listed_product, newest_key, rating_key, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
                    &review,
                )?;
                created(inserted)?;
                count(&tx, &review.product_id, Rating::default(), review.counted())?;
                tx.commit().map_err(unavailable)
            })
            .await
    }

    async fn replace(&self, previous: &Review, review: &Review) -> Result<(), StoreError> {
        let (previous, review) = (previous.clone(), review.clone());
        self.db
            .run(move |connection| {
                let tx = connection.savepoint().map_err(unavailable)?;
                let updated = write_row(
                    &tx,
                    "UPDATE reviews SET version = ?4, listed_product = ?5, newest_key = ?6,
                         rating_key = ?7, body = ?8
                     WHERE review_id = ?1 AND product_id = ?2 AND user_id = ?3
                         AND version = ?4 - 1",
                    &review,
                )?;
                if updated != 1 {
                    return Err(StoreError::Conflict);
                }
                count(
                    &tx,
                    &review.product_id,
                    previous.counted(),
                    review.counted(),
                )?;
                tx.commit().map_err(unavailable)
            })
            .await
    }

    async fn review_by(
        &self,
        product: &ProductId,
        user: &UserId,
    ) -> Result<Option<Review>, StoreError> {
        let (product, user) = (product.to_string(), user.to_string());
        self.db
            .read(move |connection| {
                select_body(
                    connection,
                    "SELECT body FROM reviews WHERE product_id = ?1 AND user_id = ?2",
                    [product, user],
                )
            })
            .await
    }

    async fn review(&self, id: &ReviewId) -> Result<Option<Review>, StoreError> {
        let id = id.to_string();
        self.db
            .read(move |connection| {
                select_body(
                    connection,
                    "SELECT body FROM reviews WHERE review_id = ?1",
                    [id],
                )
            })
            .await
    }

    async fn reviews(
        &self,
        product: &ProductId,
        sort: ReviewSort,
        page: &PageRequest,
    ) -> Result<Page<Review>, StoreError> {
        let listing = review_listing(product, sort);
        let after = Cursor::of_request(page.cursor.as_deref(), &listing)?
            .map(|cursor| sort_key(cursor.at, &cursor.id));
        let limit = page.bounded_limit() as usize;
        let column = match sort {
            ReviewSort::Newest => "newest_key",
            ReviewSort::Rating => "rating_key",
        };
        let sql = format!(
            "SELECT body FROM reviews WHERE listed_product = ?1 AND (?2 IS NULL OR {column} < ?2)
             ORDER BY {column} DESC LIMIT ?3"
        );
        let product = product.to_string();
        let reviews: Vec<Review> = self
            .db
            .read(move |connection| {
                select_bodies(connection, &sql, params![product, after, limit + 1])
            })
            .await?;
        Ok(page_of(reviews, limit, |last| {
            let (at, id) = review_position(last, sort);
            Cursor::new(&listing, at, id)
        }))
    }

    async fn rating(&self, product: &ProductId) -> Result<Rating, StoreError> {
        let product = product.to_string();
        self.db
            .read(move |connection| {
                connection
                    .query_row_cached(
                        "SELECT reviews, stars FROM product_ratings WHERE product_id = ?1",
                        [product],
                        |row| Ok(rating_of(row.get(0)?, row.get(1)?)),
                    )
                    .optional()
                    .map(Option::unwrap_or_default)
                    .map_err(unavailable)
            })
            .await
    }

    async fn all_ratings(&self) -> Result<Ratings, StoreError> {
        self.db
            .read(|connection| {
                let mut statement = connection
                    .prepare_cached("SELECT product_id, reviews, stars FROM product_ratings")
                    .map_err(unavailable)?;
                let rows = statement
                    .query_map([], |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            rating_of(row.get(1)?, row.get(2)?),
                        ))
                    })
                    .map_err(unavailable)?;
                rows.map(|row| {
                    let (product, rating) = row.map_err(unavailable)?;
                    let product = ProductId::parse(&product)
                        .map_err(|error| StoreError::Corrupt(error.to_string()))?;
                    Ok((product, rating))
                })
                .collect()
            })
            .await
    }
}
