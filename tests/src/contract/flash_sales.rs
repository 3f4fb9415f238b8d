//! What every [`FlashSaleStore`] must do.

use std::sync::Arc;

use mambogo::domain::flash_sale::{FlashSale, FlashSaleStore, Joined, QueueKey, Ticket};
use mambogo::domain::ids::{ProductId, SaleId, Sku, TicketId, UserId};
use mambogo::domain::money::{Currency, Money};
use mambogo::domain::store::StoreError;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{sole_winner, NOW};

const CONCURRENT_JOINS: usize = 8;
const CONCURRENT_WRITERS: usize = 8;
/// More than any check keeps, so that a cap or limit this large holds back nothing.
const EVERYTHING: u32 = 100;

/// A sale of 100 units that started an hour before [`NOW`] and runs for two.
fn new_sale() -> FlashSale {
    let starts_at = NOW - Duration::hours(1);
    FlashSale {
        id: SaleId::from_uuid(Uuid::new_v4()),
        sku: Sku::parse("HP-1").expect("a valid SKU"),
        product_id: ProductId::parse("hp-1").expect("a valid product id"),
        units: 100,
        sale_price: Money::new(4_900, Currency::USD),
        regular_price: Money::new(9_900, Currency::USD),
        starts_at,
        ends_at: starts_at + Duration::hours(2),
        per_customer_limit: 2,
        token_ttl_seconds: 300,
        holds: 4,
        created_at: starts_at - Duration::days(1),
    }
}

fn user(raw: &str) -> UserId {
    UserId::parse(raw).expect("a valid user id")
}

/// A waiting ticket of `buyer`, taken `seconds` after the sale started: later tickets
/// have higher queue keys.
fn waiting(sale: &FlashSale, buyer: &str, seconds: i64) -> Ticket {
    Ticket::new(
        sale,
        user(buyer),
        TicketId::from_uuid(Uuid::new_v4()),
        sale.starts_at + Duration::seconds(seconds),
    )
}

/// `ticket` admitted with one unit of hold 0, its token expiring at `expires_at`.
fn admitted(ticket: &Ticket, expires_at: OffsetDateTime) -> Ticket {
    ticket.admitted(0, 1, Uuid::new_v4(), expires_at)
}

/// The admitted `ticket` with its token run out.
fn expired(ticket: &Ticket) -> Ticket {
    let expires_at = ticket
        .token_expires_at
        .expect("an admitted ticket's expiry");
    ticket
        .expired(expires_at)
        .expect("the token has run out at its expiry")
}

async fn join(store: &dyn FlashSaleStore, ticket: &Ticket) -> Joined {
    store
        .join(ticket)
        .await
        .unwrap_or_else(|error| panic!("{} joining: {error}", ticket.buyer.as_str()))
}

async fn update(store: &dyn FlashSaleStore, ticket: &Ticket) {
    store.update_ticket(ticket).await.unwrap_or_else(|error| {
        panic!(
            "updating the ticket of {} to version {}: {error}",
            ticket.buyer.as_str(),
            ticket.version
        )
    });
}

async fn read(store: &dyn FlashSaleStore, ticket: &Ticket) -> Option<Ticket> {
    store
        .ticket(&ticket.sale_id, &ticket.buyer)
        .await
        .expect("reading a ticket")
}

/// Keeps `ticket`'s first version (a join), then each later one (an update).
async fn keep(store: &dyn FlashSaleStore, versions: &[&Ticket]) {
    let Some((first, later)) = versions.split_first() else {
        return;
    };
    assert_eq!(join(store, first).await, Joined::New((*first).clone()));
    for ticket in later {
        update(store, ticket).await;
    }
}

/// Keeps a waiting, an admitted and an expired ticket in a sale other than the checks',
/// for the buyers the checks use too, each placed where it would come first in the
/// checks' listings if it leaked into them: joined before the start, so with a key below
/// any late joiner's, and admitted with a token that ran out long ago.
async fn crowd_another_sale(store: &dyn FlashSaleStore) {
    let other = new_sale();
    let before_start = -60;
    let long_ago = NOW - Duration::days(1);
    let first = waiting(&other, "buyer-1", before_start);
    keep(store, &[&first]).await;
    let second = waiting(&other, "buyer-2", before_start);
    keep(store, &[&second, &admitted(&second, long_ago)]).await;
    let third = waiting(&other, "buyer-3", before_start);
    let third_admitted = admitted(&third, long_ago);
    keep(store, &[&third, &third_admitted, &expired(&third_admitted)]).await;
}

