//! The query string of `GET /products` and `GET /search`, read into the catalog's
//! [`ProductQuery`]: every parameter that is wrong or unknown is named.

use crate::domain::catalog::{
    ProductQuery, ProductSort, SearchCursor, MAX_PAGE_SIZE, MAX_QUERY_TEXT,
};
use crate::domain::ids::CategoryId;
use crate::domain::validation::{Checks, FieldError};

/// The search a query string asks for, naming every parameter that is wrong or unknown;
/// `sort` is the order unless it names one.
pub fn product_query(
    params: &[(String, String)],
    sort: ProductSort,
) -> Result<ProductQuery, Vec<FieldError>> {
    let mut checks = Checks::default();
    let mut query = ProductQuery {
        sort,
        ..ProductQuery::default()
    };
    for (name, value) in params {
        match name.as_str() {
            "category" => match CategoryId::parse(value) {
                Ok(id) => query.category = Some(id),
                Err(error) => checks.push(FieldError::new("category", error.to_string())),
            },
            "brand" => {
                checks.text_length(value, 1, 100, "brand");
                query.brand = Some(value.clone());
            }
            "minPrice" => query.min_price = parse_amount(value, "minPrice", &mut checks),
            "maxPrice" => query.max_price = parse_amount(value, "maxPrice", &mut checks),
            "inStock" => match value.as_str() {
                "true" => query.in_stock = Some(true),
                "false" => query.in_stock = Some(false),
                _ => checks.push(FieldError::new("inStock", "must be true or false")),
            },
            "q" => {
                query.text = Some(search_text(value, &mut checks));
            }
            "minRating" => match value.parse::<u8>() {
                Ok(stars) if (1..=5).contains(&stars) => query.min_rating = Some(stars),
                _ => checks.push(FieldError::new(
                    "minRating",
                    "must be a whole number of stars from 1 to 5",
                )),
            },
            "sort" => match ProductSort::parse(value) {
                Some(sort) => query.sort = sort,
                None => checks.push(FieldError::new(
                    "sort",
                    "must be one of relevance, price, -price, name, -name, newest, rating",
                )),
            },
            "limit" => match value.parse::<usize>() {
                Ok(limit) if (1..=MAX_PAGE_SIZE).contains(&limit) => query.limit = limit,
                _ => checks.push(FieldError::new(
                    "limit",
                    format!("must be a whole number from 1 to {MAX_PAGE_SIZE}"),
                )),
            },
            "cursor" => match SearchCursor::decode(value) {
                Some(cursor) => query.cursor = Some(cursor),
                None => checks.push(FieldError::new(
                    "cursor",
                    "is not a cursor this API returned",
                )),
            },
            other => checks.push(FieldError::new(other, "unknown query parameter")),
        }
    }
    if let (Some(min), Some(max)) = (query.min_price, query.max_price) {
        checks.require(min <= max, "minPrice", "must not be above maxPrice");
    }
    if let Some(cursor) = &query.cursor {
        checks.require(
            cursor.sort() == query.sort,
            "cursor",
            "belongs to a different sort order",
        );
    }
    checks.finish().map(|()| query)
}

/// The words `q` of a search, checked to be 1 to [`MAX_QUERY_TEXT`] characters. Control
/// characters separate words, as spaces and punctuation do: they are text to search,
/// not an error.
pub(super) fn search_text(value: &str, checks: &mut Checks) -> String {
    checks.text_length(value, 1, MAX_QUERY_TEXT, "q");
    value
        .chars()
        .map(|letter| if letter.is_control() { ' ' } else { letter })
        .collect()
}

