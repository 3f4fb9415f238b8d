//! The parsers that read what a client sends — the webhook signature header, cursors,
//! ids, query strings and JSON bodies — under generated input: none may panic, and each
//! either accepts or refuses with its own error. The runs are seeded, so they repeat.

// A test stops at the line that failed: tests unwrap where production code may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::Bytes;
use mambogo::api::auth::Caller;
use mambogo::api::{ApiRequest, RequestIds};
use mambogo::domain::ids::{CartId, CategoryId, OrderId, ProductId, Sku, UserId};
use mambogo::domain::payments::signature::{signature_header, verify};
use mambogo::domain::store::decode_cursor;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use time::OffsetDateTime;

const NOW: i64 = 1_800_000_000;

fn config() -> Config {
    Config {
        cases: 2_000,
        rng_seed: RngSeed::Fixed(0x006d_616d_626f_676f),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Header values shaped like signatures: timestamps anywhere in `i64`, entries of any
/// count and text, separators and spaces in odd places.
fn signature_like() -> impl Strategy<Value = String> {
    let entry = prop_oneof![
        prop_oneof![
            any::<i64>(),
            Just(i64::MIN),
            Just(i64::MAX),
            NOW - 400..NOW + 400
        ]
        .prop_map(|t| format!("t={t}")),
        "[0-9a-f]{0,80}".prop_map(|hex| format!("v1={hex}")),
        ".{0,20}".prop_map(|text| format!("v1={text}")),
        "[a-z0-9]{0,3}=?.{0,10}",
    ];
    prop::collection::vec(entry, 0..12).prop_map(|entries| entries.join(","))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn signature_headers_never_panic(header in signature_like(), body in ".{0,64}") {
        let now = OffsetDateTime::from_unix_timestamp(NOW).unwrap();
        let _ = verify(Some(&header), body.as_bytes(), &[b"whsec".to_vec()], now);
    }

    #[test]
    fn only_the_signed_body_verifies(t in NOW - 300..=NOW + 300, body in ".{0,64}", other in ".{0,64}") {
        let now = OffsetDateTime::from_unix_timestamp(NOW).unwrap();
        let header = signature_header(b"whsec", t, body.as_bytes());
        prop_assert!(verify(Some(&header), body.as_bytes(), &[b"whsec".to_vec()], now).is_ok());
        if other != body {
            prop_assert!(verify(Some(&header), other.as_bytes(), &[b"whsec".to_vec()], now).is_err());
        }
    }

    #[test]
    fn cursors_never_panic(raw in prop_oneof![".{0,2000}", "[A-Za-z0-9_-]{0,1100}"]) {
        let _ = decode_cursor::<serde_json::Value>(&raw);
        let _ = decode_cursor::<(i64, String)>(&raw);
    }

    #[test]
    fn ids_never_panic_and_keep_what_they_accept(raw in ".{0,300}") {
        for accepted in [
            ProductId::parse(&raw).map(|id| id.to_string()),
            CategoryId::parse(&raw).map(|id| id.to_string()),
            Sku::parse(&raw).map(|id| id.to_string()),
            UserId::parse(&raw).map(|id| id.to_string()),
        ]
        .into_iter()
        .flatten()
        {
            prop_assert_eq!(accepted, raw.clone());
        }
        let _ = CartId::parse(&raw);
        let _ = OrderId::parse(&raw);
    }

    #[test]
    fn query_strings_and_bodies_never_panic(query in ".{0,200}", body in prop::collection::vec(any::<u8>(), 0..300)) {
        let uri = format!("/products?{}", query.replace(['#', ' '], "%20"));
        let Ok(request) = http::Request::builder().uri(uri).body(()) else {
            return Ok(());
        };
        let request = api_request(request, body);
        let _ = request.json_body::<serde_json::Value>();
        let _ = request.json_body::<std::collections::BTreeMap<String, u32>>();
    }

    #[test]
    fn generated_json_bodies_never_panic(body in json_text()) {
        let request = api_request(http::Request::builder().uri("/").body(()).unwrap(), body);
        let _ = request.json_body::<serde_json::Value>();
        let _ = request.json_body::<Vec<Option<i64>>>();
    }
}

/// An anonymous API request with the head of `request` and `body`.
fn api_request(request: http::Request<()>, body: impl Into<Bytes>) -> ApiRequest {
    let (parts, ()) = request.into_parts();
    ApiRequest::from_http(
        parts,
        Default::default(),
        body.into(),
        Caller::Anonymous,
        RequestIds::of("test".to_owned(), &http::HeaderMap::new(), None),
    )
}

/// JSON text (mostly well formed) with the numbers and nesting that trip parsers:
/// huge and tiny floats, whole floats, deep arrays, duplicate members.
fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        any::<f64>().prop_map(|n| format!("{n:e}")),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| format!("{n}.0")),
        Just("null".to_owned()),
        ".{0,10}".prop_map(|text| serde_json::to_string(&text).unwrap()),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8)
                .prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec(("[a-c]", inner), 0..6).prop_map(|members| {
                let members: Vec<String> = members
                    .into_iter()
                    .map(|(name, value)| format!("\"{name}\":{value}"))
                    .collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}
