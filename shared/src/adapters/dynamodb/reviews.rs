//! Reviews in DynamoDB; the table design is in the [module docs](super).

use async_trait::async_trait;
use aws_sdk_dynamodb::types::TransactWriteItem;
use aws_sdk_dynamodb::Client;

use super::item::{
    attributes, body, composite_key, get, number, previous_version, read_body, read_number,
    read_text, text, Item, BODY, PK, VERSION,
};
use super::query::Listing;
use super::transaction::{put, try_transact, update, Cancelled, Names};
use crate::adapters::cursor::{
    page_of, review_listing, review_of_position, review_position, sort_key, Cursor,
};
use crate::domain::ids::{ProductId, ReviewId, UserId};
use crate::domain::reviews::{Rating, Ratings, Review, ReviewSort, ReviewStore};
use crate::domain::store::{Page, PageRequest, StoreError};

/// On a shown review: its product, the partition key of the `newest` and `best` indexes.
const LISTED_PRODUCT: &str = "listed_product";
/// On a shown review: the sort key of the `newest` index.
const NEWEST_KEY: &str = "newest_key";
/// On a shown review: the sort key of the `best` index.
const RATING_KEY: &str = "rating_key";
/// On an author's claim: the review it points to.
const REVIEW_ID: &str = "review_id";
/// On a rating item: shown reviews.
const REVIEW_COUNT: &str = "review_count";
/// On a rating item: their stars, added up.
const STAR_TOTAL: &str = "star_total";
/// The `kind` of a rating item, the partition key of the `ratings` index.
const RATING_KIND: &str = "rating";

/// [`ReviewStore`] on a DynamoDB table.
#[derive(Clone)]
pub struct DynamoReviews {
    client: Client,
    table: String,
}

impl DynamoReviews {
    /// The reviews kept in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoReviews {
            client,
            table: table.into(),
        }
    }

    /// The write that moves `product`'s counters from what `before` counted to what
    /// `after` counts, never below zero; none when nothing moves.
    fn count(
        &self,
        product: &ProductId,
        before: Rating,
        after: Rating,
    ) -> Result<Option<TransactWriteItem>, StoreError> {
        let (reviews, stars) = Rating::change(before, after);
        if (reviews, stars) == (0, 0) {
            return Ok(None);
        }
        update(
            &self.table,
            rating_key(product),
            "ADD review_count :reviews, star_total :stars SET kind = :kind",
            "attribute_not_exists(review_count) OR review_count >= :least",
            Names::new(),
            attributes([
                (":reviews", number(reviews)),
                (":stars", number(stars)),
                (":kind", text(RATING_KIND)),
                (":least", number((-reviews).max(0))),
            ]),
        )
        .map(Some)
    }
}

fn review_key(id: &ReviewId) -> Item {
    composite_key(format!("REVIEW#{id}"), "REVIEW")
}

fn product_partition(product: &ProductId) -> String {
    format!("PRODUCT#{product}")
}

fn author_key(product: &ProductId, user: &UserId) -> Item {
    composite_key(product_partition(product), &format!("USER#{user}"))
}

fn rating_key(product: &ProductId) -> Item {
    composite_key(product_partition(product), "RATING")
}

/// The index listing shown reviews in `sort` order, and its sort key attribute.
fn index_of(sort: ReviewSort) -> (&'static str, &'static str) {
    match sort {
        ReviewSort::Newest => ("newest", NEWEST_KEY),
        ReviewSort::Rating => ("best", RATING_KEY),
    }
}

/// The item of `review`: with its listing keys while shown, without once hidden.
fn review_item(review: &Review) -> Result<Item, StoreError> {
    let mut item = review_key(&review.id);
    item.insert(VERSION.to_owned(), number(review.version));
    item.insert(BODY.to_owned(), body(review)?);
    if !review.hidden {
        item.insert(LISTED_PRODUCT.to_owned(), text(review.product_id.as_str()));
        for sort in [ReviewSort::Newest, ReviewSort::Rating] {
            let (at, id) = review_position(review, sort);
            item.insert(index_of(sort).1.to_owned(), text(sort_key(at, &id)));
        }
    }
    Ok(item)
}

fn rating_of(item: &Item) -> Result<Rating, StoreError> {
    Ok(Rating {
        count: read_number(item, REVIEW_COUNT)?,
        stars: read_number(item, STAR_TOTAL)?,
    })
}

/// A rating's counters refused to go below zero: they no longer match the reviews.
fn miscounted(product: &ProductId) -> StoreError {
    StoreError::Corrupt(format!("the rating counters of product {product} are off"))
}

