//! The DynamoDB adapters: the same stores as [`super::sqlite`], one table per store. Every
//! record is kept as a JSON string in `body`, beside the attributes that keys,
//! conditions and indexes need.
//!
//! # Catalog table
//!
//! Partition key `pk` (S), sort key `sk` (S), on-demand billing.
//!
//! | Item         | `pk`              | `sk`       | Other attributes                          |
//! |--------------|-------------------|------------|-------------------------------------------|
//! | Product      | `PRODUCT#<id>`    | `PRODUCT`  | `kind` = `product`, `version` (N), `body` |
//! | SKU claim    | `SKU#<sku>`       | `SKU`      | `product_id` (S)                          |
//! | Category     | `CATEGORY#<id>`   | `CATEGORY` | `kind` = `category`, `body`               |
//!
//! Global secondary index `by_kind`: partition key `kind` (S), sort key `pk` (S),
//! projection ALL. Only products and categories carry `kind`, so the index lists exactly
//! them; like every GSI it is eventually consistent, while reads by key are consistent.
//!
//! A SKU claim item makes a SKU belong to one product. Creating a product puts it and
//! its claims in one transaction, each conditional on the item not existing yet;
//! replacing one puts it conditional on the previous version, re-puts its claims
//! conditional on being free or already its own, and deletes the claims of dropped SKUs
//! conditional on still being its own. A product has at most
//! [`MAX_VARIANTS`](crate::domain::catalog::MAX_VARIANTS) SKUs, so a replacement stays far
//! below DynamoDB's 100 items per transaction.
//!
//! # Address book table
//!
//! Partition key `pk` (S) = `USER#<user id>`, on-demand billing: one item per shopper,
//! with `version` (N) and `body` (the whole book, at most
//! [`MAX_ADDRESSES`](crate::domain::address_book::MAX_ADDRESSES) addresses, a few KB).
//! Creating it is conditional on the key not existing yet, every later put on the
//! previous version, so the limit and the single default hold in one conditional write.
//!
//! # Coupon table
//!
//! Partition key `pk` (S), sort key `sk` (S), on-demand billing, kept.
//!
//! | Item        | `pk`             | `sk`             | Other attributes                                   |
//! |-------------|------------------|------------------|----------------------------------------------------|
//! | Coupon      | `COUPON#<code>`  | `COUPON`         | `body`, `is_active` (N, 1 or 0), `redeemed_count` (N) |
//! | Shopper use | `COUPON#<code>`  | `USER#<user>`    | `redeemed_count` (N)                               |
//! | Redemption  | `COUPON#<code>`  | `ORDER#<order>`  | `user_id` (S), `given_back` (N, 1 or 0)            |
//!
//! A redemption is one transaction: the redemption item put if absent (a retried
//! checkout counts once), the coupon's count raised on condition that it is active and
//! below its maximum, the shopper's count raised on condition that it is below the
//! per-customer limit. A release flips `given_back` from 0 to 1 and lowers both counts in
//! one transaction, so it happens once.
//!
//! # Review table
//!
//! Partition key `pk` (S), sort key `sk` (S), on-demand billing, kept.
//!
//! | Item           | `pk`                | `sk`          | Other attributes                                   |
//! |----------------|---------------------|---------------|----------------------------------------------------|
//! | Review         | `REVIEW#<id>`       | `REVIEW`      | `version` (N), `body`; while shown `listed_product`, `newest_key`, `rating_key` (S) |
//! | Author's claim | `PRODUCT#<product>` | `USER#<user>` | `review_id` (S)                                    |
//! | Rating         | `PRODUCT#<product>` | `RATING`      | `review_count` (N), `star_total` (N), `kind` = `rating` |
//!
//! Global secondary indexes `newest` (partition key `listed_product`, sort key
//! `newest_key`) and `best` (`listed_product`, `rating_key`), projection ALL, list a
//! product's shown reviews read backwards: the keys are the creation time and id (newest),
//! or the stars, then those (best), zero-padded to compare as text. Hiding a review puts it back without the three
//! attributes, so both indexes drop it. The index `ratings` (`kind`, `pk`) lists every
//! rating item, for search.
//!
//! Adding a review is one transaction: the author's claim put if absent (one review per
//! shopper and product), the review put if absent, the rating's counters raised with
//! `ADD`. Every later change puts the review conditional on its previous version and
//! moves the counters by the difference of what the old and new review count (a hidden
//! review counts nothing), in the same transaction, on condition that the count stays at
//! or above zero.
//!
//! # Cart table
//!
//! Partition key `pk` (S) = the cart id, on-demand billing, TTL on `expires_at`.
//! Attributes: `version` (N), `expires_at` (N, epoch seconds), `body`. DynamoDB purges
//! expired carts only eventually, so reads and writes compare `expires_at` with `now`
//! themselves.
//!
//! # Order table
//!
//! Partition key `pk` (S) = `ORDER#<id>`, on-demand billing. Attributes: `user_id` (S),
//! `created_at` (N, epoch seconds), `version` (N), `status` (S), `body`. Creating an
//! order is conditional on the key not existing yet, updating it on the previous version.
//!
//! Global secondary index `by_user`: partition key `user_id` (S), sort key `created_at`
//! (N), projection ALL; it lists a user's orders by age, for "my orders" (newest first).
//!
//! Global secondary index `by_status`: partition key `status` (S), sort key `created_at`
//! (N), projection ALL; it lists the orders in one status by age, oldest first, for the
//! operators' queues. Every put rewrites `status`, so an order moves between its
//! partitions with each transition; like every GSI it lags the table by a moment, so a
//! caller reads the order itself before acting on a listed one.
//!
//! Listings are keyset pages: the opaque cursor is the last order's `created_at` and id
//! (with the listing's partition, checked on the way back), turned back into the
//! index's `ExclusiveStartKey`. Orders placed in the same second come in the index's
//! order.
//!
//! # Payment table
//!
//! Partition key `pk` (S), on-demand billing, TTL on `expires_at`.
//!
//! | Item          | `pk`                       | Other attributes                                    |
//! |---------------|----------------------------|-----------------------------------------------------|
//! | Payment       | `PAYMENT#<order id>`       | `version` (N), `status` (S), `updated_at` (N, epoch seconds), `body` (with its refunds) |
//! | Gateway event | `GATEWAY_EVENT#<event id>` | `order_id` (S), `recorded_at` (N), `expires_at` (N) |
//!
//! Global secondary index `by_status`: partition key `status` (S), sort key `updated_at`
//! (N), projection ALL. Only payment items carry `status`, so gateway events stay out of
//! it; reconciliation lists the payments in one status, least recently changed first.
//!
//! A payment at version 1 is put conditional on not existing yet, a later one on the
//! previous version. Applying a gateway event puts the event, conditional on not
//! existing yet, and the payment in one transaction, so that a redelivered webhook
//! changes nothing. Events are remembered for 30 days after they were applied.
//!
//! # Idempotency table
//!
//! Partition key `pk` (S), on-demand billing, TTL on `expires_at` (N, epoch seconds).
//!
//! | Item          | `pk`                            | Other attributes                                        |
//! |---------------|---------------------------------|---------------------------------------------------------|
//! | Request key   | `KEY#<key>`                     | `fingerprint` (S), `expires_at`, `status` (N)?, `body`? |
//! | Handled event | `HANDLED#<consumer>#<event id>` | `expires_at`                                            |
//!
//! `status` and `body` (the stored response) appear when the request completes.
//!
//! A request key is claimed by a put conditional on no live key being there, completed
//! by setting `status` and `body`, and released by a delete conditional on `status`
//! being absent. Claims compare `expires_at` with `now` themselves, since DynamoDB purges
//! expired items only eventually; a handled event is reported until it is purged, as
//! the port gives no `now` to compare with.
//!
//! # Inventory table
//!
//! Partition key `pk` (S), sort key `sk` (S), on-demand billing, no TTL.
//!
//! | Item        | `pk`               | `sk`          | Other attributes                                    |
//! |-------------|--------------------|---------------|-----------------------------------------------------|
//! | Stock       | `SKU#<sku>`        | `STOCK`       | `on_hand`, `reserved`, `available`, `sold`, `received` (N), `low_stock_threshold` (N) if set |
//! | Reservation | `ORDER#<order id>` | `RESERVATION` | `status` (S), `expires_at` (N, epoch seconds), `lines` (S, JSON), `created_at` (S, RFC 3339), `pending` (S) while pending; `restock:<restock id>` (S, the restocked lines as JSON) and `restocked:<sku>` (N) once restocked |
//!
//! Global secondary index `pending_by_expiry`: partition key `pending` (S), sort key
//! `expires_at` (N), projection ALL. A reservation carries `pending` = `PENDING` only
//! while it is pending, so the index is sparse: the sweeper queries `expires_at <= now`
//! in it and reads nothing else.
//!
//! `available` is stored beside `on_hand` and `reserved` because conditions cannot do
//! arithmetic. A reserve is one transaction: the reservation put, conditional on it not
//! existing, then per line `SET available = available - q, reserved = reserved + q`
//! conditional on the stock item existing with `available >= q`. A reservation holds at
//! most [`MAX_RESERVATION_LINES`](crate::domain::inventory::MAX_RESERVATION_LINES) SKUs, so the
//! transaction stays within DynamoDB's 100 items. A commit or release is one transaction
//! too: the reservation's `status` set and `pending` removed, conditional on `status`
//! being `PENDING` (and, for the sweeper, on `expires_at <= now`), then per line the
//! move of `q` units out of `reserved`. Setting on hand reads the stock item and writes
//! it conditional on the counters read. Reservations are never deleted: a retried
//! reserve must find the first one.
//!
//! A restock (a cancelled or returned order's units coming back) is one transaction
//! too: the reservation's update sets the marker `restock:<restock id>` conditional on
//! it not existing and on `status` being `COMMITTED`, and raises each line's
//! `restocked:<sku>` counter conditional on it staying within the units the order
//! committed (`attribute_not_exists` or `<= committed − q`: conditions cannot add);
//! then per line `SET on_hand = on_hand + q, available = available + q, sold = sold − q`
//! conditional on `sold >= q`. The marker lives on the reservation item rather than in
//! an item of its own so that a restock of all 99 lines still fits in DynamoDB's 100
//! items per transaction. A refused marker means the restock was applied before; a
//! refused counter means a concurrent restock got there first, and the adapter decides
//! again on what it reads. The low-stock threshold is set by one UpdateItem that also
//! creates the stock item (`if_not_exists` on every counter) when there is none.
//!
//! # Mock gateway ledger table
//!
//! Only for the mock payment gateway deployed as a Lambda. Partition key `pk` (S),
//! on-demand billing, a stream with view type `NEW_IMAGE`, no TTL.
//!
//! | Item          | `pk`                       | Other attributes                                   |
//! |---------------|----------------------------|----------------------------------------------------|
//! | Authorization | `AUTH#<idempotency key>`   | `reference` (S)                                    |
//! | Payment       | `PAYMENT#<reference>`      | `order_id` (S), `amount` (N, minor units), `currency` (S), `stage` (S: `PENDING`, `AUTHORIZED`, `DECLINED`, `CAPTURED`, `VOIDED`, `REFUNDED`), `captured` (N), `refunded` (N, over every partial refund) |
//! | Step          | `STEP#<idempotency key>`   | `reference` (S), `outcome` (S: `PERFORMED` or `REFUSED`), `reason` (S) if refused |
//! | Webhook       | `WEBHOOK#<event id>`       | `reference` (S), `body` (S, the webhook's JSON)    |
//!
//! An authorization is one transaction: the authorization, the payment and the webhook
//! that will answer it (none for `tok_no_answer`) put, each conditional on not existing
//! yet. If the authorization's put is refused, the key was used before and its
//! reference answers. A capture, void or refund is one transaction: the step put
//! conditional on not existing yet, the payment's `stage`, `captured` and `refunded` set
//! conditional on the values the step was decided on (only checked, when they stay),
//! and for a refund the `refund.succeeded` webhook that will answer it. If the step's
//! put is refused, the key was performed before and its stored outcome answers; if only
//! the payment's condition is, the caller reads the payment again and decides anew, so
//! concurrent partial refunds never add up to more than was captured. (Payment items
//! written before partial refunds existed lack `captured` and `refunded`; they read as
//! captured and refunded in full by their stage.)
//!
//! The stream is the webhooks' delivery trigger: each new webhook item is signed and
//! sent by the mock's webhook function, which Lambda retries until the shop accepts it
//! (a transactional outbox: recording the authorization or refund and promising its
//! webhook are the same write). Other items and changes in the stream are ignored.
//!
//! # Operations table
//!
//! Partition key `pk` (S), sort key `sk` (S), on-demand billing, TTL on `expires_at`.
//! Named by `OPERATIONS_TABLE`; the manifest's table `operations`.
//!
//! | Item              | `pk`                          | `sk`                               | Other attributes |
//! |-------------------|-------------------------------|------------------------------------|------------------|
//! | Notification      | `NOTIFY#<recipient>`          | `<created_at>#<event id>#<kind>`   | `body`           |
//! | Notification guard| `NOTIFIED#<event id>#<kind>`  | `NOTIFIED`                         |                  |
//! | Sweep report      | `SWEEP`                       | `<ran_at>`                         | `body`, `expires_at` (N, 30 days after the run) |
//!
//! Times in sort keys are epoch nanoseconds, zero-padded to 20 digits so that they sort
//! as text. Recording a notification puts its guard and itself in one transaction, each
//! conditional on not existing yet: a redelivered event (whose notification would carry
//! another `created_at`) finds the guard and writes nothing. A recipient's notifications
//! are read newest first by a query of their partition, paged by keyset cursor; sweep
//! reports likewise from `SWEEP`. Notifications are kept; sweep reports expire.
//!
//! # Journal table
//!
//! Partition key `pk` (S), sort key `sk` (S), on-demand billing, TTL on `expires_at`.
//! Named by `JOURNAL_TABLE`; the manifest's table `journal`.
//!
//! | Item          | `pk`               | `sk`                  | Other attributes                                  |
//! |---------------|--------------------|-----------------------|---------------------------------------------------|
//! | Journal entry | `ORDER#<order id>` | the entry's key       | `body`, `expires_at` (N, 90 days after the entry) |
//!
//! An entry's key is `published#<event id>`, `handled#<consumer>#<event id>` or
//! `failed#<consumer>#<event id>#<nanoseconds>`; it is put conditional on not existing
//! yet, so a redelivered event or a repeated handling writes nothing. An order's journal
//! is one partition, read by a query of it and put in time order by the reader (the sort
//! key orders entries by kind, not time).
//!
//! # Flash sale table
//!
//! Partition key `pk` (S), sort key `sk` (S), on-demand billing, no TTL. Named by
//! `FLASH_SALE_TABLE`; the manifest's table `flash-sales`.
//!
//! | Item   | `pk`                              | `sk`     | Other attributes                               |
//! |--------|-----------------------------------|----------|------------------------------------------------|
//! | Sale   | `SALE#<sale id>`                  | `SALE`   | `body`, `queue_pk` (S) and `queue_sk` (N)      |
//! | Ticket | `SALE#<sale id>#BUYER#<user id>`  | `TICKET` | `version` (N), `body`, `queue_pk` (S) and `queue_sk` (N) while waiting or admitted |
//!
//! Global secondary index `queue`: partition key `queue_pk` (S), sort key `queue_sk`
//! (N), projection ALL. It is sparse, overloaded and sharded: a waiting ticket has
//! `queue_pk` = `WAITING#<sale id>#<shard>` and `queue_sk` = its queue key; an admitted
//! one `queue_pk` = `ADMITTED#<sale id>#<shard>` and `queue_sk` = its token's expiry in
//! epoch nanoseconds (exact, as the domain compares expiries; the earliest instant if it
//! has none); an expired ticket has neither, so it leaves the index; a sale has
//! `queue_pk` = `SALES` and `queue_sk` = its end in epoch nanoseconds, so that the sweeper
//! finds the sales not yet ended with one query. The shard is the
//! ticket id modulo 16. Every ticket is a partition of the table, and each status of a
//! sale's tickets 16 partitions of the index, so that 50,000 joins in a second are not
//! 50,000 writes to one partition (about 1,000 a second each).
//!
//! Creating a sale, and joining its waiting room, put the item conditional on
//! `attribute_not_exists(pk)`; a refused join reads the ticket there (consistently) and
//! answers it. Updating a ticket puts its whole item conditional on `version =
//! :previous`, so that the queue attributes follow the status (a put of an expired ticket
//! drops them). The waiting ahead of a key and the admitted tickets are counted by
//! Queries of the index's shards at once with `Select COUNT` (`queue_sk < :key` for the
//! former), each continued across pages until the cap is reached, and summed; the next
//! waiting tickets, and the admitted ones whose token expired (`queue_sk <= now`), are
//! read ascending with `Limit` from every shard and merged by `queue_sk`. Like
//! every GSI the index lags the table by a moment, so a caller updates a listed ticket
//! conditionally and reads it again if refused.

mod address_books;
mod cart;
mod catalog;
mod coupons;
mod error;
mod flash_sales;
mod idempotency;
mod inventory;
mod item;
mod journal;
pub mod layout;
#[cfg(feature = "mock-gateway")]
mod mock_ledger;
mod operations;
mod orders;
mod payments;
mod query;
mod reviews;
mod stores;
mod transaction;
mod write_token;

pub use address_books::DynamoAddressBooks;
pub use cart::DynamoCarts;
pub use catalog::DynamoCatalog;
pub use coupons::DynamoCoupons;
pub use flash_sales::DynamoFlashSales;
pub use idempotency::DynamoIdempotency;
pub use inventory::DynamoInventory;
pub use journal::DynamoJournal;
#[cfg(feature = "mock-gateway")]
pub use mock_ledger::DynamoMockLedger;
pub use operations::DynamoOperations;
pub use orders::DynamoOrders;
pub use payments::DynamoPayments;
pub use reviews::DynamoReviews;
pub use stores::{Caches, DynamoStores};
