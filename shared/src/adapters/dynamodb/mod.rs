//! The DynamoDB adapters.
