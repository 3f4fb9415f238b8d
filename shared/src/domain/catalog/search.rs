//! Shopper search over the catalog: filters, sort, facet counts and cursor pagination
//! over the products a search index found for the words typed (every shown product when
//! none were), so that every index answers the same query alike.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::category::{descendants_of, Category};
use super::listing::{id_hash, Listing};
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

/// The rating facet's floors: four stars and up, three and up, two and up, one and up.
const RATING_FLOORS: [u8; 4] = [4, 3, 2, 1];

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

/// A hit judged against each filter once, at the prices of the moment: what every facet
/// and the results read.
struct Judged<'a> {
    hit: &'a Hit<'a>,
    price: i64,
    /// Shown, in the category asked for and in the stock state asked for.
    base: bool,
    brand: bool,
    priced: bool,
    rated: bool,
}

impl Judged<'_> {
    fn matches(&self) -> bool {
        self.base && self.brand && self.priced && self.rated
    }
}

/// Judges every hit against `query`'s filters at `now`; hits with nothing to sell are
/// left out.
fn judge<'a>(
    hits: &'a [Hit<'a>],
    query: &ProductQuery,
    categories: &[Category],
    now: OffsetDateTime,
) -> Vec<Judged<'a>> {
    // A subtree holds a few categories: a list compares faster than a set hashes.
    let wanted: Option<Vec<CategoryId>> = query
        .category
        .as_ref()
        .map(|root| descendants_of(root, categories).into_iter().collect());
    hits.iter()
        .filter_map(|hit| {
            let listing = hit.listing;
            let product = &listing.product;
            let price = listing.price_at(now)?;
            Some(Judged {
                hit,
                price,
                base: listing.is_shown()
                    && wanted
                        .as_ref()
                        .is_none_or(|wanted| wanted.contains(&product.category_id))
                    && query
                        .in_stock
                        .is_none_or(|in_stock| listing.in_stock == in_stock),
                brand: query
                    .brand
                    .as_ref()
                    .is_none_or(|brand| product.brand.eq_ignore_ascii_case(brand)),
                priced: query.min_price.is_none_or(|min| price >= min)
                    && query.max_price.is_none_or(|max| price <= max),
                rated: query
                    .min_rating
                    .is_none_or(|stars| listing.rating.at_least(stars)),
            })
        })
        .collect()
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

/// A sort key as results compare it, borrowed from the listing.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Key<'a> {
    Number(i64),
    Text(&'a str),
}

impl SortKey {
    fn borrowed(&self) -> Key<'_> {
        match self {
            SortKey::Number(number) => Key::Number(*number),
            SortKey::Text(text) => Key::Text(text),
        }
    }
}

impl Key<'_> {
    fn owned(self) -> SortKey {
        match self {
            Key::Number(number) => SortKey::Number(number),
            Key::Text(text) => SortKey::Text(text.to_owned()),
        }
    }
}

fn sort_key<'a>(judged: &Judged<'a>, sort: ProductSort) -> Key<'a> {
    let listing = judged.hit.listing;
    match sort {
        ProductSort::Relevance => Key::Number(relevance_key(judged.hit.score)),
        ProductSort::PriceAscending | ProductSort::PriceDescending => Key::Number(judged.price),
        ProductSort::NameAscending | ProductSort::NameDescending => Key::Text(&listing.name_key),
        ProductSort::Newest => Key::Number(listing.product.created_at.unix_timestamp()),
        ProductSort::Rating => Key::Number(rating_sort_key(listing.rating)),
    }
}

/// What orders hits with the same key: a hash of the product's id (which the listing
/// holds, so comparing rarely reaches the product), then the id itself.
type Tie<'a> = (u64, &'a ProductId);

fn tie<'a>(judged: &Judged<'a>) -> Tie<'a> {
    let listing = judged.hit.listing;
    (listing.id_hash, &listing.product.id)
}