#[async_trait]
impl ReviewStore for DynamoReviews {
    async fn add(&self, review: &Review) -> Result<(), StoreError> {
        let mut claim = author_key(&review.product_id, &review.user_id);
        claim.insert(REVIEW_ID.to_owned(), text(review.id.to_string()));
        let mut writes = vec![
            put(&self.table, claim, "attribute_not_exists(pk)", Item::new())?,
            put(
                &self.table,
                review_item(review)?,
                "attribute_not_exists(pk)",
                Item::new(),
            )?,
        ];
        writes.extend(self.count(&review.product_id, Rating::default(), review.counted())?);
        match try_transact(&self.client, writes).await {
            Ok(()) => Ok(()),
            Err(Cancelled::Refused(positions)) => match positions.first() {
                Some(0 | 1) => Err(StoreError::AlreadyExists),
                _ => Err(miscounted(&review.product_id)),
            },
            Err(Cancelled::Failed(error)) => Err(error),
        }
    }

    async fn replace(&self, previous: &Review, review: &Review) -> Result<(), StoreError> {
        let mut writes = vec![put(
            &self.table,
            review_item(review)?,
            "version = :previous",
            previous_version(review.version),
        )?];
        writes.extend(self.count(&review.product_id, previous.counted(), review.counted())?);
        match try_transact(&self.client, writes).await {
            Ok(()) => Ok(()),
            Err(Cancelled::Refused(positions)) => match positions.first() {
                Some(0) => Err(StoreError::Conflict),
                _ => Err(miscounted(&review.product_id)),
            },
            Err(Cancelled::Failed(error)) => Err(error),
        }
    }

    async fn review_by(
        &self,
        product: &ProductId,
        user: &UserId,
    ) -> Result<Option<Review>, StoreError> {
        let Some(claim) = get(&self.client, &self.table, author_key(product, user)).await? else {
            return Ok(None);
        };
        let id = ReviewId::parse(read_text(&claim, REVIEW_ID)?)
            .map_err(|error| StoreError::Corrupt(error.to_string()))?;
        self.review(&id).await
    }

    async fn review(&self, id: &ReviewId) -> Result<Option<Review>, StoreError> {
        get(&self.client, &self.table, review_key(id))
            .await?
            .map(|item| read_body(&item))
            .transpose()
    }

    async fn reviews(
        &self,
        product: &ProductId,
        sort: ReviewSort,
        page: &PageRequest,
    ) -> Result<Page<Review>, StoreError> {
        let listing = review_listing(product, sort);
        let (index, sort_attribute) = index_of(sort);
        let start_key = Cursor::of_request(page.cursor.as_deref(), &listing)?
            .map(|cursor| {
                let mut key = review_key(&review_of_position(&cursor.id)?);
                key.insert(LISTED_PRODUCT.to_owned(), text(product.as_str()));
                key.insert(
                    sort_attribute.to_owned(),
                    text(sort_key(cursor.at, &cursor.id)),
                );
                Ok::<_, StoreError>(key)
            })
            .transpose()?;
        let limit = page.bounded_limit() as usize;
        let items = Listing {
            table: &self.table,
            index: Some(index),
            key_condition: "listed_product = :product",
            names: Names::new(),
            values: attributes([(":product", text(product.as_str()))]),
            forward: false,
            start_key,
        }
        .read(&self.client, limit + 1)
        .await?;
        let reviews = items
            .iter()
            .map(read_body)
            .collect::<Result<Vec<Review>, _>>()?;
        Ok(page_of(reviews, limit, |last| {
            let (at, id) = review_position(last, sort);
            Cursor::new(&listing, at, id)
        }))
    }

    async fn rating(&self, product: &ProductId) -> Result<Rating, StoreError> {
        get(&self.client, &self.table, rating_key(product))
            .await?
            .map_or(Ok(Rating::default()), |item| rating_of(&item))
    }

    async fn all_ratings(&self) -> Result<Ratings, StoreError> {
        let items = Listing {
            table: &self.table,
            index: Some("ratings"),
            key_condition: "kind = :kind",
            names: Names::new(),
            values: attributes([(":kind", text(RATING_KIND))]),
            forward: true,
            start_key: None,
        }
        .read(&self.client, usize::MAX)
        .await?;
        items
            .iter()
            .map(|item| {
                let partition = read_text(item, PK)?;
                let product = partition
                    .strip_prefix("PRODUCT#")
                    .and_then(|id| ProductId::parse(id).ok())
                    .ok_or_else(|| StoreError::Corrupt(format!("a rating of {partition}")))?;
                Ok((product, rating_of(item)?))
            })
            .collect()
    }
}