fn parse_amount(raw: &str, field: &str, checks: &mut Checks) -> Option<i64> {
    match raw.parse::<i64>() {
        Ok(amount) if amount >= 0 => Some(amount),
        _ => {
            checks.push(FieldError::new(
                field,
                "must be a whole, non-negative amount in minor units (cents)",
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use time::{Duration, OffsetDateTime};

    use super::*;
    use std::sync::Arc;

    use crate::domain::catalog::{
        Availability, BrandFacet, Hit, Listing, Product, ProductDraft, ProductPage,
    };
    use crate::domain::ids::ProductId;
    use crate::domain::reviews::{Rating, Ratings};

    /// The results of `query` over all of `products` (as an index finds them when no
    /// words are typed), rated by `ratings`, at a moment no sale window reaches.
    fn rated(
        products: &[Product],
        available: &Availability,
        ratings: &Ratings,
        query: &ProductQuery,
    ) -> ProductPage {
        let listings: Vec<Listing> = products
            .iter()
            .map(|product| {
                let rating = ratings.get(&product.id).copied().unwrap_or_default();
                Listing::new(Arc::new(product.clone()), available, rating, &[])
            })
            .collect();
        let hits: Vec<Hit<'_>> = listings
            .iter()
            .map(|listing| Hit {
                listing,
                score: 0.0,
            })
            .collect();
        crate::domain::catalog::results(&hits, &[], query, OffsetDateTime::UNIX_EPOCH)
    }

    fn search(products: &[Product], available: &Availability, query: &ProductQuery) -> ProductPage {
        rated(products, available, &Ratings::new(), query)
    }

    fn product(id: &str, name: &str, brand: &str, price: i64, age_days: i64) -> Product {
        let draft: ProductDraft = serde_json::from_value(serde_json::json!({
            "name": name, "brand": brand, "categoryId": "audio", "description": "a fine thing",
            "variants": [{"sku": format!("SKU-{id}").to_uppercase(), "name": "One",
                          "price": {"amount": price, "currency": "USD"}}]
        }))
        .unwrap();
        let created = OffsetDateTime::UNIX_EPOCH + Duration::days(1000 - age_days);
        Product::create(ProductId::parse(id).unwrap(), draft, created)
    }

    fn catalog() -> Vec<Product> {
        vec![
            product("a", "Alpha Speaker", "Sonora", 4_000, 3),
            product("b", "Bravo Headphones", "Kestrel", 12_000, 1),
            product("c", "Charlie Speaker", "Sonora", 1_000, 2),
            product("d", "Delta Cable", "Kestrel", 900, 5),
            product("e", "Echo Speaker", "Sonora", 30_000, 4),
        ]
    }

    /// Units available per SKU: b is sold out.
    fn stock() -> Availability {
        [
            ("SKU-A", 1),
            ("SKU-B", 0),
            ("SKU-C", 4),
            ("SKU-D", 9),
            ("SKU-E", 2),
        ]
        .into_iter()
        .map(|(sku, units)| (crate::domain::ids::Sku::parse(sku).unwrap(), units))
        .collect()
    }

    fn query(params: &[(&str, &str)]) -> ProductQuery {
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        product_query(&params, ProductSort::NameAscending).unwrap()
    }

    fn ids(page: &ProductPage) -> Vec<&str> {
        page.items.iter().map(|p| p.id.as_str()).collect()
    }

    #[test]
    fn filters_combine() {
        let page = search(
            &catalog(),
            &stock(),
            &query(&[
                ("brand", "sonora"),
                ("maxPrice", "5000"),
                ("inStock", "true"),
            ]),
        );
        assert_eq!(ids(&page), ["a", "c"]);
        assert_eq!(page.total, 2);
    }

    #[test]
    fn sorts_by_price_name_and_age() {
        let products = catalog();
        assert_eq!(
            ids(&search(&products, &stock(), &query(&[("sort", "price")]))),
            ["d", "c", "a", "b", "e"]
        );
        assert_eq!(
            ids(&search(&products, &stock(), &query(&[("sort", "-price")]))),
            ["e", "b", "a", "c", "d"]
        );
        assert_eq!(
            ids(&search(&products, &stock(), &query(&[("sort", "newest")]))),
            ["b", "c", "a", "e", "d"]
        );
    }

    #[test]
    fn cursor_pages_cover_everything_once() {
        let products = catalog();
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut params = vec![("sort", "price"), ("limit", "2")];
            if let Some(c) = &cursor {
                params.push(("cursor", c));
            }
            let page = search(&products, &stock(), &query(&params));
            seen.extend(page.items.iter().map(|p| p.id.to_string()));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, ["d", "c", "a", "b", "e"]);
    }

    /// a: 4.5 from 2 reviews, b: 4.5 from 4, c: 3.0 from 1, e: 1.0 from 1; d unrated.
    fn ratings() -> Ratings {
        [("a", 2, 9), ("b", 4, 18), ("c", 1, 3), ("e", 1, 1)]
            .into_iter()
            .map(|(id, count, stars)| (ProductId::parse(id).unwrap(), Rating { count, stars }))
            .collect()
    }

    fn rated_search(params: &[(&str, &str)]) -> ProductPage {
        rated(&catalog(), &stock(), &ratings(), &query(params))
    }

    #[test]
    fn ratings_sort_filter_and_facet() {
        let best = rated_search(&[("sort", "rating")]);
        assert_eq!(ids(&best), ["b", "a", "c", "e", "d"]);
        assert_eq!(best.items[1].rating, Rating { count: 2, stars: 9 });
        assert_eq!(best.items[4].rating, Rating::default());

        let four_up = rated_search(&[("minRating", "4"), ("brand", "Sonora")]);
        assert_eq!(ids(&four_up), ["a"]);
        let counts: Vec<(u8, usize)> = four_up
            .facets
            .ratings
            .iter()
            .map(|facet| (facet.min_rating, facet.count))
            .collect();
        assert_eq!(counts, [(4, 1), (3, 2), (2, 2), (1, 3)]);

        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut params = vec![("sort", "rating"), ("limit", "2")];
            if let Some(c) = &cursor {
                params.push(("cursor", c));
            }
            let page = rated_search(&params);
            seen.extend(page.items.iter().map(|p| p.id.to_string()));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, ["b", "a", "c", "e", "d"]);
    }

    #[test]
    fn a_rating_floor_is_one_to_five_stars() {
        for bad in ["0", "6", "4.5", "-1", "four"] {
            let params = [("minRating".to_owned(), bad.to_owned())];
            let errors = product_query(&params, ProductSort::NameAscending).unwrap_err();
            assert_eq!(errors[0].field, "minRating", "{bad}");
        }
    }

    #[test]
    fn facets_ignore_their_own_filter() {
        let page = search(&catalog(), &stock(), &query(&[("brand", "Kestrel")]));
        assert_eq!(page.total, 2);
        assert_eq!(
            page.facets.brands,
            [
                BrandFacet {
                    brand: "Sonora".into(),
                    count: 3
                },
                BrandFacet {
                    brand: "Kestrel".into(),
                    count: 2
                }
            ]
        );
        let counts: Vec<usize> = page.facets.price_ranges.iter().map(|r| r.count).collect();
        assert_eq!(counts, [1, 0, 0, 1, 0]);
    }

    #[test]
    fn bad_parameters_are_all_named() {
        let params: Vec<(String, String)> = [
            ("limit", "0"),
            ("minPrice", "-5"),
            ("sort", "cheapest"),
            ("cursor", "!!"),
            ("colour", "red"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let fields: Vec<String> = product_query(&params, ProductSort::NameAscending)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["limit", "minPrice", "sort", "cursor", "colour"]);
    }

    #[test]
    fn a_cursor_from_another_sort_is_refused() {
        let page = search(
            &catalog(),
            &stock(),
            &query(&[("sort", "price"), ("limit", "1")]),
        );
        let params = vec![
            ("sort".to_string(), "name".to_string()),
            ("cursor".to_string(), page.next_cursor.unwrap()),
        ];
        assert!(product_query(&params, ProductSort::NameAscending).is_err());
    }
}
