//! Shopper search over the catalog: filters, sort, facet counts and cursor pagination
//! over the products a search index found for the words typed (every shown product when
//! none were), so that every index answers the same query alike.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

use rustc_hash::FxHashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::category::{descendants_of, Category};
use super::listing::{category_hash, id_hash, Facts, Listing};
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
    /// How many results `inStock=true` would leave.
    pub in_stock: usize,
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

/// The filters of a query, read once for all its hits.
struct Filters<'q> {
    query: &'q ProductQuery,
    /// The category asked for and those below it, when one is: a subtree holds a few
    /// categories, so a list compares faster than a set hashes.
    wanted: Option<Vec<(u64, CategoryId)>>,
}

impl<'q> Filters<'q> {
    fn of(query: &'q ProductQuery, categories: &[Category]) -> Self {
        let wanted = query.category.as_ref().map(|root| {
            descendants_of(root, categories)
                .into_iter()
                .map(|id| (category_hash(&id), id))
                .collect()
        });
        Filters { query, wanted }
    }

    /// Whether `listing` is in a wanted category: its category's hash first, which its
    /// `facts` hold, and only when that matches the id itself.
    fn in_category(&self, facts: &Facts, listing: &Listing) -> bool {
        self.wanted.as_ref().is_none_or(|wanted| {
            wanted.iter().any(|(hash, id)| {
                *hash == facts.category_hash && *id == listing.product.category_id
            })
        })
    }

    /// `hit`, whose listing's `facts` these are, judged against each filter at `now`;
    /// `None` when it has nothing to sell.
    fn judge<'a>(&self, hit: &Hit<'a>, facts: Facts, now: OffsetDateTime) -> Option<Judged<'a>> {
        let query = self.query;
        let listing = hit.listing;
        let price = match facts.fixed_price {
            Some(price) => price,
            None => listing.price_at(now)?,
        };
        Some(Judged {
            listing,
            facts,
            score: hit.score,
            price,
            base: facts.shown && self.in_category(&facts, listing),
            stocked: query
                .in_stock
                .is_none_or(|in_stock| facts.in_stock == in_stock),
            brand: query
                .brand
                .as_ref()
                .is_none_or(|brand| listing.product.brand.eq_ignore_ascii_case(brand)),
            priced: query.min_price.is_none_or(|min| price >= min)
                && query.max_price.is_none_or(|max| price <= max),
            rated: query
                .min_rating
                .is_none_or(|stars| facts.rating.at_least(stars)),
        })
    }
}

/// A hit judged against each filter once, at the prices of the moment: what every facet
/// and the results read.
struct Judged<'a> {
    listing: &'a Listing,
    facts: Facts,
    score: f32,
    price: i64,
    /// Shown, and in the category asked for.
    base: bool,
    /// In the stock state asked for.
    stocked: bool,
    brand: bool,
    priced: bool,
    rated: bool,
}

impl Judged<'_> {
    fn matches(&self) -> bool {
        self.base && self.stocked && self.brand && self.priced && self.rated
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

/// Where a match sorts by relevance: its score to a millionth (scores are never
/// negative; adding a half and truncating rounds without a call into libm's `round`,
/// which every hit would pay).
fn relevance_key(score: f32) -> i64 {
    (f64::from(score) * 1_000_000.0 + 0.5) as i64
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
    let listing = judged.listing;
    match sort {
        ProductSort::Relevance => Key::Number(relevance_key(judged.score)),
        ProductSort::PriceAscending | ProductSort::PriceDescending => Key::Number(judged.price),
        ProductSort::NameAscending | ProductSort::NameDescending => Key::Text(&listing.name_key),
        ProductSort::Newest => Key::Number(listing.product.created_at.unix_timestamp()),
        ProductSort::Rating => Key::Number(rating_sort_key(judged.facts.rating)),
    }
}

/// Where a product sorts: its key, then (among equal keys) a hash of its product's id,
/// which its facts hold, and only among equal hashes the id itself, read from the
/// product.
#[derive(Clone, Copy)]
struct Place<'a> {
    key: Key<'a>,
    id_hash: u64,
    id: Who<'a>,
}

/// Whose id breaks a tie: a listing's product's, or the one a cursor names.
#[derive(Clone, Copy)]
enum Who<'a> {
    Listing(&'a Listing),
    Id(&'a ProductId),
}

impl Who<'_> {
    fn id(&self) -> &ProductId {
        match self {
            Who::Listing(listing) => &listing.product.id,
            Who::Id(id) => id,
        }
    }
}

fn compare(sort: ProductSort, a: Place<'_>, b: Place<'_>) -> Ordering {
    let by_key = a.key.cmp(&b.key);
    let by_key = match sort {
        ProductSort::Relevance
        | ProductSort::PriceDescending
        | ProductSort::NameDescending
        | ProductSort::Newest
        | ProductSort::Rating => by_key.reverse(),
        ProductSort::PriceAscending | ProductSort::NameAscending => by_key,
    };
    by_key
        .then(a.id_hash.cmp(&b.id_hash))
        .then_with(|| a.id.id().cmp(b.id.id()))
}

/// A matching listing where the sort puts it: less is earlier in the results.
struct Ranked<'a> {
    sort: ProductSort,
    place: Place<'a>,
}

impl<'a> Ranked<'a> {
    fn listing(&self) -> Option<&'a Listing> {
        match self.place.id {
            Who::Listing(listing) => Some(listing),
            Who::Id(_) => None,
        }
    }
}

impl Ord for Ranked<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        compare(self.sort, self.place, other.place)
    }
}

impl PartialOrd for Ranked<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked<'_> {}

/// The first `room` matches in results order, kept as they are offered one by one: a
/// heap whose top is the latest kept, so most matches are turned away by one comparison
/// and none but the kept are ever sorted.
struct Earliest<'a> {
    room: usize,
    kept: BinaryHeap<Ranked<'a>>,
}

