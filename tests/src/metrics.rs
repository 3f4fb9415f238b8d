//! Business metrics as a test reads them: the local shop's `GET /metrics`, parsed, and a
//! sink that tallies what a store counts into it.

use std::collections::BTreeMap;
use std::sync::Mutex;

use mambogo::application::metrics::{Count, MetricsSink};

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

/// A metrics sink keeping each counter's total by name, for a store under test.
#[derive(Default)]
pub struct Tally(Mutex<BTreeMap<&'static str, u64>>);

impl Tally {
    /// What was counted into `name` so far.
    pub fn of(&self, name: &str) -> u64 {
        let counted = self.0.lock().unwrap();
        counted.get(name).copied().unwrap_or_default()
    }
}

impl MetricsSink for Tally {
    fn increment(&self, count: &Count, by: u64) {
        *self.0.lock().unwrap().entry(count.name).or_default() += by;
    }

    fn record(&self, _name: &'static str, _seconds: f64) {}
}
