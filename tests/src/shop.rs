//! A local shop on an ephemeral loopback port, and a small client for talking to it.

use std::path::PathBuf;

use mambogo::api::auth::mint_token;

use crate::aws_shop::aws_stack;
use crate::emulator::moto_endpoint;
use mambogo_local::demo::seed_demo_products;
use mambogo_local::{
    start_with, DataLocation, LocalConfig, RunningShop, TestHooks, DEV_JWT_SECRET,
};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

/// A running shop with the demo catalog, and a client for it.
pub struct TestShop {
    shop: RunningShop,
    client: reqwest::Client,
    folder: Option<TemporaryFolder>,
}

/// A folder of the shop's database files, removed with the shop.
struct TemporaryFolder(PathBuf);

impl Drop for TemporaryFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One answer from the shop.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// A response header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The fields a problem+json body names, in order.
    pub fn problem_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|error| error["field"].as_str().map(str::to_owned))
            .collect()
    }
}

/// A development token for `user`, as `mambogo token` mints it.
pub fn token(user: &str, admin: bool) -> String {
    mint_token(
        DEV_JWT_SECRET.as_bytes(),
        user,
        admin,
        OffsetDateTime::now_utc(),
        Duration::hours(1),
    )
    .expect("minting a token with a fixed secret cannot fail")
}

/// A token that expired an hour ago.
pub fn expired_token(user: &str) -> String {
    let two_hours_ago = OffsetDateTime::now_utc() - Duration::hours(2);
    mint_token(
        DEV_JWT_SECRET.as_bytes(),
        user,
        false,
        two_hours_ago,
        Duration::hours(1),
    )
    .expect("minting a token with a fixed secret cannot fail")
}

/// An admin token for `user` signed with a secret the shop does not know.
pub fn forged_token(user: &str) -> String {
    mint_token(
        b"not-the-shop-secret",
        user,
        true,
        OffsetDateTime::now_utc(),
        Duration::hours(1),
    )
    .expect("minting a token with a fixed secret cannot fail")
}

/// Extra request parts: a bearer token and a guest cart id.
#[derive(Default, Clone)]
pub struct As<'a> {
    pub token: Option<&'a str>,
    pub cart_id: Option<&'a str>,
}

impl<'a> As<'a> {
    /// Signed in with `token`.
    pub fn user(token: &'a str) -> Self {
        As {
            token: Some(token),
            cart_id: None,
        }
    }

    /// A guest holding `cart_id`.
    pub fn guest(cart_id: &'a str) -> Self {
        As {
            token: None,
            cart_id: Some(cart_id),
        }
    }
}

/// Where a test's shop keeps its stores: the suites that matter run on both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stores {
    /// The embedded SQLite stores, as `cargo run` keeps them.
    Sqlite,
    /// AWS's services in this process's emulator: the DynamoDB stores on tables of the
    /// shop's own, its events through EventBridge and SQS, its webhook secret in Secrets
    /// Manager.
    DynamoDb,
}

/// How many of the demo catalog's products a shop on DynamoDB starts with: the ones the
/// suites buy. The emulator takes about 25 s to load all of them.
const DYNAMODB_DEMO_PRODUCTS: usize = 8;

