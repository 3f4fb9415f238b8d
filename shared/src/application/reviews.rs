//! Reviews: a shopper who received a product writes one review of it and may rewrite
//! it; anyone reads a product's shown reviews and its rating; operators hide a review,
//! which takes it out of the rating. Every change is one conditional write of the review
//! and its product's counters together, started over when another request wrote first.

use crate::application::catalog::product_changed;
use crate::application::error::ShopError;
use crate::application::Services;
use crate::domain::events::payloads::ProductChange;
use crate::domain::ids::{ProductId, ReviewId, UserId};
use crate::domain::reviews::{Rating, Review, ReviewDraft, ReviewSort};
use crate::domain::store::{retry_on_conflict, Page, PageRequest, StoreError};

/// The product `id`, which must exist and be on sale.
async fn listed_product(services: &Services, id: &ProductId) -> Result<(), ShopError> {
    match services.catalog.product(id).await? {
        Some(product) if product.active => Ok(()),
        _ => Err(ShopError::Missing(format!("no product {id}"))),
    }
}

/// Whether one of `user`'s orders delivered `product` to them, reading their orders a
/// page at a time, newest first, until one did.
async fn received(
    services: &Services,
    user: &UserId,
    product: &ProductId,
) -> Result<bool, ShopError> {
    let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
    loop {
        let orders = services.orders.orders_for_user(user, &page).await?;
        if orders.items.iter().any(|order| order.delivered(product)) {
            return Ok(true);
        }
        match orders.next_cursor {
            Some(cursor) => page = PageRequest::after(cursor, PageRequest::MAX_LIMIT),
            None => return Ok(false),
        }
    }
}

/// `user`'s review of `product`, written from `draft`: only a shopper to whom an order
/// delivered it, once.
pub async fn write_review(
    services: &Services,
    user: &UserId,
    product: &ProductId,
    draft: ReviewDraft,
) -> Result<Review, ShopError> {
    let checked = draft.check().map_err(ShopError::Invalid)?;
    listed_product(services, product).await?;
    if !received(services, user, product).await? {
        return Err(ShopError::Forbidden(format!(
            "only a shopper whose order of product {product} was delivered may review it"
        )));
    }
    let id = ReviewId::from_uuid(services.ids.next_uuid());
    let review = Review::write(
        id,
        product.clone(),
        user.clone(),
        checked,
        services.clock.now(),
    );
    match services.reviews.add(&review).await {
        Ok(()) => {
            tracing::info!(review_id = %review.id, product_id = %product, "review written");
            product_changed(services, product, ProductChange::Rated).await?;
            Ok(review)
        }
        Err(StoreError::AlreadyExists) => Err(ShopError::Conflict(format!(
            "you have reviewed product {product} already; PUT changes that review"
        ))),
        Err(error) => Err(error.into()),
    }
}

/// Which review a change is of.
enum Named<'a> {
    /// `user`'s review of `product`.
    By(&'a UserId, &'a ProductId),
    /// The review with this id.
    Id(&'a ReviewId),
}

impl Named<'_> {
    async fn read(&self, services: &Services) -> Result<Review, ShopError> {
        match self {
            Named::By(user, product) => services
                .reviews
                .review_by(product, user)
                .await?
                .ok_or_else(|| {
                    ShopError::Missing(format!("you have not reviewed product {product}"))
                }),
            Named::Id(id) => services
                .reviews
                .review(id)
                .await?
                .ok_or_else(|| ShopError::Missing(format!("no review {id}"))),
        }
    }
}

/// Reads the review `named`, changes it with `change` (`None`: nothing to change) and
/// writes it back with its product's rating, starting over when another request wrote
/// it in between.
async fn change_review(
    services: &Services,
    named: Named<'_>,
    change: impl Fn(&Review) -> Option<Review>,
) -> Result<Review, ShopError> {
    retry_on_conflict(|| async {
        let previous = named.read(services).await?;
        let Some(review) = change(&previous) else {
            return Ok(previous);
        };
        services.reviews.replace(&previous, &review).await?;
        product_changed(services, &review.product_id, ProductChange::Rated).await?;
        Ok(review)
    })
    .await
    .map_err(|error: ShopError| error.busy_if_lost("the review"))
}

/// `user`'s review of `product`, rewritten from `draft`.
pub async fn edit_review(
    services: &Services,
    user: &UserId,
    product: &ProductId,
    draft: ReviewDraft,
) -> Result<Review, ShopError> {
    let checked = draft.check().map_err(ShopError::Invalid)?;
    change_review(services, Named::By(user, product), |review| {
        Some(review.edited(checked.clone(), services.clock.now()))
    })
    .await
}

/// Hides the review `id`: it is no longer listed nor counted. Hiding a hidden review
/// changes nothing.
pub async fn hide_review(services: &Services, id: &ReviewId) -> Result<Review, ShopError> {
    let review = change_review(services, Named::Id(id), |review| {
        (!review.hidden).then(|| review.hidden(services.clock.now()))
    })
    .await?;
    tracing::info!(review_id = %id, "review hidden");
    Ok(review)
}

/// One page of `product`'s shown reviews in `sort` order, with its rating.
pub async fn reviews(
    services: &Services,
    product: &ProductId,
    sort: ReviewSort,
    page: &PageRequest,
) -> Result<(Page<Review>, Rating), ShopError> {
    listed_product(services, product).await?;
    let reviews = services.reviews.reviews(product, sort, page).await?;
    Ok((reviews, services.reviews.rating(product).await?))
}
