//! A product as search holds it: the product, whether it is in stock, its rating and
//! the names of its categories.

use std::sync::Arc;

use super::category::Category;
use super::product::{Availability, Product};
use crate::domain::ids::CategoryId;
use crate::domain::reviews::Rating;

/// A product as search holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Listing {
    pub product: Arc<Product>,
    /// Whether any variant has units available.
    pub in_stock: bool,
    pub rating: Rating,
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
        Listing {
            in_stock: product.in_stock(available),
            rating,
            category_path: category_path(&product.category_id, categories),
            product,
        }
    }

    /// Whether shoppers may find it: active, with something to sell.
    pub fn is_shown(&self) -> bool {
        self.product.active && !self.product.variants.is_empty()
    }
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