/// A sale reads back as kept; a second sale with its id is refused and changes nothing;
/// an unknown id reads as none.
pub async fn check_a_sale_is_kept_once(store: Arc<dyn FlashSaleStore>) {
    let sale = new_sale();
    assert_eq!(store.sale(&sale.id).await, Ok(None));
    store.create_sale(&sale).await.expect("creating a sale");
    assert_eq!(store.sale(&sale.id).await, Ok(Some(sale.clone())));
    let same_id = FlashSale {
        id: sale.id,
        units: 5,
        ..new_sale()
    };
    assert_eq!(
        store.create_sale(&same_id).await,
        Err(StoreError::AlreadyExists)
    );
    assert_eq!(store.sale(&sale.id).await, Ok(Some(sale)));
    let unknown = SaleId::from_uuid(Uuid::new_v4());
    assert_eq!(store.sale(&unknown).await, Ok(None));
}

/// The sales not yet ended at a time are listed soonest end first, within the limit;
/// one that ends at that very time has ended.
pub async fn check_sales_not_ended_come_soonest_end_first(store: Arc<dyn FlashSaleStore>) {
    let ending_in = |hours: i64| FlashSale {
        ends_at: NOW + Duration::hours(hours),
        ..new_sale()
    };
    let (ended, ending_now, soon, later, last) = (
        ending_in(-1),
        ending_in(0),
        ending_in(1),
        ending_in(2),
        ending_in(3),
    );
    for sale in [&later, &ended, &last, &ending_now, &soon] {
        store.create_sale(sale).await.expect("creating a sale");
    }
    assert_eq!(
        store.sales_not_ended(NOW, EVERYTHING).await,
        Ok(vec![soon.clone(), later.clone(), last])
    );
    assert_eq!(store.sales_not_ended(NOW, 2).await, Ok(vec![soon, later]));
    assert_eq!(
        store
            .sales_not_ended(NOW + Duration::hours(4), EVERYTHING)
            .await,
        Ok(Vec::new())
    );
}

/// A buyer's first join keeps the ticket; a second one answers that ticket, unchanged,
/// and keeps nothing.
pub async fn check_a_second_join_finds_the_first_ticket(store: Arc<dyn FlashSaleStore>) {
    let sale = new_sale();
    let first = waiting(&sale, "buyer-1", 1);
    assert_eq!(read(&*store, &first).await, None);
    assert_eq!(join(&*store, &first).await, Joined::New(first.clone()));
    let again = waiting(&sale, "buyer-1", 2);
    assert_ne!(again.id, first.id);
    assert_eq!(join(&*store, &again).await, Joined::Existing(first.clone()));
    assert_eq!(read(&*store, &first).await, Some(first.clone()));
    let in_another_sale = waiting(&new_sale(), "buyer-1", 1);
    assert_eq!(
        join(&*store, &in_another_sale).await,
        Joined::New(in_another_sale),
        "a ticket is one per buyer per sale"
    );
    assert_eq!(read(&*store, &waiting(&sale, "buyer-2", 1)).await, None);
}

/// Of one buyer's joins at once, each with a ticket of its own, exactly one keeps its
/// ticket and every join answers that one.
pub async fn check_concurrent_joins_keep_one_ticket(store: Arc<dyn FlashSaleStore>) {
    let sale = new_sale();
    let candidates: Vec<Ticket> = (0..CONCURRENT_JOINS)
        .map(|_| waiting(&sale, "buyer-1", 1))
        .collect();
    let joins = candidates.iter().cloned().map(|candidate| {
        let store = Arc::clone(&store);
        tokio::spawn(async move { store.join(&candidate).await })
    });
    let outcomes: Vec<Joined> = futures::future::join_all(joins)
        .await
        .into_iter()
        .map(|joined| {
            joined
                .expect("a join task finished")
                .expect("a join succeeded")
        })
        .collect();
    let new: Vec<&Ticket> = outcomes
        .iter()
        .filter_map(|outcome| match outcome {
            Joined::New(ticket) => Some(ticket),
            Joined::Existing(_) => None,
        })
        .collect();
    assert_eq!(new.len(), 1, "outcomes: {outcomes:?}");
    let kept = new[0].clone();
    assert!(candidates.contains(&kept));
    assert!(outcomes.into_iter().all(|outcome| outcome.ticket() == kept));
    assert_eq!(read(&*store, &kept).await, Some(kept));
}

