//! The local shop's business metrics as a test reads them: `GET /metrics`, parsed.

use std::collections::BTreeMap;

use reqwest::StatusCode;

use crate::shop::TestShop;

/// Every sample of the exposition, by its name and labels as written.
pub async fn samples(shop: &TestShop) -> BTreeMap<String, f64> {
    let reply = reqwest::get(format!("{}/metrics", shop.url()))
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    assert!(reply.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = reply.text().await.unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap();
            (series.to_owned(), value.parse().unwrap())
        })
        .collect()
}
