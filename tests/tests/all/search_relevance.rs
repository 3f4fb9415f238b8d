//! The search index on tantivy, on a small catalog: which products each query finds and
//! in what order (misspellings, prefixes, brands, category words, SKUs, several words),
//! what it suggests instead when nothing matches, completions, and text that looks like
//! query syntax.

use std::sync::Arc;

use mambogo::adapters::search_index::TantivyIndex;
use mambogo::domain::catalog::{
    Availability, Category, Listing, Product, ProductDraft, ProductPage, ProductQuery, ProductSort,
    SearchIndex, SuggestionKind,
};
use mambogo::domain::ids::{CategoryId, ProductId, Sku};
use mambogo::domain::reviews::Rating;
use serde_json::json;
use time::OffsetDateTime;

const NOW: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;

fn categories() -> Vec<Category> {
    [
        ("audio", "Audio", None),
        ("headphones", "Headphones", Some("audio")),
        ("speakers", "Speakers", Some("audio")),
        ("computing", "Computing", None),
        ("keyboards", "Keyboards", Some("computing")),
        ("accessories", "Accessories", None),
        ("lighting", "Lighting", None),
    ]
    .into_iter()
    .map(|(id, name, parent)| Category {
        id: CategoryId::parse(id).unwrap(),
        name: name.to_owned(),
        parent_id: parent.map(|parent| CategoryId::parse(parent).unwrap()),
    })
    .collect()
}

/// (id, name, brand, category, description, SKU)
const CATALOG: [(&str, &str, &str, &str, &str, &str); 7] = [
    (
        "arc",
        "Arc Wireless Headphones",
        "Sonora",
        "headphones",
        "Over-ear headphones with noise cancelling",
        "HP-ARC-1",
    ),
    (
        "bud",
        "Bud Earbuds",
        "Kestrel",
        "headphones",
        "Tiny earbuds for running",
        "EB-BUD-1",
    ),
    (
        "boom",
        "Boom Speaker",
        "Sonora",
        "speakers",
        "Portable speaker with deep bass",
        "SP-BOOM-1",
    ),
    (
        "stand",
        "Headphone Stand",
        "Basalt",
        "accessories",
        "A stand for your headphones",
        "ST-HP-1",
    ),
    (
        "mech",
        "Mechanical Keyboard",
        "Kestrel",
        "keyboards",
        "Clicky keys, café edition",
        "KB-MECH-1",
    ),
    (
        "cable",
        "USB Cable",
        "Lumen",
        "accessories",
        "Braided cable",
        "CB-USB-2",
    ),
    (
        "lamp",
        "Desk Lamp",
        "Lumen",
        "lighting",
        "Warm light for late work",
        "LM-DESK-1",
    ),
];

fn product(id: &str, name: &str, brand: &str, category: &str, text: &str, sku: &str) -> Product {
    let draft: ProductDraft = serde_json::from_value(json!({
        "name": name, "brand": brand, "categoryId": category, "description": text,
        "variants": [{"sku": sku, "name": "Standard",
                      "price": {"amount": 5_000, "currency": "USD"}}],
    }))
    .unwrap();
    Product::create(ProductId::parse(id).unwrap(), draft, NOW)
}

/// The catalog's lamp, renamed.
fn the_lamp_named(name: &str) -> Product {
    product("lamp", name, "Lumen", "lighting", "Warm", "LM-DESK-1")
}

fn index() -> TantivyIndex {
    let categories = categories();
    let available: Availability = CATALOG
        .iter()
        .map(|row| (Sku::parse(row.5).unwrap(), 3))
        .collect();
    let listings = CATALOG
        .iter()
        .map(|&(id, name, brand, category, text, sku)| {
            let product = Arc::new(product(id, name, brand, category, text, sku));
            Listing::new(product, &available, Rating::default(), &categories)
        })
        .collect();
    let index = TantivyIndex::new();
    index.rebuild(listings, NOW).unwrap();
    index
}

fn search(index: &TantivyIndex, text: &str) -> ProductPage {
    let query = ProductQuery {
        text: Some(text.to_owned()),
        sort: ProductSort::Relevance,
        limit: 100,
        ..ProductQuery::default()
    };
    index.search(&query, &categories(), NOW).unwrap()
}

fn found(index: &TantivyIndex, text: &str) -> Vec<String> {
    search(index, text)
        .items
        .iter()
        .map(|item| item.id.to_string())
        .collect()
}

