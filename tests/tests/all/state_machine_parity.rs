//! The checkout ASL file, the saga's step functions and the local runner agree.

use std::collections::{BTreeSet, HashMap};

use mambogo::application::checkout::{CHECKOUT_ASL, TASK_FUNCTIONS};
use mambogo_local::workflow::StateMachine;

/// The `${…}` placeholders of an ASL template.
pub(crate) fn placeholders(text: &str) -> BTreeSet<String> {
    text.split("${")
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

#[test]
fn every_placeholder_names_a_saga_step_and_every_step_is_used() {
    let in_file = placeholders(CHECKOUT_ASL);
    let declared: BTreeSet<String> = TASK_FUNCTIONS
        .iter()
        .map(|(placeholder, _)| (*placeholder).to_owned())
        .collect();
    assert_eq!(in_file, declared);
}

#[test]
fn the_local_runner_accepts_the_file_and_refuses_a_missing_function() {
    let substitutions: HashMap<String, String> = TASK_FUNCTIONS
        .iter()
        .map(|(placeholder, function)| ((*placeholder).to_owned(), (*function).to_owned()))
        .collect();
    assert!(StateMachine::parse(CHECKOUT_ASL, &substitutions).is_ok());
    let mut missing = substitutions.clone();
    missing.remove("confirm_order_function");
    let refused =
        StateMachine::parse(CHECKOUT_ASL, &missing).expect_err("a missing substitution is refused");
    assert!(
        refused.to_string().contains("confirm_order_function"),
        "{refused}"
    );
}
