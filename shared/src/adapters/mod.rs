//! Adapters behind the ports: embedded SQLite for the local shop and tests, DynamoDB
//! for AWS, and a read cache that either can sit behind.

pub mod cached_catalog;
pub mod cached_stock;
mod cursor;
pub mod dynamodb;
pub mod eventbridge;
pub mod http_gateway;
pub mod sqlite;
pub mod sqs_dead_letters;
pub mod stepfunctions;
