//! Products and their variants, and the checks an operator's input must pass.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::ids::{CategoryId, ProductId, Sku};

/// Units available to sell per SKU, as inventory counts them; a SKU not in it has none.
pub type Availability = HashMap<Sku, i64>;
use crate::domain::money::{Currency, Money};
use crate::domain::validation::{Checks, FieldError};

/// The most variants (SKUs) one product may have.
pub const MAX_VARIANTS: usize = 20;
const MAX_IMAGES: usize = 20;
const MAX_ATTRIBUTES: usize = 50;
const MAX_STOCK: u32 = 10_000_000;

/// A product as stored and shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub id: ProductId,
    pub name: String,
    pub description: String,
    pub brand: String,
    pub category_id: CategoryId,
    pub attributes: BTreeMap<String, String>,
    pub images: Vec<String>,
    pub variants: Vec<Variant>,
    /// Inactive products are hidden from shoppers and cannot be added to carts.
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Incremented by every write; stores refuse a write based on a stale version.
    pub version: u64,
}

/// One purchasable form of a product (a size, a colour): the unit that is stocked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Variant {
    pub sku: Sku,
    pub name: String,
    pub attributes: BTreeMap<String, String>,
    pub price: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_price: Option<Money>,
    /// When the sale price starts to apply; always, until `sale_ends_at`, when absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub sale_starts_at: Option<OffsetDateTime>,
    /// When the sale price stops applying; never, when absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub sale_ends_at: Option<OffsetDateTime>,
}

impl Variant {
    /// Whether the sale price applies at `now`: there is one, and `now` is within its
    /// window (from its start, inclusive, to its end, exclusive).
    pub fn on_sale_at(&self, now: OffsetDateTime) -> bool {
        self.sale_price.is_some()
            && self.sale_starts_at.is_none_or(|starts| now >= starts)
            && self.sale_ends_at.is_none_or(|ends| now < ends)
    }

    /// What a shopper pays for one unit at `now`: the sale price while it applies, else
    /// the price. The one place a catalog price is chosen.
    pub fn price_at(&self, now: OffsetDateTime) -> Money {
        match self.sale_price {
            Some(sale_price) if self.on_sale_at(now) => sale_price,
            _ => self.price,
        }
    }
}

impl Product {
    /// The variant with this SKU.
    pub fn variant(&self, sku: &Sku) -> Option<&Variant> {
        self.variants.iter().find(|variant| &variant.sku == sku)
    }

    /// The lowest price a shopper can pay for this product at `now` ("from …").
    pub fn from_price(&self, now: OffsetDateTime) -> Option<Money> {
        self.variants
            .iter()
            .map(|variant| variant.price_at(now))
            .min_by_key(|price| price.amount)
    }

    /// The SKUs of its variants.
    pub fn skus(&self) -> Vec<Sku> {
        self.variants
            .iter()
            .map(|variant| variant.sku.clone())
            .collect()
    }

    /// Whether any variant has units available, as `available` counts them per SKU.
    pub fn in_stock(&self, available: &Availability) -> bool {
        self.variants
            .iter()
            .any(|variant| available.get(&variant.sku).is_some_and(|units| *units > 0))
    }