#[test]
fn queries_find_what_shoppers_mean_best_first() {
    let index = index();
    // (query, the products it must find first, in this order; then nothing else unless
    // `more` names it)
    let cases: [(&str, &[&str], &[&str]); 14] = [
        ("headphones", &["arc"], &["bud", "stand"]),
        ("headphone", &["stand"], &["arc", "bud"]),
        ("headphnes", &["arc"], &["bud", "stand"]),
        ("hedphones", &["arc"], &["bud", "stand"]),
        ("wireles headphones", &["arc"], &[]),
        ("sonora", &[], &["arc", "boom"]),
        ("SONORA", &[], &["arc", "boom"]),
        ("audio", &[], &["arc", "bud", "boom"]),
        ("keyb", &["mech"], &[]),
        ("mech", &["mech"], &[]),
        ("sp-boom-1", &["boom"], &[]),
        ("speaker bass", &["boom"], &[]),
        ("cafe", &["mech"], &[]),
        ("lumen usb", &["cable"], &[]),
    ];
    for (query, first, more) in cases {
        let got = found(&index, query);
        assert!(
            got.len() >= first.len() && got[..first.len()] == *first,
            "{query}: {got:?}"
        );
        let mut expected: Vec<&str> = first.iter().chain(more).copied().collect();
        expected.sort_unstable();
        let mut all: Vec<&str> = got.iter().map(String::as_str).collect();
        all.sort_unstable();
        assert_eq!(all, expected, "{query}");
    }
}

#[test]
fn every_word_must_match() {
    let index = index();
    assert!(found(&index, "speaker kestrel").is_empty());
    assert_eq!(found(&index, "kestrel keyboard"), ["mech"]);
}

#[test]
fn exact_matches_rank_above_typos() {
    let index = index();
    let page = search(&index, "stand");
    assert_eq!(page.items[0].id.as_str(), "stand");
    let scores_by_typo = found(&index, "lamp");
    assert_eq!(scores_by_typo, ["lamp"]);
}

#[test]
fn nothing_found_suggests_a_close_spelling() {
    let index = index();
    let page = search(&index, "dsk lamp");
    assert_eq!(page.total, 0);
    assert_eq!(page.did_you_mean.as_deref(), Some("desk lamp"));
    assert_eq!(found(&index, "desk lamp"), ["lamp"]);
    let hopeless = search(&index, "zzzzzzzz");
    assert_eq!((hopeless.total, hopeless.did_you_mean), (0, None));
    assert_eq!(search(&index, "lamp").did_you_mean, None);
}

#[test]
fn query_syntax_is_only_text() {
    let index = index();
    for typed in [
        "\"",
        ":",
        "(",
        "*",
        "\"desk\" AND (lamp*)",
        "name:lamp",
        "-",
        "+lamp~2",
        "\\",
    ] {
        let page = search(&index, typed);
        assert!(
            page.items.iter().all(|item| item.id.as_str() == "lamp"),
            "{typed}"
        );
    }
    assert_eq!(found(&index, "\"desk\" AND (lamp*)").len(), 0);
    assert_eq!(found(&index, "name:lamp"), Vec::<String>::new());
    assert_eq!(found(&index, "(lamp)"), ["lamp"]);
    let long = "lamp ".repeat(200);
    assert_eq!(found(&index, &long), ["lamp"]);
}

#[test]
fn completions_name_brands_categories_and_products() {
    let index = index();
    let suggest = |prefix: &str| {
        index
            .suggest(prefix, &categories(), 10)
            .unwrap()
            .into_iter()
            .map(|s| (s.kind, s.text))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        suggest("son"),
        [(SuggestionKind::Brand, "Sonora".to_owned())]
    );
    let head = suggest("head");
    assert_eq!(head[0], (SuggestionKind::Category, "Headphones".to_owned()));
    let mut products: Vec<&str> = head[1..].iter().map(|(_, text)| text.as_str()).collect();
    products.sort_unstable();
    assert_eq!(products, ["Arc Wireless Headphones", "Headphone Stand"]);
    assert_eq!(
        suggest("haedph"),
        suggest("headph"),
        "typos are forgiven from four letters"
    );
    assert_eq!(
        suggest("k"),
        [
            (SuggestionKind::Brand, "Kestrel".to_owned()),
            (SuggestionKind::Category, "Keyboards".to_owned()),
            (SuggestionKind::Product, "Mechanical Keyboard".to_owned()),
        ]
    );
    assert!(suggest("!!").is_empty());
    assert_eq!(index.suggest("a", &categories(), 2).unwrap().len(), 2);
}

