//! `infra/terraform`, read with hcl-rs, agrees with the files it is built from and with
//! the code: every OpenAPI operation has a route, a Lambda and a binary; every ASL
//! placeholder is supplied; every rule file has a queue; every function's IAM policy is
//! built from its `functions/manifest.json` grants only, which the local shop enforces on
//! the code in every other test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use hcl::{Block, Body, Expression};
use mambogo::adapters::access::{Manifest, Secret, Table, Trigger};
use mambogo::adapters::local_bus::Rule;
use mambogo::api::{routes, OPENAPI_YAML};
use mambogo::application::checkout::CHECKOUT_ASL;

use super::state_machine_parity::placeholders;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.tf` file of the stack and its module, parsed, by path relative to the stack.
fn terraform_files() -> BTreeMap<String, (String, Body)> {
    fn walk(folder: &Path, stack: &Path, files: &mut BTreeMap<String, (String, Body)>) {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() && !name.starts_with('.') {
                walk(&path, stack, files);
            } else if name.ends_with(".tf") {
                let text = std::fs::read_to_string(&path).unwrap();
                let body = hcl::parse(&text)
                    .unwrap_or_else(|error| panic!("{} does not parse: {error}", path.display()));
                let relative = path.strip_prefix(stack).unwrap().display().to_string();
                files.insert(relative, (text, body));
            }
        }
    }
    let stack = repo_root().join("infra").join("terraform");
    let mut files = BTreeMap::new();
    walk(&stack, &stack, &mut files);
    assert!(files.len() > 5, "infra/terraform holds the stack");
    files
}

/// The top-level blocks `kind "labels…"` of the files directly in the stack (not modules).
fn stack_blocks<'a>(files: &'a BTreeMap<String, (String, Body)>, kind: &str) -> Vec<&'a Block> {
    files
        .iter()
        .filter(|(path, _)| !path.contains('/'))
        .flat_map(|(_, (_, body))| body.blocks())
        .filter(|block| block.identifier() == kind)
        .collect()
}

fn labels(block: &Block) -> Vec<&str> {
    block.labels().iter().map(|label| label.as_str()).collect()
}

/// The block `kind "first" "second"` of the stack.
fn stack_block<'a>(
    files: &'a BTreeMap<String, (String, Body)>,
    kind: &str,
    wanted: &[&str],
) -> &'a Block {
    stack_blocks(files, kind)
        .into_iter()
        .find(|block| labels(block) == wanted)
        .unwrap_or_else(|| panic!("infra/terraform has no {kind} {wanted:?}"))
}

fn attribute<'a>(body: &'a Body, key: &str) -> &'a Expression {
    body.attributes()
        .find(|attribute| attribute.key() == key)
        .map(|attribute| attribute.expr())
        .unwrap_or_else(|| panic!("no attribute {key}"))
}

/// An expression as Terraform source, to check what it refers to.
fn source(expression: &Expression) -> String {
    hcl::format::to_string(expression).unwrap()
}

/// Every `locals` value of the stack, as source text.
fn stack_locals(files: &BTreeMap<String, (String, Body)>) -> BTreeMap<String, Expression> {
    stack_blocks(files, "locals")
        .into_iter()
        .flat_map(|block| block.body().attributes())
        .map(|attribute| (attribute.key().to_owned(), attribute.expr().clone()))
        .collect()
}

fn local_source(locals: &BTreeMap<String, Expression>, name: &str) -> String {
    source(
        locals
            .get(name)
            .unwrap_or_else(|| panic!("infra/terraform defines no local.{name}")),
    )
}

fn function_binaries() -> BTreeSet<String> {
    std::fs::read_dir(repo_root().join("functions/src/bin"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "rs"))
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_function_is_read_from_the_manifest_and_has_a_binary() {
    let files = terraform_files();
    let locals = stack_locals(&files);
    assert!(local_source(&locals, "manifest").contains("functions/manifest.json"));
    assert!(local_source(&locals, "functions").contains("local.manifest"));
    for (module, selection) in [("saga_function", "saga"), ("function", "other")] {
        let block = stack_block(&files, "module", &[module]);
        assert_eq!(
            source(attribute(block.body(), "for_each")),
            format!("local.{selection}_functions")
        );
    }
    let saga = local_source(&locals, "saga_functions");
    let other = local_source(&locals, "other_functions");
    assert!(
        saga.contains("local.functions") && saga.contains("== \"saga\""),
        "{saga}"
    );
    assert!(
        other.contains("local.functions") && other.contains("!= \"saga\""),
        "{other}"
    );

    let manifest: BTreeSet<String> = Manifest::embedded()
        .unwrap()
        .functions
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        manifest,
        function_binaries(),
        "functions/manifest.json and functions/src/bin must list the same functions"
    );
}

#[test]
fn every_operation_has_a_route_a_lambda_and_a_binary() {
    let files = terraform_files();
    let locals = stack_locals(&files);
    assert!(local_source(&locals, "openapi").contains("api/openapi.yaml"));
    assert!(local_source(&locals, "operations").contains("local.openapi.paths"));
    let route = stack_block(&files, "resource", &["aws_apigatewayv2_route", "operation"]);
    assert_eq!(
        source(attribute(route.body(), "for_each")),
        "local.operations"
    );
    let integration = stack_block(
        &files,
        "resource",
        &["aws_apigatewayv2_integration", "function"],
    );
    assert_eq!(
        source(attribute(integration.body(), "for_each")),
        "local.api_functions"
    );
    assert!(source(attribute(integration.body(), "integration_uri")).contains("module.function"));
    assert_eq!(
        source(attribute(integration.body(), "payload_format_version")),
        "\"2.0\""
    );
    assert!(local_source(&locals, "function_by_operation").contains("local.api_functions"));

    let manifest = Manifest::embedded().unwrap();
    let binaries = function_binaries();
    let operations = routes(OPENAPI_YAML).unwrap();
    for route in &operations {
        let function = manifest
            .by_operation(&route.operation_id)
            .unwrap_or_else(|| panic!("{} has no function in the manifest", route.operation_id));
        assert_eq!(function.trigger, Trigger::Api, "{}", function.name);
        assert!(
            binaries.contains(&function.name),
            "no binary {}",
            function.name
        );
    }
    let api_functions = manifest
        .functions
        .values()
        .filter(|function| function.trigger == Trigger::Api)
        .count();
    assert_eq!(
        api_functions,
        operations.len(),
        "one api function per operation"
    );
}

#[test]
fn every_state_machine_placeholder_is_supplied() {
    let files = terraform_files();
    let locals = stack_locals(&files);
    let machine = stack_block(&files, "resource", &["aws_sfn_state_machine", "checkout"]);
    let definition = source(attribute(machine.body(), "definition"));
    assert!(definition.contains("templatefile("), "{definition}");
    assert!(
        definition.contains("statemachines/checkout.asl.json"),
        "{definition}"
    );
    assert!(definition.contains("local.saga_task_arns"), "{definition}");
    let arns = local_source(&locals, "saga_task_arns");
    assert!(
        arns.contains("keys(local.saga_functions)")
            && arns.contains("replace(name, \"-\", \"_\")")
            && arns.contains("_function"),
        "{arns}"
    );
    let supplied: BTreeSet<String> = Manifest::embedded()
        .unwrap()
        .functions
        .values()
        .filter(|function| function.trigger == Trigger::Saga)
        .map(|function| format!("{}_function", function.name.replace('-', "_")))
        .collect();
    assert_eq!(placeholders(CHECKOUT_ASL), supplied);
}

#[test]
fn every_rule_file_targets_a_queue_consumer() {
    let files = terraform_files();
    let locals = stack_locals(&files);
    assert!(local_source(&locals, "event_rules").contains("events/rules"));
    let rule = stack_block(&files, "resource", &["aws_cloudwatch_event_rule", "rule"]);
    assert_eq!(
        source(attribute(rule.body(), "for_each")),
        "local.event_rules"
    );
    let queue = stack_block(&files, "resource", &["aws_sqs_queue", "consumer"]);
    assert_eq!(
        source(attribute(queue.body(), "for_each")),
        "local.queue_functions"
    );
    let mapping = stack_block(
        &files,
        "resource",
        &["aws_lambda_event_source_mapping", "queue"],
    );
    assert!(source(attribute(mapping.body(), "function_response_types"))
        .contains("ReportBatchItemFailures"));

    let manifest = Manifest::embedded().unwrap();
    let rules = Rule::embedded().unwrap();
    assert!(!rules.is_empty());
    for rule in rules {
        let target = manifest.function(&rule.target).unwrap_or_else(|| {
            panic!("rule {} targets {}, not a function", rule.name, rule.target)
        });
        assert_eq!(target.trigger, Trigger::Queue, "rule {}", rule.name);
    }
}

#[test]
fn schedules_come_from_the_manifest() {
    let files = terraform_files();
    let schedule = stack_block(&files, "resource", &["aws_scheduler_schedule", "job"]);
    assert_eq!(
        source(attribute(schedule.body(), "for_each")),
        "local.schedule_functions"
    );
    for function in Manifest::embedded().unwrap().functions.values() {
        assert_eq!(
            function.schedule.is_some(),
            function.trigger == Trigger::Schedule,
            "{}",
            function.name
        );
    }
}

/// A string list literal, such as an `actions` list.
fn strings(expression: &Expression) -> Vec<String> {
    match expression {
        Expression::String(text) => vec![text.clone()],
        Expression::Array(items) => items
            .iter()
            .map(|item| match item {
                Expression::String(text) => text.clone(),
                other => source(other),
            })
            .collect(),
        other => vec![source(other)],
    }
}

/// Every `actions = [...]` in a body, nested blocks included.
fn action_lists(body: &Body, found: &mut Vec<Vec<String>>) {
    for attribute in body.attributes() {
        if attribute.key() == "actions" {
            found.push(strings(attribute.expr()));
        }
    }
    for block in body.blocks() {
        action_lists(block.body(), found);
    }
}

#[test]
fn policies_name_actions_never_wildcards() {
    let files = terraform_files();
    let mut lists = Vec::new();
    for (_, body) in files.values() {
        action_lists(body, &mut lists);
    }
    assert!(lists.len() > 10, "the stack's policies list their actions");
    for action in lists.iter().flatten() {
        assert!(!action.contains('*'), "wildcard action {action}");
    }
    // A "*" resource is allowed only where AWS requires it, and the statement says why
    // in a comment right above it.
    for (path, (text, _)) in &files {
        let lines: Vec<&str> = text.lines().collect();
        for (number, line) in lines.iter().enumerate() {
            if line.trim_start().starts_with("resources") && line.contains("[\"*\"]") {
                let opening = (0..number)
                    .rev()
                    .find(|earlier| lines[*earlier].contains("statement"))
                    .unwrap_or_else(|| panic!("{path}:{}: outside a statement", number + 1));
                let explained = opening > 0 && lines[opening - 1].trim_start().starts_with('#');
                assert!(
                    explained,
                    "{path}:{}: a \"*\" resource needs its reason above its statement",
                    number + 1
                );
            }
        }
    }
}

#[test]
fn table_grants_become_read_or_write_statements_on_those_tables_only() {
    let files = terraform_files();
    let (_, module) = &files["modules/function/main.tf"];
    let module_locals: BTreeMap<String, Expression> = module
        .blocks()
        .filter(|block| block.identifier() == "locals")
        .flat_map(|block| block.body().attributes())
        .map(|attribute| (attribute.key().to_owned(), attribute.expr().clone()))
        .collect();
    let read = strings(&module_locals["dynamodb_read_actions"]);
    let write = strings(&module_locals["dynamodb_write_actions"]);
    let reads: BTreeSet<&str> = read.iter().map(String::as_str).collect();
    assert_eq!(
        reads,
        BTreeSet::from([
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",
            "dynamodb:Query",
            "dynamodb:Scan",
            "dynamodb:ConditionCheckItem"
        ])
    );
    let writes: BTreeSet<&str> = write.iter().map(String::as_str).collect();
    assert_eq!(
        writes,
        BTreeSet::from([
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem"
        ])
    );
    assert!(source(&module_locals["read_tables"]).contains("table.access == \"read\""));
    assert!(source(&module_locals["write_tables"]).contains("table.access == \"write\""));

    // The caller hands each function exactly its manifest entry's tables, events and
    // workflow actions (a saga step may resume its own task: authorize-payment).
    for module_name in ["saga_function", "function"] {
        let call = stack_block(&files, "module", &[module_name]);
        let tables = source(attribute(call.body(), "tables"));
        assert!(tables.contains("each.value.tables"), "{tables}");
        for grant in ["publishes", "workflow"] {
            assert_eq!(
                source(attribute(call.body(), grant)),
                format!("each.value.{grant}"),
                "module {module_name}: {grant}"
            );
        }
    }
}

#[test]
fn functions_are_told_their_tables_and_secrets_by_the_names_the_code_reads() {
    let files = terraform_files();
    let locals = stack_locals(&files);
    let Expression::Object(env_vars) = &locals["table_env_vars"] else {
        panic!("local.table_env_vars is an object literal");
    };
    let in_terraform: BTreeMap<String, String> = env_vars
        .iter()
        .map(|(key, value)| (key_name(key), strings(value).concat()))
        .collect();
    let in_code: BTreeMap<String, String> = Table::ALL
        .iter()
        .map(|table| (table.as_str().to_owned(), table.env_var().to_owned()))
        .collect();
    assert_eq!(in_terraform, in_code);

    let grants = local_source(&locals, "grant_environment");
    assert!(
        grants.contains("upper(replace(secret, \"-\", \"_\"))}_ARN"),
        "{grants}"
    );
    for secret in [
        Secret::WebhookSecrets,
        Secret::PaymentGatewayApiKey,
        Secret::PurchaseTokenKey,
    ] {
        let name = match secret {
            Secret::WebhookSecrets => "webhook-secrets",
            Secret::PaymentGatewayApiKey => "payment-gateway-api-key",
            Secret::PurchaseTokenKey => "purchase-token-key",
        };
        assert_eq!(
            format!("{}_ARN", name.replace('-', "_").to_uppercase()),
            secret.env_var()
        );
    }
}

/// An object key as written: `catalog` or `"mock-ledger"` both give the bare name.
fn key_name(key: &hcl::ObjectKey) -> String {
    match key {
        hcl::ObjectKey::Identifier(identifier) => identifier.to_string(),
        hcl::ObjectKey::Expression(Expression::String(text)) => text.clone(),
        hcl::ObjectKey::Expression(other) => source(other),
        other => panic!("unexpected object key {other:?}"),
    }
}

/// Every `name = { hash_key = …, … }` entry anywhere in `expression`: the table
/// definitions, wherever `merge` and `for` put them.
fn table_definitions(
    expression: &Expression,
    found: &mut BTreeMap<String, hcl::Object<hcl::ObjectKey, Expression>>,
) {
    match expression {
        Expression::Object(object) => {
            for (key, value) in object {
                match value {
                    Expression::Object(fields)
                        if fields.keys().any(|field| key_name(field) == "hash_key") =>
                    {
                        found.insert(key_name(key), fields.clone());
                    }
                    other => table_definitions(other, found),
                }
            }
        }
        Expression::FuncCall(call) => {
            for argument in &call.args {
                table_definitions(argument, found);
            }
        }
        Expression::ForExpr(for_expr) => {
            table_definitions(&for_expr.collection_expr, found);
            table_definitions(&for_expr.value_expr, found);
        }
        Expression::Parenthesis(inner) => table_definitions(inner, found),
        _ => {}
    }
}

fn field<'a>(fields: &'a hcl::Object<hcl::ObjectKey, Expression>, name: &str) -> &'a Expression {
    fields
        .iter()
        .find(|(key, _)| key_name(key) == name)
        .map(|(_, value)| value)
        .unwrap_or_else(|| panic!("a table definition without {name}"))
}

fn optional_string(expression: &Expression) -> Option<String> {
    match expression {
        Expression::Null => None,
        Expression::String(text) => Some(text.clone()),
        other => panic!("expected a string or null, got {}", source(other)),
    }
}

#[test]
fn tables_are_laid_out_as_the_adapters_expect() {
    use aws_sdk_dynamodb::types::ScalarAttributeType;
    use mambogo::adapters::dynamodb::layout::table_layout;

    let files = terraform_files();
    let locals = stack_locals(&files);
    let mut definitions = BTreeMap::new();
    table_definitions(&locals["table_definitions"], &mut definitions);
    let names: BTreeSet<&str> = definitions.keys().map(String::as_str).collect();
    let tables: BTreeSet<&str> = Table::ALL.iter().map(|table| table.as_str()).collect();
    assert_eq!(
        names, tables,
        "one Terraform table per table the code knows"
    );

    let type_name = |attribute_type: &ScalarAttributeType| attribute_type.as_str().to_owned();
    for table in Table::ALL {
        let fields = &definitions[table.as_str()];
        let layout = table_layout(table);
        let name = table.as_str();
        assert_eq!(source(field(fields, "hash_key")), "\"pk\"", "{name}");
        assert_eq!(
            optional_string(field(fields, "range_key")).as_deref(),
            layout.sort,
            "{name}: sort key"
        );
        assert_eq!(
            optional_string(field(fields, "ttl")).as_deref(),
            layout.ttl,
            "{name}: TTL attribute"
        );
        assert_eq!(
            source(field(fields, "stream")),
            layout.new_image_stream.to_string(),
            "{name}: stream"
        );
        let Expression::Object(attributes) = field(fields, "attributes") else {
            panic!("{name}: attributes is an object literal");
        };
        let attribute_types: BTreeMap<String, String> = attributes
            .iter()
            .map(|(key, value)| (key_name(key), optional_string(value).unwrap()))
            .collect();
        let Expression::Object(indexes) = field(fields, "indexes") else {
            panic!("{name}: indexes is an object literal");
        };
        let in_terraform: BTreeMap<String, (String, String)> = indexes
            .iter()
            .map(|(key, value)| {
                let Expression::Object(keys) = value else {
                    panic!("{name}: an index is an object literal");
                };
                (
                    key_name(key),
                    (
                        optional_string(field(keys, "hash_key")).unwrap(),
                        optional_string(field(keys, "range_key")).unwrap(),
                    ),
                )
            })
            .collect();
        let in_code: BTreeMap<String, (String, String)> = layout
            .indexes
            .iter()
            .map(|index| {
                (
                    index.name.to_owned(),
                    (index.partition.0.to_owned(), index.sort.0.to_owned()),
                )
            })
            .collect();
        assert_eq!(in_terraform, in_code, "{name}: indexes");
        for index in &layout.indexes {
            for (attribute, attribute_type) in [&index.partition, &index.sort] {
                assert_eq!(
                    attribute_types.get(*attribute),
                    Some(&type_name(attribute_type)),
                    "{name}: attribute {attribute} of index {}",
                    index.name
                );
            }
        }
    }
}