impl<'a> Earliest<'a> {
    fn new(room: usize) -> Self {
        Earliest {
            room,
            kept: BinaryHeap::with_capacity(room.saturating_add(1).min(MAX_PAGE_SIZE + 2)),
        }
    }

    fn offer(&mut self, ranked: Ranked<'a>) {
        if self.kept.len() < self.room {
            self.kept.push(ranked);
        } else if self.kept.peek().is_some_and(|latest| ranked < *latest) {
            self.kept.pop();
            self.kept.push(ranked);
        }
    }

    /// What was kept, in results order.
    fn in_order(self) -> Vec<Ranked<'a>> {
        self.kept.into_sorted_vec()
    }
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
        in_stock: listing.in_stock(),
        rating: listing.rating(),
        image: product.images.first().cloned(),
        created_at: product.created_at,
    })
}

/// Facet counts as hits are judged, one at a time.
#[derive(Default)]
struct FacetCounts<'a> {
    /// By the brand's hash, which each listing holds: a hash of a number is cheaper than
    /// comparing names for every hit. Two brands whose 64-bit hashes collided (about 1 in
    /// 10^19 for a pair) would be counted as one.
    brands: FxHashMap<u64, (&'a str, usize)>,
    prices: [usize; PRICE_BUCKETS.len()],
    ratings: [usize; RATING_FLOORS.len()],
    in_stock: usize,
}

impl<'a> FacetCounts<'a> {
    fn count(&mut self, one: &Judged<'a>) {
        if !one.base {
            return;
        }
        let (listing, facts) = (one.listing, &one.facts);
        if one.brand && one.priced && one.rated && facts.in_stock {
            self.in_stock += 1;
        }
        if !one.stocked {
            return;
        }
        if one.priced && one.rated {
            self.brands
                .entry(facts.brand_hash)
                .or_insert_with(|| (listing.product.brand.as_str(), 0))
                .1 += 1;
        }
        if one.brand && one.rated {
            for (count, &(min, max)) in self.prices.iter_mut().zip(&PRICE_BUCKETS) {
                if one.price >= min && max.is_none_or(|max| one.price < max) {
                    *count += 1;
                }
            }
        }
        if one.brand && one.priced {
            for (count, &floor) in self.ratings.iter_mut().zip(&RATING_FLOORS) {
                if facts.rating.at_least(floor) {
                    *count += 1;
                }
            }
        }
    }

    fn facets(self) -> Facets {
        let mut brands: BTreeMap<&str, usize> = BTreeMap::new();
        for (brand, count) in self.brands.into_values() {
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
                .zip(self.prices)
                .map(|(&(min, max), count)| PriceRangeFacet { min, max, count })
                .collect(),
            ratings: RATING_FLOORS
                .iter()
                .zip(self.ratings)
                .map(|(&min_rating, count)| RatingFacet { min_rating, count })
                .collect(),
            in_stock: self.in_stock,
        }
    }
}

/// How many hits ahead of the one judged the next listing is asked for.
const PREFETCH_AHEAD: usize = 8;

/// Asks the processor to bring `listing`'s first cache line (its facts) in while earlier
/// hits are judged. The listings a search finds are scattered across a table larger than
/// the processor's caches, and judging a hit is long enough that the processor does not
/// reach the next listing's read by itself: without the hint each hit waits for memory.
/// Nothing in the standard library or a well-kept crate asks for this safely.
fn prefetch(listing: &Listing) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint that never faults and reads nothing Rust can observe,
    // and SSE, which provides it, is part of every x86_64 processor.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(listing).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = listing;
}

/// One page of the `hits` an index found for `query`'s words (every listing when there
/// are none): filtered, sorted and counted at the prices of `now`, in one pass over the
/// hits.
pub fn results(
    hits: &[Hit<'_>],
    categories: &[Category],
    query: &ProductQuery,
    now: OffsetDateTime,
) -> ProductPage {
    let filters = Filters::of(query, categories);
    let sort = effective(query.sort, query);
    let after = query.cursor.as_ref().map(|cursor| Place {
        key: cursor.key.borrowed(),
        id_hash: id_hash(&cursor.id),
        id: Who::Id(&cursor.id),
    });
    let mut counts = FacetCounts::default();
    let mut total = 0;
    // One more than the page, to tell whether a next page exists.
    let mut earliest = Earliest::new(query.limit.saturating_add(1));
    for (at, hit) in hits.iter().enumerate() {
        if let Some(ahead) = hits.get(at + PREFETCH_AHEAD) {
            prefetch(ahead.listing);
        }
        let Some(judged) = filters.judge(hit, hit.listing.facts, now) else {
            continue;
        };
        counts.count(&judged);
        if !judged.matches() {
            continue;
        }
        total += 1;
        let place = Place {
            key: sort_key(&judged, sort),
            id_hash: judged.facts.id_hash,
            id: Who::Listing(judged.listing),
        };
        if after.is_none_or(|after| compare(sort, place, after) == Ordering::Greater) {
            earliest.offer(Ranked { sort, place });
        }
    }
    let mut page = earliest.in_order();
    let more = page.len() > query.limit;
    page.truncate(query.limit);
    let next_cursor = match page.last() {
        Some(last) if more => Some(
            SearchCursor {
                sort: query.sort,
                key: last.place.key.owned(),
                id: last.place.id.id().clone(),
            }
            .encode(),
        ),
        _ => None,
    };
    ProductPage {
        items: page
            .iter()
            .filter_map(|ranked| summarize(ranked.listing()?, now))
            .collect(),
        next_cursor,
        total,
        facets: counts.facets(),
        did_you_mean: None,
    }
}
