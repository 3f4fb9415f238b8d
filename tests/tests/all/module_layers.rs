//! The architecture, held by the module graph (`mambogo_tests::layers`): in `shared` the
//! layers point only down — domain ← application ← api ← adapters — and no modules of
//! one parent use each other in a cycle, in `shared`, `local` or `functions`. The domain
//! and application layers name no transport or storage crate.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mambogo_tests::layers::ModuleGraph;

/// `shared`'s layers, lowest first: each may use only those before it.
const SHARED_LAYERS: [&str; 4] = ["domain", "application", "api", "adapters"];

/// Crates that speak AWS, HTTP or SQL: adapters and entry points may name them, the
/// domain and the application may not.
const TRANSPORT_CRATES: [&str; 10] = [
    "aws_config",
    "aws_sdk_dynamodb",
    "aws_sdk_eventbridge",
    "aws_sdk_sfn",
    "aws_sdk_sqs",
    "axum",
    "http",
    "lambda_http",
    "reqwest",
    "rusqlite",
];

fn crate_root(member: &str, root_file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(member)
        .join("src")
        .join(root_file)
}

fn graph(member: &str, root_file: &str) -> ModuleGraph {
    let root = crate_root(member, root_file);
    ModuleGraph::read(&root).unwrap_or_else(|error| panic!("{}: {error}", root.display()))
}

fn assert_no_cycle(member: &str, root_file: &str) {
    let cycles = graph(member, root_file).cycles();
    assert!(
        cycles.is_empty(),
        "{member}: modules that use each other in a cycle: {}",
        cycles
            .iter()
            .map(|(parent, cycle)| format!("under `{}`: {}", parent.join("::"), cycle.join(" → ")))
            .collect::<Vec<_>>()
            .join("; ")
    );
}

#[test]
fn shared_has_no_module_cycle() {
    assert_no_cycle("shared", "lib.rs");
}

#[test]
fn local_has_no_module_cycle() {
    assert_no_cycle("local", "lib.rs");
}

#[test]
fn functions_has_no_module_cycle() {
    assert_no_cycle("functions", "lib.rs");
}

#[test]
fn shared_is_made_of_its_layers_only() {
    let graph = graph("shared", "lib.rs");
    let top: BTreeSet<&str> = graph
        .modules()
        .filter(|path| path.len() == 1)
        .map(|path| path[0].as_str())
        .collect();
    assert_eq!(top, SHARED_LAYERS.into_iter().collect());
}

#[test]
fn shared_layers_point_only_down() {
    let rank = |layer: &str| SHARED_LAYERS.iter().position(|known| *known == layer);
    let upward: Vec<String> = graph("shared", "lib.rs")
        .sibling_uses()
        .into_iter()
        .filter(|edge| edge.parent.is_empty() && rank(&edge.to) >= rank(&edge.from))
        .map(|edge| format!("{} uses {}", edge.from, edge.to))
        .collect();
    assert!(upward.is_empty(), "layers used upwards: {upward:?}");
}

#[test]
fn the_domain_and_the_application_name_no_transport_crates() {
    let graph = graph("shared", "lib.rs");
    for layer in ["domain", "application"] {
        let named: Vec<String> = graph
            .crates_named_below(&[layer.to_owned()])
            .into_iter()
            .filter(|name| TRANSPORT_CRATES.contains(&name.as_str()))
            .collect();
        assert!(named.is_empty(), "{layer} names {named:?}");
    }
}