    /// Builds a new product from an operator's validated draft.
    pub fn create(id: ProductId, draft: ProductDraft, now: OffsetDateTime) -> Self {
        Product {
            id,
            name: draft.name,
            description: draft.description,
            brand: draft.brand,
            category_id: draft.category_id,
            attributes: draft.attributes,
            images: draft.images,
            variants: draft
                .variants
                .into_iter()
                .map(VariantDraft::into_variant)
                .collect(),
            active: draft.active,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    /// This product with every field an operator controls replaced by `draft`.
    pub fn replaced_by(&self, draft: ProductDraft, now: OffsetDateTime) -> Self {
        Product {
            created_at: self.created_at,
            updated_at: now,
            version: self.version + 1,
            ..Product::create(self.id.clone(), draft, now)
        }
    }
}

/// What an operator sends to create or replace a product.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductDraft {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub brand: String,
    pub category_id: CategoryId,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub images: Vec<String>,
    pub variants: Vec<VariantDraft>,
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn active_by_default() -> bool {
    true
}

/// One variant in an operator's draft.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VariantDraft {
    pub sku: Sku,
    pub name: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    pub price: Money,
    #[serde(default)]
    pub sale_price: Option<Money>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub sale_starts_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub sale_ends_at: Option<OffsetDateTime>,
    /// Units on hand to set in inventory when the product is saved; absent leaves the
    /// SKU's stock as it is (`PUT /admin/inventory/{sku}` changes it later).
    #[serde(default)]
    pub stock: Option<u32>,
}

impl VariantDraft {
    fn into_variant(self) -> Variant {
        Variant {
            sku: self.sku,
            name: self.name,
            attributes: self.attributes,
            price: self.price,
            sale_price: self.sale_price,
            sale_starts_at: self.sale_starts_at,
            sale_ends_at: self.sale_ends_at,
        }
    }
}

impl ProductDraft {
    /// Checks everything that can be checked without the store; prices must be in the
    /// shop's `currency`.
    pub fn validate(&self, currency: Currency) -> Result<(), Vec<FieldError>> {
        let mut checks = Checks::default();
        checks.text_length(&self.name, 1, 200, "name");
        checks.text_length(&self.description, 0, 5000, "description");
        checks.text_length(&self.brand, 1, 100, "brand");
        check_attributes(&mut checks, &self.attributes, "attributes");
        checks.require(
            self.images.len() <= MAX_IMAGES,
            "images",
            format!("at most {MAX_IMAGES} images"),
        );
        for (index, url) in self.images.iter().enumerate() {
            checks.require(
                (url.starts_with("https://") || url.starts_with("http://")) && url.len() <= 2048,
                format!("images[{index}]"),
                "must be an http(s) URL of at most 2048 characters",
            );
        }
        checks.require(
            (1..=MAX_VARIANTS).contains(&self.variants.len()),
            "variants",
            format!("a product has 1 to {MAX_VARIANTS} variants"),
        );
        let mut seen = HashSet::new();
        for (index, variant) in self.variants.iter().enumerate() {
            let field = format!("variants[{index}]");
            checks.require(
                seen.insert(&variant.sku),
                format!("{field}.sku"),
                "SKU appears twice in this product",
            );
            variant.check(&mut checks, &field, currency);
        }
        checks.finish()
    }
}

impl VariantDraft {
    fn check(&self, checks: &mut Checks, field: &str, currency: Currency) {
        checks.text_length(&self.name, 1, 200, format!("{field}.name"));
        check_attributes(checks, &self.attributes, &format!("{field}.attributes"));
        check_price(checks, &self.price, &format!("{field}.price"), currency);
        if let Some(sale_price) = &self.sale_price {
            let sale_field = format!("{field}.salePrice");
            check_price(checks, sale_price, &sale_field, currency);
            checks.require(
                sale_price.amount < self.price.amount,
                format!("{sale_field}.amount"),
                "a sale price must be lower than the price",
            );
        }
        checks.require(
            self.sale_price.is_some()
                || (self.sale_starts_at.is_none() && self.sale_ends_at.is_none()),
            format!("{field}.salePrice"),
            "a sale window (saleStartsAt, saleEndsAt) needs a sale price",
        );
        if let (Some(starts), Some(ends)) = (self.sale_starts_at, self.sale_ends_at) {
            checks.require(
                starts < ends,
                format!("{field}.saleEndsAt"),
                "must be after saleStartsAt",
            );
        }
        checks.require(
            self.stock.is_none_or(|stock| stock <= MAX_STOCK),
            format!("{field}.stock"),
            format!("must be at most {MAX_STOCK}"),
        );
    }
}

fn check_price(checks: &mut Checks, price: &Money, field: &str, currency: Currency) {
    checks.require(
        price.amount >= 0,
        format!("{field}.amount"),
        "must not be negative",
    );
    checks.require(
        price.currency == currency,
        format!("{field}.currency"),
        format!("the shop sells in {currency}"),
    );
}

fn check_attributes(checks: &mut Checks, attributes: &BTreeMap<String, String>, field: &str) {
    checks.require(
        attributes.len() <= MAX_ATTRIBUTES,
        field,
        format!("at most {MAX_ATTRIBUTES} attributes"),
    );
    for (key, value) in attributes {
        checks.text_length(key, 1, 64, format!("{field}.{key}"));
        checks.text_length(value, 0, 256, format!("{field}.{key}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ProductDraft {
        serde_json::from_value(serde_json::json!({
            "name": "Studio Headphones",
            "brand": "Sonora",
            "categoryId": "headphones",
            "variants": [
                {"sku": "HP-1-BLK", "name": "Black", "price": {"amount": 12900, "currency": "USD"}, "stock": 5},
                {"sku": "HP-1-WHT", "name": "White", "price": {"amount": 12900, "currency": "USD"},
                 "salePrice": {"amount": 9900, "currency": "USD"}}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn a_good_draft_passes() {
        assert_eq!(draft().validate(Currency::USD), Ok(()));
    }

    #[test]
    fn every_mistake_is_named() {
        let mut bad = draft();
        bad.name.clear();
        bad.variants[0].price.amount = -1;
        bad.variants[1].sku = bad.variants[0].sku.clone();
        bad.variants[1].sale_price = Some(Money::new(20000, Currency::USD));
        bad.images.push("ftp://nope".into());
        let fields: Vec<String> = bad
            .validate(Currency::USD)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "name",
                "images[0]",
                "variants[0].price.amount",
                "variants[1].sku",
                "variants[1].salePrice.amount"
            ]
        );
    }

    #[test]
    fn prices_must_be_in_the_shop_currency() {
        let errors = draft().validate("EUR".parse().unwrap()).unwrap_err();
        assert!(errors.iter().all(|e| e.field.ends_with(".currency")));
    }

    #[test]
    fn a_sale_price_applies_within_its_window_only() {
        let starts = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let ends = starts + time::Duration::days(2);
        let mut draft = draft();
        draft.variants[1].sale_starts_at = Some(starts);
        draft.variants[1].sale_ends_at = Some(ends);
        assert_eq!(draft.validate(Currency::USD), Ok(()));
        let product = Product::create(ProductId::parse("p1").unwrap(), draft.clone(), starts);
        let white = &product.variants[1];
        for (at, amount) in [
            (starts - time::Duration::seconds(1), 12900),
            (starts, 9900),
            (ends - time::Duration::seconds(1), 9900),
            (ends, 12900),
        ] {
            assert_eq!(white.price_at(at).amount, amount, "at {at}");
        }
        assert_eq!(product.from_price(ends).unwrap().amount, 12900);

        draft.variants[1].sale_ends_at = Some(starts);
        draft.variants[0].sale_starts_at = Some(starts);
        let fields: Vec<String> = draft
            .validate(Currency::USD)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["variants[0].salePrice", "variants[1].saleEndsAt"]);
    }

    #[test]
    fn from_price_takes_the_cheapest_price_now() {
        let product = Product::create(
            ProductId::parse("p1").unwrap(),
            draft(),
            OffsetDateTime::UNIX_EPOCH,
        );
        assert_eq!(
            product
                .from_price(OffsetDateTime::UNIX_EPOCH)
                .unwrap()
                .amount,
            9900
        );
        let mut available = Availability::new();
        assert!(!product.in_stock(&available));
        available.insert(Sku::parse("HP-1-WHT").unwrap(), 2);
        assert!(product.in_stock(&available));
    }
}
