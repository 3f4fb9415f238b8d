//! A product as search holds it: the product, whether it is in stock, its rating and
//! the names of its categories.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use time::OffsetDateTime;

use super::category::Category;
use super::product::{Availability, Product};
use crate::domain::ids::{CategoryId, ProductId};
use crate::domain::reviews::Rating;

/// What a search reads of every listing it found, together in the listing's first cache
/// line: one line read per hit while it judges, counts and ranks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Facts {
    /// Its lowest price whenever it is asked, when no sale window changes it (read
    /// without touching the product).
    pub fixed_price: Option<i64>,
    pub rating: Rating,
    /// A hash of its brand, as the brand facet counts by it.
    pub brand_hash: u64,
    /// A hash of its category's id ([`category_hash`]), which a category filter
    /// compares before the id itself.
    pub category_hash: u64,
    /// Whether any variant has units available.
    pub in_stock: bool,
    /// Whether shoppers may find it: active, with something to sell.
    pub shown: bool,
    /// A hash of its product's id ([`id_hash`]), which orders results with equal keys.
    pub id_hash: u64,
}

/// A product as search holds it: its facts first, in the cache line where it starts.
#[derive(Clone, Debug, PartialEq)]
#[repr(C, align(64))]
pub struct Listing {
    pub facts: Facts,
    pub product: Arc<Product>,
    /// Its name in lower case, as results sort by name.
    pub name_key: String,
    /// The names of its category and of the categories above it, nearest first: words
    /// a shopper may search it by.
    pub category_path: Vec<String>,
}

impl Listing {
    /// `product` as listed with the units `available` and its `rating`, in `categories`.
    pub fn new(
        product: Arc<Product>,
        available: &Availability,
        rating: Rating,
        categories: &[Category],
    ) -> Self {
        let in_stock = product.in_stock(available);
        let path = category_path(&product.category_id, categories);
        Listing::of(product, in_stock, rating, path)
    }

    /// `product` as listed, told whether it is `in_stock`, its `rating` and the names of
    /// its categories, nearest first (as a listing held before says them).
    pub fn of(
        product: Arc<Product>,
        in_stock: bool,
        rating: Rating,
        category_path: Vec<String>,
    ) -> Self {
        let windowed = product
            .variants
            .iter()
            .any(|variant| variant.sale_starts_at.is_some() || variant.sale_ends_at.is_some());
        Listing {
            facts: Facts {
                fixed_price: if windowed {
                    None
                } else {
                    product
                        .from_price(OffsetDateTime::UNIX_EPOCH)
                        .map(|price| price.amount)
                },
                rating,
                brand_hash: hash_of(&product.brand),
                category_hash: category_hash(&product.category_id),
                in_stock,
                shown: product.active && !product.variants.is_empty(),
                id_hash: id_hash(&product.id),
            },
            name_key: product.name.to_lowercase(),
            category_path,
            product,
        }
    }

    /// The lowest price a shopper pays at `now`, in minor units; `None` without variants.
    pub fn price_at(&self, now: OffsetDateTime) -> Option<i64> {
        self.facts
            .fixed_price
            .or_else(|| self.product.from_price(now).map(|price| price.amount))
    }

    /// Whether any variant has units available.
    pub fn in_stock(&self) -> bool {
        self.facts.in_stock
    }

    /// Its reviews' stars and count.
    pub fn rating(&self) -> Rating {
        self.facts.rating
    }

    /// Whether shoppers may find it: active, with something to sell.
    pub fn is_shown(&self) -> bool {
        self.facts.shown
    }
}

fn hash_of(value: &impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// The hash of a product id that results order equal keys by: the same in every
/// process built by one compiler, so a cursor holds across Lambda instances.
pub(super) fn id_hash(id: &ProductId) -> u64 {
    hash_of(id)
}

/// The hash of a category id that a listing holds for its product's category.
pub(super) fn category_hash(id: &CategoryId) -> u64 {
    hash_of(id)
}

/// The names of `category` and its ancestors, nearest first; a cycle or a missing parent
/// ends the path.
fn category_path(category: &CategoryId, categories: &[Category]) -> Vec<String> {
    let mut path = Vec::new();
    let mut next = Some(category);
    while let Some(id) = next {
        let Some(found) = categories.iter().find(|candidate| &candidate.id == id) else {
            break;
        };
        if path.len() > categories.len() {
            break;
        }
        path.push(found.name.clone());
        next = found.parent_id.as_ref();
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(id: &str, name: &str, parent: Option<&str>) -> Category {
        Category {
            id: CategoryId::parse(id).unwrap(),
            name: name.to_owned(),
            parent_id: parent.map(|parent| CategoryId::parse(parent).unwrap()),
        }
    }

    #[test]
    fn a_category_path_climbs_to_the_root_and_stops_at_a_cycle() {
        let tree = [
            category("audio", "Audio", None),
            category("speakers", "Speakers", Some("audio")),
            category("loop-a", "A", Some("loop-b")),
            category("loop-b", "B", Some("loop-a")),
        ];
        let id = |raw| CategoryId::parse(raw).unwrap();
        assert_eq!(category_path(&id("speakers"), &tree), ["Speakers", "Audio"]);
        assert_eq!(category_path(&id("missing"), &tree), Vec::<String>::new());
        assert!(category_path(&id("loop-a"), &tree).len() <= tree.len() + 1);
    }
}
