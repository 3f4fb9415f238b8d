# The environment's event bus and one rule per events/rules/*.json file. Each rule file
# names `target`, a function with trigger "queue"; the rule delivers to that function's
# queue (queues.tf).

resource "aws_cloudwatch_event_bus" "main" {
  name = local.prefix
}

resource "aws_cloudwatch_event_rule" "rule" {
  for_each = local.event_rules

  name           = "${local.prefix}-${each.key}"
  description    = each.value.description
  event_bus_name = aws_cloudwatch_event_bus.main.name
  event_pattern  = jsonencode(each.value.eventPattern)

  lifecycle {
    precondition {
      condition     = contains(keys(local.queue_functions), each.value.target)
      error_message = "events/rules/${each.value.file}: target \"${each.value.target}\" is not a function with trigger \"queue\" in functions/manifest.json (queue functions: ${join(", ", keys(local.queue_functions))})."
    }
  }
}

# Rules whose target is a queue function (any other fails the precondition above).
locals {
  routable_rules = { for name, rule in local.event_rules : name => rule if contains(keys(local.queue_functions), rule.target) }

  # The rules delivering to each queue function: only they may send to its queues.
  rules_by_queue = {
    for fn in keys(local.queue_functions) : fn => [for name, rule in local.routable_rules : name if rule.target == fn]
  }
}

resource "aws_cloudwatch_event_target" "rule" {
  for_each = local.routable_rules

  rule           = aws_cloudwatch_event_rule.rule[each.key].name
  event_bus_name = aws_cloudwatch_event_bus.main.name
  target_id      = each.value.target
  arn            = aws_sqs_queue.consumer[each.value.target].arn

  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }

  # An event EventBridge cannot deliver (after its retries) is kept in the consumer's
  # dead-letter queue rather than dropped; the DLQ alarm then fires.
  dead_letter_config {
    arn = aws_sqs_queue.dead_letter[each.value.target].arn
  }
}
