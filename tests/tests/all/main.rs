//! Every cross-crate test in one binary: the store contract suites on SQLite and on
//! DynamoDB (moto), the checkout saga and HTTP end-to-end tests, adapter and contract
//! checks. One binary links the AWS SDK once and shares one moto server.

mod address_book_store_contract;
mod cart_store_contract;
mod catalog_store_contract;
mod checkout_address;
mod checkout_quote;
mod checkout_saga;
mod clear_cart_consumer;
mod consumers;
mod coupon_store_contract;
mod dead_letters;
mod event_contracts;
mod eventbridge_adapter;
mod flash_sale;
mod flash_sale_store_contract;
mod http_address_book;
mod http_bad_input;
mod http_cart;
mod http_catalog;
mod http_coupons;
mod http_hardening;
mod http_reviews;
mod http_search;
mod http_storefront;
mod idempotency_store_contract;
mod inventory_store_contract;
mod mock_gateway_service;
mod module_layers;
mod notification_store_contract;
mod operations_log_contract;
mod order_lifecycle;
mod order_lifecycle_cancel;
mod order_store_contract;
mod payment_store_contract;
mod payment_webhook;
mod review_store_contract;
mod saga_fault_matrix;
mod saga_start_throttled;
mod search_relevance;
mod search_snapshots_on_moto;
mod state_machine_parity;
mod stepfunctions_adapter;
mod sweeper;
mod terraform_parity;
