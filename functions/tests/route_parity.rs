//! Every OpenAPI operation has exactly one Lambda binary, named after it, that calls its
//! handler; and every binary belongs to an operation, except the functions the manifest
//! gives another trigger (see [`not_routes`]).

// A test stops at the line that failed: tests unwrap where production code may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;

use mambogo::adapters::access::{Manifest, Trigger};
use mambogo::api::{routes, Route, OPENAPI_YAML};
use mambogo::application::checkout::TASK_FUNCTIONS;

/// Binaries that are deliberately not routes of the shop's API: the functions whose
/// `functions/manifest.json` entry has another trigger than `api` (saga steps, queue
/// consumers, scheduled jobs, the mock gateway's two functions). The manifest is the
/// only way to exempt a binary; it must still exist, and still name no route's handler.
fn not_routes() -> Vec<String> {
    Manifest::embedded()
        .unwrap()
        .functions
        .values()
        .filter(|function| function.trigger != Trigger::Api)
        .map(|function| function.name.clone())
        .collect()
}

/// `listProducts` → `list-products` (with `separator` `-`) or `list_products` (`_`).
fn split_camel_case(operation_id: &str, separator: char) -> String {
    let mut out = String::new();
    for c in operation_id.chars() {
        if c.is_ascii_uppercase() {
            out.push(separator);
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Every binary's source, by file stem.
fn binaries() -> BTreeMap<String, String> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join("bin");
    std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "rs"))
        .map(|path| {
            let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
            (stem, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

fn identifiers(source: &str) -> Vec<&str> {
    source
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
        .collect()
}

fn operations() -> Vec<Route> {
    routes(OPENAPI_YAML).unwrap()
}

#[test]
fn every_operation_has_exactly_one_binary() {
    let binaries = binaries();
    for route in operations() {
        let id = &route.operation_id;
        let file = split_camel_case(id, '-');
        let source = binaries
            .get(&file)
            .unwrap_or_else(|| panic!("{id} has no functions/src/bin/{file}.rs"));
        let naming: Vec<_> = binaries
            .iter()
            .filter(|(_, source)| source.contains(&format!("\"{id}\"")))
            .map(|(stem, _)| stem.as_str())
            .collect();
        assert_eq!(naming, [file.as_str()], "binaries naming \"{id}\"");
        let route_doc = format!("//! {} {} ({id})", route.method, route.path);
        assert!(
            source.starts_with(&route_doc),
            "{file}.rs must start with `{route_doc}`"
        );
    }
}

#[test]
fn every_binary_belongs_to_an_operation_and_calls_only_its_handler() {
    let operations = operations();
    let handler_of = |route: &Route| split_camel_case(&route.operation_id, '_');
    for (stem, source) in binaries() {
        let words = identifiers(&source);
        let route = operations
            .iter()
            .find(|route| split_camel_case(&route.operation_id, '-') == stem);
        let route = match route {
            Some(route) => route,
            None if not_routes().contains(&stem) => {
                for operation in &operations {
                    assert!(
                        !words.contains(&handler_of(operation).as_str()),
                        "{stem}.rs is not a route but names {}, a route's handler",
                        handler_of(operation)
                    );
                }
                assert!(
                    !words.contains(&"OPERATIONS"),
                    "{stem}.rs must not link the operation table"
                );
                continue;
            }
            None => panic!("src/bin/{stem}.rs matches no OpenAPI operation"),
        };
        assert!(
            words.contains(&handler_of(route).as_str()),
            "{stem}.rs must call {}",
            handler_of(route)
        );
        for other in operations.iter().filter(|other| *other != route) {
            assert!(
                !words.contains(&handler_of(other).as_str()),
                "{stem}.rs names {}, another route's handler",
                handler_of(other)
            );
        }
        assert!(
            !words.contains(&"OPERATIONS"),
            "{stem}.rs must link only its own handler, not the operation table"
        );
    }
}

#[test]
fn binaries_that_are_not_routes_exist_and_are_no_operation() {
    let binaries = binaries();
    let operations = operations();
    for stem in not_routes() {
        assert!(
            binaries.contains_key(&stem),
            "the manifest lists {stem}, but there is no src/bin/{stem}.rs"
        );
        assert!(
            !operations
                .iter()
                .any(|route| split_camel_case(&route.operation_id, '-') == stem),
            "{stem} is an OpenAPI operation; its manifest trigger must be api"
        );
    }
}

#[test]
fn every_saga_step_has_a_binary_that_runs_that_step() {
    let binaries = binaries();
    for (_, function) in TASK_FUNCTIONS {
        let source = binaries
            .get(function)
            .unwrap_or_else(|| panic!("the saga step {function} has no src/bin/{function}.rs"));
        assert!(
            source.contains(&format!("run_saga_step(\"{function}\")")),
            "{function}.rs must run the step {function}"
        );
        assert!(
            not_routes().iter().any(|name| name == function),
            "{function} must be a saga function in the manifest"
        );
    }
}
