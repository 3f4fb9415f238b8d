//! The `Catch` rules of a state: which errors they catch, where they go, and where the
//! error output is put.

use super::errors::{matches, TaskFailure};
use super::paths::ResultPath;

/// One `Catch` rule.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Catcher {
    /// The errors it catches.
    pub(crate) error_equals: Vec<String>,
    /// The state to go to.
    pub(crate) next: String,
    /// Where the error output goes in the state's raw input.
    pub(crate) result_path: ResultPath,
}

/// The first catcher that matches `failure`.
pub(crate) fn catcher_for<'a>(
    catchers: &'a [Catcher],
    failure: &TaskFailure,
) -> Option<&'a Catcher> {
    catchers
        .iter()
        .find(|catcher| matches(&catcher.error_equals, &failure.error))
}