/// An update applies to the version it was based on and to no other; a ticket never
/// kept cannot be updated.
pub async fn check_update_needs_the_stored_version(store: Arc<dyn FlashSaleStore>) {
    let sale = new_sale();
    let v1 = waiting(&sale, "buyer-1", 1);
    keep(&*store, &[&v1]).await;
    let v2 = admitted(&v1, NOW + Duration::minutes(5));
    update(&*store, &v2).await;
    assert_eq!(read(&*store, &v1).await, Some(v2.clone()));

    let stale = admitted(&v1, NOW + Duration::minutes(9));
    assert_eq!(stale.version, 2);
    assert_eq!(store.update_ticket(&stale).await, Err(StoreError::Conflict));
    let skipping = Ticket {
        version: v2.version + 2,
        ..v2.clone()
    };
    assert_eq!(
        store.update_ticket(&skipping).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(read(&*store, &v1).await, Some(v2));

    let never_joined = admitted(&waiting(&sale, "buyer-2", 1), NOW);
    assert_eq!(
        store.update_ticket(&never_joined).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(read(&*store, &never_joined).await, None);
}

/// Of many writers updating the same read of a ticket at once, exactly one wins.
pub async fn check_concurrent_updates_admit_one(store: Arc<dyn FlashSaleStore>) {
    let sale = new_sale();
    let v1 = waiting(&sale, "buyer-1", 1);
    keep(&*store, &[&v1]).await;
    let read_once = read(&*store, &v1).await.expect("the ticket was kept");
    let candidates: Vec<Ticket> = (0..CONCURRENT_WRITERS)
        .map(|_| admitted(&read_once, NOW + Duration::minutes(5)))
        .collect();
    let writers = candidates.iter().cloned().map(|candidate| {
        let store = Arc::clone(&store);
        tokio::spawn(async move { store.update_ticket(&candidate).await })
    });
    let winner = sole_winner(writers).await;
    assert_eq!(read(&*store, &v1).await, Some(candidates[winner].clone()));
}

/// Keeps five tickets of `sale`, joined a second apart but out of order: buyers 1, 3
/// and 5 waiting, buyer 2 admitted, buyer 4 admitted and expired. The waiting ones are
/// returned lowest key first.
async fn queue_of_five(store: &dyn FlashSaleStore, sale: &FlashSale) -> Vec<Ticket> {
    let [first, second, third, fourth, fifth] =
        [1, 2, 3, 4, 5].map(|buyer| waiting(sale, &format!("buyer-{buyer}"), buyer));
    let second_admitted = admitted(&second, NOW + Duration::minutes(5));
    let fourth_admitted = admitted(&fourth, NOW - Duration::minutes(5));
    keep(store, &[&third]).await;
    keep(
        store,
        &[&fourth, &fourth_admitted, &expired(&fourth_admitted)],
    )
    .await;
    keep(store, &[&fifth]).await;
    keep(store, &[&second, &second_admitted]).await;
    keep(store, &[&first]).await;
    vec![first, third, fifth]
}

/// The next waiting tickets come lowest queue key first, as many as asked for, without
/// admitted or expired tickets and without another sale's.
pub async fn check_next_waiting_come_lowest_key_first(store: Arc<dyn FlashSaleStore>) {
    let sale = new_sale();
    crowd_another_sale(&*store).await;
    assert_eq!(store.next_waiting(&sale.id, EVERYTHING).await, Ok(vec![]));
    let waiting = queue_of_five(&*store, &sale).await;
    assert!(waiting
        .windows(2)
        .all(|pair| pair[0].queue_key < pair[1].queue_key));
    assert_eq!(
        store.next_waiting(&sale.id, EVERYTHING).await,
        Ok(waiting.clone())
    );
    assert_eq!(
        store.next_waiting(&sale.id, 2).await,
        Ok(waiting[..2].to_vec())
    );
    assert_eq!(store.next_waiting(&sale.id, 0).await, Ok(vec![]));
}

async fn ahead(store: &dyn FlashSaleStore, sale: &FlashSale, key: QueueKey, cap: u32) -> u32 {
    store
        .waiting_ahead(&sale.id, key, cap)
        .await
        .unwrap_or_else(|error| panic!("counting the tickets ahead of {key:?}: {error}"))
}

/// The tickets waiting ahead of a key are those waiting with a lower key (not the key's
/// own, not admitted or expired ones, not another sale's), counted up to the cap.
pub async fn check_waiting_ahead_counts_lower_waiting_keys(store: Arc<dyn FlashSaleStore>) {
    let sale = new_sale();
    crowd_another_sale(&*store).await;
    let waiting = queue_of_five(&*store, &sale).await;
    assert_eq!(
        ahead(&*store, &sale, waiting[0].queue_key, EVERYTHING).await,
        0
    );
    assert_eq!(
        ahead(&*store, &sale, waiting[1].queue_key, EVERYTHING).await,
        1
    );
    assert_eq!(
        ahead(&*store, &sale, waiting[2].queue_key, EVERYTHING).await,
        2
    );
    assert_eq!(
        ahead(&*store, &sale, QueueKey(i64::MAX), EVERYTHING).await,
        3
    );
    assert_eq!(
        ahead(&*store, &sale, QueueKey(i64::MAX), 2).await,
        2,
        "capped"
    );
    assert_eq!(
        ahead(&*store, &sale, QueueKey(i64::MAX), 0).await,
        0,
        "capped"
    );
}

/// The admitted tickets are counted, token run out or not, without waiting or expired
/// ones and without another sale's, up to the cap.
pub async fn check_admitted_count_counts_admitted_tickets(store: Arc<dyn FlashSaleStore>) {
    let sale = new_sale();
    crowd_another_sale(&*store).await;
    assert_eq!(store.admitted_count(&sale.id, EVERYTHING).await, Ok(0));
    queue_of_five(&*store, &sale).await;
    let run_out = waiting(&sale, "buyer-6", 6);
    keep(
        &*store,
        &[&run_out, &admitted(&run_out, NOW - Duration::hours(1))],
    )
    .await;
    let live = waiting(&sale, "buyer-7", 7);
    keep(
        &*store,
        &[&live, &admitted(&live, NOW + Duration::hours(1))],
    )
    .await;
    assert_eq!(store.admitted_count(&sale.id, EVERYTHING).await, Ok(3));
    assert_eq!(store.admitted_count(&sale.id, 2).await, Ok(2), "capped");
}

/// The admitted tickets whose token runs out at or before `now` are listed soonest
/// expiry first, as many as asked for; not those expiring later, not expired ones, not
/// another sale's.
pub async fn check_expired_tokens_come_soonest_first(store: Arc<dyn FlashSaleStore>) {
    let sale = new_sale();
    crowd_another_sale(&*store).await;
    let expiries = [
        NOW - Duration::minutes(1),
        NOW + Duration::minutes(1),
        NOW - Duration::minutes(3),
        NOW,
        NOW - Duration::minutes(2),
    ];
    let mut kept = Vec::new();
    for (buyer, expires_at) in (1..).zip(expiries) {
        let ticket = waiting(&sale, &format!("buyer-{buyer}"), buyer);
        let with_token = admitted(&ticket, expires_at);
        keep(&*store, &[&ticket, &with_token]).await;
        kept.push(with_token);
    }
    let given_back = waiting(&sale, "buyer-9", 9);
    let given_back_admitted = admitted(&given_back, NOW - Duration::minutes(9));
    let given_back_expired = expired(&given_back_admitted);
    keep(
        &*store,
        &[&given_back, &given_back_admitted, &given_back_expired],
    )
    .await;
    let run_out = |indexes: &[usize]| -> Vec<Ticket> {
        indexes.iter().map(|&index| kept[index].clone()).collect()
    };
    assert_eq!(
        store.expired_tokens(&sale.id, NOW, EVERYTHING).await,
        Ok(run_out(&[2, 4, 0, 3]))
    );
    assert_eq!(
        store.expired_tokens(&sale.id, NOW, 2).await,
        Ok(run_out(&[2, 4]))
    );
    let a_moment_before = NOW - Duration::milliseconds(1);
    assert_eq!(
        store
            .expired_tokens(&sale.id, a_moment_before, EVERYTHING)
            .await,
        Ok(run_out(&[2, 4, 0])),
        "a token is not run out a moment before its expiry"
    );
    assert_eq!(
        store
            .expired_tokens(&sale.id, NOW - Duration::hours(1), EVERYTHING)
            .await,
        Ok(vec![])
    );
}
