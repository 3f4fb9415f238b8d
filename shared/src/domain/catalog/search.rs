//! Shopper search over the catalog: filters, sort, facet counts and cursor pagination
//! over the products a search index found for the words typed (every shown product when
//! none were), so that every index answers the same query alike.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::category::{descendants_of, Category};
use super::listing::Listing;
use super::product::Product;
use crate::domain::ids::{CategoryId, ProductId};
use crate::domain::money::Money;
use crate::domain::reviews::Rating;
use crate::domain::store::{decode_cursor, encode_cursor};

/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: usize = 100;
/// The page size when the shopper names none.
pub const DEFAULT_PAGE_SIZE: usize = 20;
/// The longest search text.
pub const MAX_QUERY_TEXT: usize = 200;

/// Price buckets for the price facet, in minor units: `[min, max)`, the last open-ended.
const PRICE_BUCKETS: [(i64, Option<i64>); 5] = [
    (0, Some(2_500)),
    (2_500, Some(5_000)),
    (5_000, Some(10_000)),
    (10_000, Some(25_000)),
    (25_000, None),
];

/// How results are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductSort {
    /// Best match for the words first; by name when there are none.
    #[serde(rename = "relevance")]
    Relevance,
    #[serde(rename = "price")]
    PriceAscending,
    #[serde(rename = "-price")]
    PriceDescending,
    #[serde(rename = "name")]
    NameAscending,
    #[serde(rename = "-name")]
    NameDescending,
    #[serde(rename = "newest")]
    Newest,
    /// Best average first, more reviews first among equals, unrated last.
    #[serde(rename = "rating")]
    Rating,
}

impl ProductSort {
    /// The sort named `raw` as the API spells it (`relevance`, `price`, `-price`,
    /// `name`, `-name`, `newest`, `rating`).
    pub fn parse(raw: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(raw.to_owned())).ok()
    }
}

/// A shopper's search: filters, sort, page size and where the page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductQuery {
    pub category: Option<CategoryId>,
    pub brand: Option<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub in_stock: Option<bool>,
    /// Only products whose average is at least this many stars.
    pub min_rating: Option<u8>,
    pub text: Option<String>,
    pub sort: ProductSort,
    pub limit: usize,
    /// Where the previous page ended, if this is not the first page.
    pub cursor: Option<SearchCursor>,
}

impl Default for ProductQuery {
    /// Everything, by name, a page of [`DEFAULT_PAGE_SIZE`].
    fn default() -> Self {
        ProductQuery {
            category: None,
            brand: None,
            min_price: None,
            max_price: None,
            in_stock: None,
            min_rating: None,
            text: None,
            sort: ProductSort::NameAscending,
            limit: DEFAULT_PAGE_SIZE,
            cursor: None,
        }
    }
}

/// Where the previous page ended: the sort key and id of its last product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchCursor {
    sort: ProductSort,
    key: SortKey,
    id: ProductId,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
enum SortKey {
    Number(i64),
    Text(String),
}

impl SearchCursor {
    fn encode(&self) -> String {
        encode_cursor(self)
    }

    /// The cursor `raw`, if a search handed it out.
    pub fn decode(raw: &str) -> Option<SearchCursor> {
        decode_cursor(raw)
    }

    /// The sort of the search that handed the cursor out; it only continues that one.
    pub fn sort(&self) -> ProductSort {
        self.sort
    }
}

/// A product as a search result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductSummary {
    pub id: ProductId,
    pub name: String,
    pub brand: String,
    pub category_id: CategoryId,
    /// The lowest price a shopper pays now.
    pub price: Money,
    /// The regular price of that variant, shown struck through when on sale.
    pub regular_price: Money,
    pub on_sale: bool,
    pub in_stock: bool,
    pub rating: Rating,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Count of results per brand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BrandFacet {
    pub brand: String,
    pub count: usize,
}

/// Count of results in one price range, `[min, max)` in minor units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PriceRangeFacet {
    pub min: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    pub count: usize,
}

/// Count of results rated at least `min_rating` stars on average.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RatingFacet {
    pub min_rating: u8,
    pub count: usize,
}

/// Facet counts. Each facet ignores its own filter, so a shopper who picked one brand
/// still sees how many results the other brands would give.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Facets {
    pub brands: Vec<BrandFacet>,
    pub price_ranges: Vec<PriceRangeFacet>,
    /// Four stars and up, three and up, two and up, one and up.
    pub ratings: Vec<RatingFacet>,
}

