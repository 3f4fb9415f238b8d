//! Events against their contracts: the JSON Schemas and examples in the workspace's
//! `events/` folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jsonschema::Validator;
use mambogo::domain::events::{DomainEvent, EventType};
use serde_json::Value;

/// The workspace's `events/` folder.
pub fn contracts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()))
}

/// The schema of `event_type`'s detail, from `events/schemas/<DetailType>.json`.
pub fn schema(event_type: EventType) -> Value {
    read_json(
        &contracts_dir()
            .join("schemas")
            .join(format!("{}.json", event_type.detail_type())),
    )
}

/// The example envelope of `event_type`, from `events/examples/<DetailType>.json`.
pub fn example(event_type: EventType) -> Value {
    read_json(
        &contracts_dir()
            .join("examples")
            .join(format!("{}.json", event_type.detail_type())),
    )
}

/// Every schema, compiled once per test process; formats (`uuid`, `date-time`) are
/// checked, not just annotated.
fn validators() -> &'static HashMap<EventType, Validator> {
    static VALIDATORS: OnceLock<HashMap<EventType, Validator>> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        EventType::ALL
            .iter()
            .map(|&event_type| {
                let validator = jsonschema::draft202012::options()
                    .should_validate_formats(true)
                    .build(&schema(event_type))
                    .unwrap_or_else(|error| {
                        panic!("the schema of {event_type} does not compile: {error}")
                    });
                (event_type, validator)
            })
            .collect()
    })
}

/// Every way `detail` breaks the schema of `event_type`, one line each; empty when it
/// keeps to it.
pub fn validation_errors(event_type: EventType, detail: &Value) -> Vec<String> {
    let validator = validators()
        .get(&event_type)
        .unwrap_or_else(|| panic!("no schema compiled for {event_type}"));
    validator
        .iter_errors(detail)
        .map(|error| format!("at {:?}: {error}", error.instance_path().as_str()))
        .collect()
}

/// Panics, listing every violation and the event, unless `event`'s detail keeps to the
/// schema of its type.
pub fn assert_valid(event: &DomainEvent) {
    let errors = validation_errors(event.event_type, &event.detail);
    assert!(
        errors.is_empty(),
        "the {} event breaks its schema:\n  {}\nevent: {:#}",
        event.event_type,
        errors.join("\n  "),
        event.to_envelope()
    );
}