#[test]
fn a_product_changed_is_found_as_it_is_now() {
    let index = index();
    let categories = categories();
    let available: Availability = [(Sku::parse("LM-DESK-1").unwrap(), 0)]
        .into_iter()
        .collect();
    let renamed = the_lamp_named("Reading Light");
    index
        .upsert(Listing::new(
            Arc::new(renamed.clone()),
            &available,
            Rating::default(),
            &categories,
        ))
        .unwrap();
    assert!(found(&index, "lamp").is_empty());
    assert_eq!(found(&index, "reading"), ["lamp"]);
    assert!(!search(&index, "reading").items[0].in_stock);

    let withdrawn = Product {
        active: false,
        ..renamed
    };
    index
        .upsert(Listing::new(
            Arc::new(withdrawn),
            &available,
            Rating::default(),
            &categories,
        ))
        .unwrap();
    assert!(found(&index, "reading").is_empty());
    index.remove(&ProductId::parse("cable").unwrap()).unwrap();
    assert!(found(&index, "usb").is_empty());
    assert_eq!(
        index.suggest("lum", &categories, 10).unwrap().len(),
        0,
        "a brand with no product shown is not suggested"
    );
}

#[test]
fn a_snapshot_restores_the_index_it_was_taken_of() {
    let index = index();
    let categories = categories();
    let never_built = TantivyIndex::new();
    assert!(never_built.snapshot().is_err(), "nothing to take");

    // Changes after the rebuild sit in segments and slots of their own.
    let renamed = the_lamp_named("Reading Light");
    let available: Availability = [(Sku::parse("LM-DESK-1").unwrap(), 0)]
        .into_iter()
        .collect();
    let listing = Listing::new(
        Arc::new(renamed),
        &available,
        Rating::default(),
        &categories,
    );
    index.upsert(listing.clone()).unwrap();
    index.remove(&ProductId::parse("cable").unwrap()).unwrap();

    let snapshot = index.snapshot().unwrap();
    let restored = TantivyIndex::new();
    restored.restore(&snapshot).unwrap();
    assert_eq!(restored.built_at(), index.built_at());
    for text in [
        "headphnes",
        "wireles headphones",
        "sonora",
        "keyb",
        "sp-boom-1",
        "reading",
        "lamp",
        "usb",
        "audio",
        "hedphones",
    ] {
        assert_eq!(search(&restored, text), search(&index, text), "{text}");
    }
    let everything = ProductQuery {
        limit: 100,
        ..ProductQuery::default()
    };
    assert_eq!(
        restored.search(&everything, &categories, NOW).unwrap(),
        index.search(&everything, &categories, NOW).unwrap()
    );
    for prefix in ["so", "lum", "keyb", "he"] {
        assert_eq!(
            restored.suggest(prefix, &categories, 10).unwrap(),
            index.suggest(prefix, &categories, 10).unwrap(),
            "{prefix}"
        );
    }
    let lamp = ProductId::parse("lamp").unwrap();
    assert_eq!(restored.listing(&lamp).unwrap(), Some(listing));

    // The restored index takes changes, and snapshots again.
    restored.remove(&lamp).unwrap();
    assert!(found(&restored, "reading").is_empty());
    assert_eq!(found(&index, "reading"), ["lamp"], "the first is untouched");
    let again = TantivyIndex::new();
    again.restore(&restored.snapshot().unwrap()).unwrap();
    assert!(found(&again, "reading").is_empty());
    assert_eq!(found(&again, "headphnes")[0], "arc");

    // A snapshot cut short, or anything else, is refused and changes nothing.
    assert!(again.restore(&snapshot[..snapshot.len() / 2]).is_err());
    assert!(again.restore(b"not a snapshot").is_err());
    assert!(again.restore(&[]).is_err());
    assert!(found(&again, "reading").is_empty());
    assert_eq!(found(&again, "headphnes")[0], "arc");
}

#[test]
fn many_changes_keep_few_segments_and_every_product() {
    let index = index();
    let categories = categories();
    let available: Availability = Availability::default();
    for round in 0..40 {
        let renamed = the_lamp_named(&format!("Reading Light {round}"));
        let listing = Listing::new(
            Arc::new(renamed),
            &available,
            Rating::default(),
            &categories,
        );
        index.upsert(listing).unwrap();
    }
    assert_eq!(found(&index, "reading"), ["lamp"]);
    assert_eq!(search(&index, "reading").items[0].name, "Reading Light 39");
    let restored = TantivyIndex::new();
    restored.restore(&index.snapshot().unwrap()).unwrap();
    assert_eq!(
        search(&restored, "reading").items[0].name,
        "Reading Light 39"
    );
    assert_eq!(found(&restored, "headphnes")[0], "arc");
}