fn compare(sort: ProductSort, a: (Key<'_>, Tie<'_>), b: (Key<'_>, Tie<'_>)) -> Ordering {
    let by_key = a.0.cmp(&b.0);
    let by_key = match sort {
        ProductSort::Relevance
        | ProductSort::PriceDescending
        | ProductSort::NameDescending
        | ProductSort::Newest
        | ProductSort::Rating => by_key.reverse(),
        ProductSort::PriceAscending | ProductSort::NameAscending => by_key,
    };
    by_key.then_with(|| a.1.cmp(&b.1))
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

fn facets(judged: &[Judged<'_>]) -> Facets {
    // Counted by the brand's hash, which each listing holds: a hash of a number is
    // cheaper than comparing names for every hit. Two brands whose 64-bit hashes
    // collided (about 1 in 10^19 for a pair) would be counted as one.
    let mut by_hash: HashMap<u64, (&str, usize)> = HashMap::new();
    let mut price_counts = [0usize; PRICE_BUCKETS.len()];
    let mut rating_counts = [0usize; RATING_FLOORS.len()];
    for one in judged.iter().filter(|one| one.base) {
        let listing = one.hit.listing;
        if one.priced && one.rated {
            by_hash
                .entry(listing.brand_hash)
                .or_insert((listing.product.brand.as_str(), 0))
                .1 += 1;
        }
        if one.brand && one.rated {
            for (count, &(min, max)) in price_counts.iter_mut().zip(&PRICE_BUCKETS) {
                if one.price >= min && max.is_none_or(|max| one.price < max) {
                    *count += 1;
                }
            }
        }
        if one.brand && one.priced {
            for (count, &floor) in rating_counts.iter_mut().zip(&RATING_FLOORS) {
                if one.hit.listing.rating.at_least(floor) {
                    *count += 1;
                }
            }
        }
    }
    let mut brands: BTreeMap<&str, usize> = BTreeMap::new();
    for (brand, count) in by_hash.into_values() {
        *brands.entry(brand).or_default() += count;
    }
    let mut brands: Vec<BrandFacet> = brands
        .into_iter()
        .map(|(brand, count)| BrandFacet {
            brand: brand.to_owned(),
            count,
        })
        .collect();
    brands.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.brand.cmp(&b.brand)));
    Facets {
        brands,
        price_ranges: PRICE_BUCKETS
            .iter()
            .zip(price_counts)
            .map(|(&(min, max), count)| PriceRangeFacet { min, max, count })
            .collect(),
        ratings: RATING_FLOORS
            .iter()
            .zip(rating_counts)
            .map(|(&min_rating, count)| RatingFacet { min_rating, count })
            .collect(),
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
    let judged = judge(hits, query, categories, now);
    let sort = effective(query.sort, query);
    let matching: Vec<(Key<'_>, &Judged<'_>)> = judged
        .iter()
        .filter(|judged| judged.matches())
        .map(|judged| (sort_key(judged, sort), judged))
        .collect();
    let total = matching.len();
    let order = |a: &(Key<'_>, &Judged<'_>), b: &(Key<'_>, &Judged<'_>)| {
        compare(sort, (a.0, tie(a.1)), (b.0, tie(b.1)))
    };
    // Only the page is sorted: what follows the cursor is cut to the page's items (and
    // one more, to tell whether a next page exists) without sorting the rest.
    let mut page: Vec<(Key<'_>, &Judged<'_>)> = match &query.cursor {
        Some(cursor) => matching
            .into_iter()
            .filter(|(key, judged)| {
                let after = (cursor.key.borrowed(), (id_hash(&cursor.id), &cursor.id));
                compare(sort, (*key, tie(judged)), after) == Ordering::Greater
            })
            .collect(),
        None => matching,
    };
    if page.len() > query.limit + 1 {
        page.select_nth_unstable_by(query.limit, order);
        page.truncate(query.limit + 1);
    }
    page.sort_unstable_by(order);
    let more = page.len() > query.limit;
    page.truncate(query.limit);
    let next_cursor = match page.last() {
        Some((key, judged)) if more => Some(
            SearchCursor {
                sort: query.sort,
                key: key.owned(),
                id: judged.hit.listing.product.id.clone(),
            }
            .encode(),
        ),
        _ => None,
    };
    ProductPage {
        items: page
            .iter()
            .filter_map(|(_, judged)| summarize(judged.hit.listing, now))
            .collect(),
        next_cursor,
        total,
        facets: facets(&judged),
        did_you_mean: None,
    }
}
