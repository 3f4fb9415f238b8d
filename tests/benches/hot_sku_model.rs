//! A model of DynamoDB under a flash sale, to weigh one stock item against shards.
//!
//! `cargo bench -p mambogo-tests --bench hot_sku_model` sells `UNITS` units to `BUYERS`
//! buyers who all arrive within the first second, one unit each, against a stand-in for
//! the stock items that enforces what DynamoDB enforces per item: a write rate
//! ([`ITEM_WCU_PER_SECOND`], a transactional write costing two units) and the
//! cancellation of a transaction that overlaps another one on the same item
//! (`TransactionConflict`; a transaction holds its items for [`TRANSACTION_MILLIS`]).
//! Each buyer reads the shards, picks where to take from exactly as the DynamoDB store
//! does ([`ShardedStock::take`] from [`first_shard`] of its order), and on a conflict or
//! a throttle tries again after a random wait, as the SDK and the store's retry do. The
//! clock is virtual, so a run takes milliseconds and is the same every time.
//!
//! It prints, for 1 shard and for 16, the reservation decisions per second (units sold
//! plus sold-out answers, over the time until every buyer had one), the time to sell out,
//! and the conflicts and throttles met; then the ratio of the two rates.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use mambogo::domain::ids::{OrderId, Sku};
use mambogo::domain::inventory::{first_shard, ShardedStock};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

const UNITS: u32 = 10_000;
const BUYERS: u32 = 50_000;
/// Write capacity units one item takes per second (DynamoDB's per-partition limit).
const ITEM_WCU_PER_SECOND: f64 = 1_000.0;
/// What one transactional write of one item costs.
const TRANSACTION_WCU: f64 = 2.0;
/// How long a TransactWriteItems holds its items, in the model (a round trip in region).
const TRANSACTION_MILLIS: u64 = 10;
/// The first retry waits up to this long; each later one up to twice as long as the last.
const FIRST_RETRY_MILLIS: u64 = 5;
/// The longest wait between two tries.
const LONGEST_RETRY_MILLIS: u64 = 200;

/// Time in microseconds of the virtual clock.
type Micros = u64;

/// One stock item of the model: when its current transaction ends, and its write budget.
struct Item {
    busy_until: Micros,
    budget: f64,
    refilled_at: Micros,
}

impl Item {
    fn new() -> Self {
        Item {
            busy_until: 0,
            budget: ITEM_WCU_PER_SECOND,
            refilled_at: 0,
        }
    }

    /// Takes one transactional write's capacity at `now`, if the item has it.
    fn charge(&mut self, now: Micros) -> bool {
        let refill = (now - self.refilled_at) as f64 / 1e6 * ITEM_WCU_PER_SECOND;
        self.budget = (self.budget + refill).min(ITEM_WCU_PER_SECOND);
        self.refilled_at = now;
        if self.budget < TRANSACTION_WCU {
            return false;
        }
        self.budget -= TRANSACTION_WCU;
        true
    }
}

/// What happened in one run.
struct Outcome {
    sold: u32,
    sold_out_answers: u32,
    decided_at: Micros,
    sold_out_at: Micros,
    conflicts: u64,
    throttles: u64,
}

/// A buyer's next try: when, who, and how many tries came before.
type Try = Reverse<(Micros, u32, u32)>;

fn run(shards: u32) -> Outcome {
    let mut rng = SmallRng::seed_from_u64(u64::from(shards));
    let sku = Sku::parse("SALE-1").expect("a SKU");
    let mut stock = ShardedStock::initial(sku, UNITS, shards).expect("a valid shard count");
    let mut items: Vec<Item> = (0..shards).map(|_| Item::new()).collect();
    let orders: Vec<u64> = (0..BUYERS)
        .map(|buyer| {
            first_shard(&OrderId::from_uuid(uuid::Uuid::from_u128(u128::from(
                buyer,
            ))))
        })
        .collect();
    // When the transactions under way end; a unit counts as sold then.
    let mut committing: BinaryHeap<Reverse<Micros>> = BinaryHeap::new();
    let mut tries: BinaryHeap<Try> = (0..BUYERS)
        .map(|buyer| Reverse((rng.random_range(0..1_000_000), buyer, 0)))
        .collect();
    let mut outcome = Outcome {
        sold: 0,
        sold_out_answers: 0,
        decided_at: 0,
        sold_out_at: 0,
        conflicts: 0,
        throttles: 0,
    };
    while let Some(Reverse((now, buyer, attempt))) = tries.pop() {
        while let Some(Reverse(ends)) = committing.peek().copied() {
            if ends > now {
                break;
            }
            committing.pop();
            outcome.sold += 1;
            outcome.sold_out_at = ends;
        }
        let Some(takes) = stock.take(1, orders[buyer as usize]) else {
            // Every unit is sold or being sold (a started transaction always commits
            // here): the buyer is told at once.
            outcome.sold_out_answers += 1;
            outcome.decided_at = outcome.decided_at.max(now);
            continue;
        };
        let shard = takes[0].shard as usize;
        let item = &mut items[shard];
        if item.busy_until > now {
            outcome.conflicts += 1;
        } else if !item.charge(now) {
            outcome.throttles += 1;
        } else {
            let ends = now + TRANSACTION_MILLIS * 1_000;
            item.busy_until = ends;
            // Spoken for from now: a later read does not offer the unit again.
            stock.shards[shard].available -= 1;
            committing.push(Reverse(ends));
            outcome.decided_at = outcome.decided_at.max(ends);
            continue;
        }
        let wait = retry_wait(&mut rng, attempt);
        tries.push(Reverse((now + wait, buyer, attempt + 1)));
    }
    outcome.sold += u32::try_from(committing.len()).unwrap_or(u32::MAX);
    if let Some(last) = committing.into_iter().map(|Reverse(ends)| ends).max() {
        outcome.sold_out_at = last;
    }
    outcome
}

/// A random wait before try `attempt + 1`: up to the first retry's bound, doubling.
fn retry_wait(rng: &mut SmallRng, attempt: u32) -> Micros {
    let bound = FIRST_RETRY_MILLIS
        .saturating_mul(1 << attempt.min(16))
        .min(LONGEST_RETRY_MILLIS);
    rng.random_range(1..=bound * 1_000)
}

fn main() {
    println!(
        "flash sale on a model of DynamoDB: {UNITS} units, {BUYERS} buyers within 1 s; per item \
         {ITEM_WCU_PER_SECOND} WCU/s, {TRANSACTION_WCU} WCU per transactional write, \
         transactions hold their items {TRANSACTION_MILLIS} ms and cancel overlapping ones"
    );
    println!(
        "{:<8} {:>12} {:>14} {:>16} {:>12} {:>12}",
        "shards", "decisions/s", "sold out (s)", "all decided (s)", "conflicts", "throttles"
    );
    let mut rates = Vec::new();
    for shards in [1, 16] {
        let outcome = run(shards);
        assert_eq!(outcome.sold, UNITS, "every unit is sold, none twice");
        assert_eq!(outcome.sold_out_answers, BUYERS - UNITS);
        let decided = outcome.decided_at as f64 / 1e6;
        let rate = f64::from(BUYERS) / decided;
        rates.push(rate);
        println!(
            "{:<8} {:>12.0} {:>14.2} {:>16.2} {:>12} {:>12}",
            shards,
            rate,
            outcome.sold_out_at as f64 / 1e6,
            decided,
            outcome.conflicts,
            outcome.throttles
        );
    }
    println!(
        "hot-sku model: 16 shards decide {:.1}x as fast as 1 (target: at least 8x)",
        rates[1] / rates[0]
    );
}