/// One page of search results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductPage {
    pub items: Vec<ProductSummary>,
    /// Pass this back as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// How many products match, across all pages.
    pub total: usize,
    pub facets: Facets,
    /// When nothing matched: a spelling of the words that would have found something.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did_you_mean: Option<String>,
}

/// A product the index found for the words typed, and how well it matched them.
#[derive(Clone, Copy, Debug)]
pub struct Hit<'a> {
    pub listing: &'a Listing,
    /// Higher is better; 0 when no words were typed.
    pub score: f32,
}

/// Which filter a facet leaves out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ignoring {
    Nothing,
    Brand,
    Price,
    Rating,
}

struct Matcher<'q> {
    query: &'q ProductQuery,
    /// When prices are taken (a sale price applies only within its window).
    now: OffsetDateTime,
    categories: Option<HashSet<CategoryId>>,
}

impl<'q> Matcher<'q> {
    fn new(query: &'q ProductQuery, categories: &[Category], now: OffsetDateTime) -> Self {
        Matcher {
            query,
            now,
            categories: query
                .category
                .as_ref()
                .map(|root| descendants_of(root, categories)),
        }
    }

    fn matches(&self, listing: &Listing, ignoring: Ignoring) -> bool {
        let product = &listing.product;
        let Some(price) = product.from_price(self.now) else {
            return false;
        };
        let query = self.query;
        listing.is_shown()
            && self
                .categories
                .as_ref()
                .is_none_or(|wanted| wanted.contains(&product.category_id))
            && (ignoring == Ignoring::Brand
                || query
                    .brand
                    .as_ref()
                    .is_none_or(|brand| product.brand.eq_ignore_ascii_case(brand)))
            && (ignoring == Ignoring::Price
                || (query.min_price.is_none_or(|min| price.amount >= min)
                    && query.max_price.is_none_or(|max| price.amount <= max)))
            && query
                .in_stock
                .is_none_or(|wanted| listing.in_stock == wanted)
            && (ignoring == Ignoring::Rating
                || query
                    .min_rating
                    .is_none_or(|stars| listing.rating.at_least(stars)))
    }
}

/// Where a rating sorts: by average in thousandths of a star, then by how many reviews
/// (up to a trillion) make it; unrated below every rated product.
fn rating_sort_key(rating: Rating) -> i64 {
    const REVIEWS: i64 = 1_000_000_000_000;
    let average = rating
        .average_thousandths()
        .map_or(0, |average| i64::try_from(average).unwrap_or(0));
    let reviews = i64::try_from(rating.count)
        .unwrap_or(i64::MAX)
        .min(REVIEWS - 1);
    average * REVIEWS + reviews
}

/// Where a match sorts by relevance: its score to a millionth.
fn relevance_key(score: f32) -> i64 {
    (f64::from(score) * 1_000_000.0).round() as i64
}

/// The sort that orders results: relevance without words typed is by name.
fn effective(sort: ProductSort, query: &ProductQuery) -> ProductSort {
    match sort {
        ProductSort::Relevance if query.text.is_none() => ProductSort::NameAscending,
        other => other,
    }
}

fn sort_key(hit: &Hit<'_>, sort: ProductSort, now: OffsetDateTime) -> SortKey {
    let product: &Product = &hit.listing.product;
    match sort {
        ProductSort::Relevance => SortKey::Number(relevance_key(hit.score)),
        ProductSort::PriceAscending | ProductSort::PriceDescending => {
            SortKey::Number(product.from_price(now).map_or(0, |price| price.amount))
        }
        ProductSort::NameAscending | ProductSort::NameDescending => {
            SortKey::Text(product.name.to_lowercase())
        }
        ProductSort::Newest => SortKey::Number(product.created_at.unix_timestamp()),
        ProductSort::Rating => SortKey::Number(rating_sort_key(hit.listing.rating)),
    }
}

