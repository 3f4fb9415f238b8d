//! Adapters behind the ports: DynamoDB, EventBridge, S3, Step Functions and SQS for AWS, the
//! payment gateway's HTTP client, read caches that either store can sit behind, and the
//! guards that hold each function to its grants. The embedded SQLite stores and the local
//! bus come with the `embedded` feature, the mock payment gateway with `mock-gateway`, the search index and its S3 snapshots
//! with `search-index`.

pub mod access;
pub mod aws_error;
pub mod cached_catalog;
pub mod cached_stock;
mod cursor;
pub mod dynamodb;
pub mod event_span;
pub mod eventbridge;
pub mod http_gateway;
#[cfg(feature = "embedded")]
pub mod local_bus;
pub mod mail;
#[cfg(feature = "mock-gateway")]
pub mod mock_gateway;
#[cfg(feature = "search-index")]
pub mod s3_snapshots;
#[cfg(feature = "search-index")]
pub mod search_index;
#[cfg(feature = "embedded")]
pub mod sqlite;
pub mod sqs_consumer;
pub mod sqs_dead_letters;
pub mod stepfunctions;
