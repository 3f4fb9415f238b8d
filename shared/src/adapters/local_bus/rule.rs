//! Rules: which events go to which consumer, read from the files in `events/rules/`
//! that Terraform turns into EventBridge rules.

use serde::Deserialize;

use super::EventPattern;

/// Embeds each named file of `events/rules/` in [`RULE_FILES`].
macro_rules! rule_files {
    ($($file:literal),+ $(,)?) => {
        /// Every file of `events/rules/`, as `(file name, contents)`, compiled in.
        pub const RULE_FILES: &[(&str, &str)] = &[$((
            $file,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../events/rules/", $file)),
        )),+];
    };
}

rule_files![
    "clear-cart-on-order-confirmed.json",
    "notify-on-order-updates-and-low-stock.json",
    "check-stock-on-reservation-or-sale.json",
    "release-coupon-of-ended-order.json",
    "reindex-on-catalog-or-stock-change.json",
    "count-business-events.json",
    "journal-order-events.json",
];

/// One rule file: events matching `pattern` go to the consumer named `target`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The rule's name, which is also its file's name without `.json`.
    pub name: String,
    /// What the rule is for, for people (the EventBridge rule's description).
    pub description: String,
    /// The consumer that handles matching events: on AWS, the queue (and the Lambda
    /// behind it) of that name; locally, the key of the consumer given to the bus.
    pub target: String,
    /// Which events the rule selects.
    #[serde(rename = "eventPattern")]
    pub pattern: EventPattern,
}

/// Why a rule file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RuleFileError {
    /// The file is not a rule, or its pattern is outside the supported subset.
    #[error("rule file {file}: {source}")]
    Unreadable {
        /// The file's name.
        file: String,
        /// What is wrong with it.
        source: serde_json::Error,
    },
    /// The rule's `name` differs from its file's name.
    #[error("rule file {file} names its rule {name:?}; name the file after the rule")]
    NameMismatch {
        /// The file's name.
        file: String,
        /// The name inside it.
        name: String,
    },
}

impl Rule {
    /// Parses the contents of a rule file called `file`.
    pub fn parse(file: &str, contents: &str) -> Result<Rule, RuleFileError> {
        let rule: Rule =
            serde_json::from_str(contents).map_err(|source| RuleFileError::Unreadable {
                file: file.to_owned(),
                source,
            })?;
        if file.strip_suffix(".json") != Some(rule.name.as_str()) {
            return Err(RuleFileError::NameMismatch {
                file: file.to_owned(),
                name: rule.name,
            });
        }
        Ok(rule)
    }

    /// Every rule of `events/rules/`, as compiled in.
    pub fn embedded() -> Result<Vec<Rule>, RuleFileError> {
        RULE_FILES
            .iter()
            .map(|(file, contents)| Rule::parse(file, contents))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use serde_json::json;

    use super::*;

    #[test]
    fn the_embedded_list_is_exactly_the_rule_folder() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/rules");
        let on_disk: BTreeSet<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        let embedded: BTreeSet<String> = RULE_FILES
            .iter()
            .map(|(file, _)| (*file).to_owned())
            .collect();
        assert_eq!(embedded, on_disk, "update rule_files! in {}", file!());
    }

    #[test]
    fn every_rule_file_parses_and_names_are_usable_on_aws() {
        for rule in Rule::embedded().unwrap() {
            // Terraform prefixes the environment; EventBridge allows 64 characters.
            assert!(rule.name.len() <= 48, "{} is too long", rule.name);
            for name in [&rule.name, &rule.target] {
                assert!(
                    name.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                    "{name} should be lowercase letters, digits and dashes"
                );
            }
        }
    }

    #[test]
    fn confirmed_orders_clear_the_cart() {
        let rules = Rule::embedded().unwrap();
        let rule = rules
            .iter()
            .find(|rule| rule.name == "clear-cart-on-order-confirmed")
            .unwrap();
        assert_eq!(rule.target, "clear-cart");
        let envelope = |detail_type: &str| json!({"source": "mambogo.orders", "detail-type": detail_type, "detail": {}});
        assert!(rule.pattern.matches(&envelope("OrderConfirmed")));
        assert!(!rule.pattern.matches(&envelope("OrderPlaced")));
    }

    fn rule_named<'a>(rules: &'a [Rule], name: &str) -> &'a Rule {
        rules
            .iter()
            .find(|rule| rule.name == name)
            .unwrap_or_else(|| panic!("no rule {name}"))
    }

    fn envelope(source: &str, detail_type: &str) -> serde_json::Value {
        json!({"source": source, "detail-type": detail_type, "detail": {}})
    }

    #[test]
    fn order_news_and_low_stock_are_notified() {
        let rules = Rule::embedded().unwrap();
        let rule = rule_named(&rules, "notify-on-order-updates-and-low-stock");
        assert_eq!(rule.target, "notify-shopper");
        for detail_type in [
            "OrderConfirmed",
            "OrderShipped",
            "OrderDelivered",
            "OrderCancelled",
            "OrderRefunded",
            "ReturnRequested",
        ] {
            assert!(rule
                .pattern
                .matches(&envelope("mambogo.orders", detail_type)));
        }
        assert!(rule
            .pattern
            .matches(&envelope("mambogo.inventory", "StockLow")));
        assert!(!rule
            .pattern
            .matches(&envelope("mambogo.orders", "OrderPlaced")));
        assert!(!rule
            .pattern
            .matches(&envelope("mambogo.orders", "OrderProcessing")));
    }

    #[test]
    fn reservations_and_sales_are_checked_for_low_stock() {
        let rules = Rule::embedded().unwrap();
        let rule = rule_named(&rules, "check-stock-on-reservation-or-sale");
        assert_eq!(rule.target, "stock-alerts");
        assert!(rule
            .pattern
            .matches(&envelope("mambogo.inventory", "InventoryReserved")));
        assert!(rule
            .pattern
            .matches(&envelope("mambogo.orders", "OrderConfirmed")));
        assert!(!rule
            .pattern
            .matches(&envelope("mambogo.inventory", "StockLow")));
        assert!(!rule
            .pattern
            .matches(&envelope("mambogo.inventory", "InventoryReleased")));
    }

    #[test]
    fn rule_files_must_be_named_after_their_rule_and_keep_to_the_format() {
        let rule = r#"{"name": "a", "description": "d", "target": "t",
                       "eventPattern": {"source": ["mambogo.orders"]}}"#;
        assert!(Rule::parse("a.json", rule).is_ok());
        assert!(matches!(
            Rule::parse("b.json", rule),
            Err(RuleFileError::NameMismatch { .. })
        ));
        let extra = r#"{"name": "a", "description": "d", "target": "t", "state": "ENABLED",
                        "eventPattern": {"source": ["mambogo.orders"]}}"#;
        assert!(Rule::parse("a.json", extra).is_err());
        let unsupported = r#"{"name": "a", "description": "d", "target": "t",
                              "eventPattern": {"source": [{"suffix": ".orders"}]}}"#;
        assert!(Rule::parse("a.json", unsupported).is_err());
    }
}