fn compare(sort: ProductSort, a: (&SortKey, &ProductId), b: (&SortKey, &ProductId)) -> Ordering {
    let by_key = a.0.cmp(b.0);
    let by_key = match sort {
        ProductSort::Relevance
        | ProductSort::PriceDescending
        | ProductSort::NameDescending
        | ProductSort::Newest
        | ProductSort::Rating => by_key.reverse(),
        ProductSort::PriceAscending | ProductSort::NameAscending => by_key,
    };
    by_key.then_with(|| a.1.cmp(b.1))
}

fn summarize(listing: &Listing, now: OffsetDateTime) -> Option<ProductSummary> {
    let product = &listing.product;
    let cheapest = product
        .variants
        .iter()
        .min_by_key(|variant| variant.price_at(now).amount)?;
    Some(ProductSummary {
        id: product.id.clone(),
        name: product.name.clone(),
        brand: product.brand.clone(),
        category_id: product.category_id.clone(),
        price: cheapest.price_at(now),
        regular_price: cheapest.price,
        on_sale: cheapest.on_sale_at(now),
        in_stock: listing.in_stock,
        rating: listing.rating,
        image: product.images.first().cloned(),
        created_at: product.created_at,
    })
}

fn facets(hits: &[Hit<'_>], matcher: &Matcher<'_>) -> Facets {
    let listings = || hits.iter().map(|hit| hit.listing);
    let mut brands: BTreeMap<&str, usize> = BTreeMap::new();
    for listing in listings().filter(|l| matcher.matches(l, Ignoring::Brand)) {
        *brands.entry(listing.product.brand.as_str()).or_default() += 1;
    }
    let mut brands: Vec<BrandFacet> = brands
        .into_iter()
        .map(|(brand, count)| BrandFacet {
            brand: brand.to_owned(),
            count,
        })
        .collect();
    brands.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.brand.cmp(&b.brand)));

    let prices: Vec<i64> = listings()
        .filter(|l| matcher.matches(l, Ignoring::Price))
        .filter_map(|l| l.product.from_price(matcher.now).map(|price| price.amount))
        .collect();
    let price_ranges = PRICE_BUCKETS
        .iter()
        .map(|&(min, max)| PriceRangeFacet {
            min,
            max,
            count: prices
                .iter()
                .filter(|&&amount| amount >= min && max.is_none_or(|max| amount < max))
                .count(),
        })
        .collect();
    let ratings = [4, 3, 2, 1]
        .into_iter()
        .map(|min_rating| RatingFacet {
            min_rating,
            count: listings()
                .filter(|l| matcher.matches(l, Ignoring::Rating))
                .filter(|l| l.rating.at_least(min_rating))
                .count(),
        })
        .collect();
    Facets {
        brands,
        price_ranges,
        ratings,
    }
}

/// One page of the `hits` an index found for `query`'s words (every listing when there
/// are none): filtered, sorted and counted at the prices of `now`.
pub fn results(
    hits: &[Hit<'_>],
    categories: &[Category],
    query: &ProductQuery,
    now: OffsetDateTime,
) -> ProductPage {
    let matcher = Matcher::new(query, categories, now);
    let sort = effective(query.sort, query);
    let mut matching: Vec<(SortKey, &Hit<'_>)> = hits
        .iter()
        .filter(|hit| matcher.matches(hit.listing, Ignoring::Nothing))
        .map(|hit| (sort_key(hit, sort, now), hit))
        .collect();
    matching.sort_by(|a, b| {
        compare(
            sort,
            (&a.0, &a.1.listing.product.id),
            (&b.0, &b.1.listing.product.id),
        )
    });

    let start = query.cursor.as_ref().map_or(0, |cursor| {
        matching.partition_point(|(key, hit)| {
            compare(
                sort,
                (key, &hit.listing.product.id),
                (&cursor.key, &cursor.id),
            ) != Ordering::Greater
        })
    });
    let page: Vec<&(SortKey, &Hit<'_>)> = matching.iter().skip(start).take(query.limit).collect();
    let next_cursor = match page.last() {
        Some((key, hit)) if start + page.len() < matching.len() => Some(
            SearchCursor {
                sort: query.sort,
                key: key.clone(),
                id: hit.listing.product.id.clone(),
            }
            .encode(),
        ),
        _ => None,
    };
    ProductPage {
        items: page
            .iter()
            .filter_map(|(_, hit)| summarize(hit.listing, now))
            .collect(),
        next_cursor,
        total: matching.len(),
        facets: facets(hits, &matcher),
        did_you_mean: None,
    }
}