/// Runs each of the `async fn check(stores: Stores)` named as two tests,
/// `check::sqlite` and `check::dynamodb`.
#[macro_export]
macro_rules! on_both_stores {
    ($($check:ident),* $(,)?) => {
        $(mod $check {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$check($crate::shop::Stores::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn dynamodb() {
                super::$check($crate::shop::Stores::DynamoDb).await;
            }
        })*
    };
}

impl TestShop {
    /// Starts a fresh shop whose stores are `stores`.
    pub async fn on(stores: Stores) -> TestShop {
        Self::start_on(stores, LocalConfig::ephemeral(), TestHooks::default()).await
    }

    /// Starts a shop with `config` and test hooks whose stores are `stores`: on DynamoDB,
    /// tables of its own in this process's emulator, and of the demo catalog (if asked
    /// for) only the products the suites buy.
    pub async fn start_on(stores: Stores, mut config: LocalConfig, hooks: TestHooks) -> TestShop {
        let seed = match stores {
            Stores::Sqlite => false,
            Stores::DynamoDb => {
                config.aws = Some(aws_stack(moto_endpoint()).await);
                std::mem::replace(&mut config.seed_demo, false)
            }
        };
        let shop = Self::start_with(config, hooks).await;
        if seed {
            let services = &shop.inner().services;
            let (catalog, inventory) = (services.catalog.as_ref(), services.inventory.as_ref());
            seed_demo_products(catalog, inventory, DYNAMODB_DEMO_PRODUCTS)
                .await
                .expect("the demo products load");
        }
        shop
    }

    /// Starts a fresh in-memory shop.
    pub async fn start() -> TestShop {
        Self::start_with(LocalConfig::ephemeral(), TestHooks::default()).await
    }

    /// Starts a shop with `config` and test hooks.
    pub async fn start_with(config: LocalConfig, hooks: TestHooks) -> TestShop {
        let shop = start_with(config, hooks)
            .await
            .expect("the local shop starts");
        TestShop {
            shop,
            client: reqwest::Client::new(),
            folder: None,
        }
    }

    /// Starts a shop with `config` and test hooks whose data is kept in files, as
    /// `cargo run` keeps it (a writer, its readers and its log checkpoints), in a
    /// fresh folder removed with the shop.
    pub async fn on_file(mut config: LocalConfig, hooks: TestHooks) -> TestShop {
        let folder = std::env::temp_dir().join(format!("mambogo-shop-{}", uuid::Uuid::new_v4()));
        config.data = DataLocation::File(folder.join("shop.db"));
        let folder = TemporaryFolder(folder);
        TestShop {
            folder: Some(folder),
            ..TestShop::start_with(config, hooks).await
        }
    }

    /// The running shop behind the API: services, saga runner, event bus, gateway.
    pub fn inner(&self) -> &RunningShop {
        &self.shop
    }

    /// Waits until the consumers have handled (or parked) every event published so far:
    /// at once on the local bus, which delivers within the publish; on AWS, until every
    /// consumer's queue is empty, for at most 30 s.
    pub async fn consumers_done(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !self
            .inner()
            .consumers_idle()
            .await
            .expect("the consumers' queues are readable")
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the consumers did not empty their queues within 30 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The shop's base URL.
    pub fn url(&self) -> String {
        self.shop.url()
    }

    /// Sends a request with an optional JSON body (sent as raw text).
    pub async fn send(&self, method: Method, path: &str, who: As<'_>, body: Option<&str>) -> Reply {
        self.send_with_headers(method, path, who, &[], body).await
    }

    /// [`TestShop::send`] with extra headers.
    pub async fn send_with_headers(
        &self,
        method: Method,
        path: &str,
        who: As<'_>,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        let mut request = self.client.request(method, format!("{}{path}", self.url()));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(token) = who.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if let Some(cart_id) = who.cart_id {
            request = request.header("x-cart-id", cart_id);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.expect("the shop answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("the body is readable");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
        };
        if status.is_client_error() || status.is_server_error() {
            let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
            assert_eq!(
                content_type,
                Some("application/problem+json"),
                "errors are problem+json"
            );
            assert_eq!(body["status"].as_u64(), Some(u64::from(status.as_u16())));
        }
        Reply {
            status,
            headers,
            body,
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str, who: As<'_>) -> Reply {
        self.send(Method::GET, path, who, None).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, who: As<'_>, body: &Value) -> Reply {
        self.send(Method::POST, path, who, Some(&body.to_string()))
            .await
    }

    /// `PUT path` with a JSON body.
    pub async fn put(&self, path: &str, who: As<'_>, body: &Value) -> Reply {
        self.send(Method::PUT, path, who, Some(&body.to_string()))
            .await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str, who: As<'_>) -> Reply {
        self.send(Method::DELETE, path, who, None).await
    }

    /// Stops the shop, and removes its files if it kept any.
    pub async fn stop(self) {
        let TestShop { shop, folder, .. } = self;
        shop.stop().await;
        drop(folder);
    }
}
