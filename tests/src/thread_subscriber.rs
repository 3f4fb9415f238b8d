//! A subscriber for one test's thread: what the test's shop logs or traces (on a
//! current-thread runtime, its tasks run there too) reaches it, and other tests' lines
//! go nowhere.

use std::sync::OnceLock;

use tracing::subscriber::{DefaultGuard, NoSubscriber};
use tracing::{Dispatch, Subscriber};

/// `subscriber` as this thread's while the guard lives.
///
/// While a single subscriber is registered, `tracing` asks only the subscriber of the
/// thread that first reaches a log statement or span whether it is wanted, and remembers
/// the answer: another test's thread, with none, would silence it here too. A second,
/// silent subscriber, registered once for the whole run, makes it ask every one.
pub fn on_this_thread(subscriber: impl Subscriber + Send + Sync + 'static) -> DefaultGuard {
    static SILENT: OnceLock<Dispatch> = OnceLock::new();
    SILENT.get_or_init(|| Dispatch::new(NoSubscriber::default()));
    tracing::subscriber::set_default(subscriber)
}
