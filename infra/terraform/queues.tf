# One SQS queue (with a dead-letter queue) per `queue` function, fed by the event rules
# that name the function as their target, and the event source mapping that drains it.

resource "aws_sqs_queue" "dead_letter" {
  for_each = local.queue_functions

  name                              = "${local.prefix}-${each.key}-dlq"
  message_retention_seconds         = 1209600 # 14 days, the maximum: time to investigate
  kms_master_key_id                 = aws_kms_key.main.arn
  kms_data_key_reuse_period_seconds = 300
}

resource "aws_sqs_queue" "consumer" {
  for_each = local.queue_functions

  name                              = "${local.prefix}-${each.key}"
  message_retention_seconds         = 345600 # 4 days
  kms_master_key_id                 = aws_kms_key.main.arn
  kms_data_key_reuse_period_seconds = 300

  # AWS's guidance for Lambda consumers: at least six times the function's timeout, so
  # a message is not handed to a second invocation while the first still works on it.
  visibility_timeout_seconds = 6 * each.value.timeout

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter[each.key].arn
    maxReceiveCount     = var.dlq_max_receive_count
  })
}

# Only its own queue may move messages into a dead-letter queue.
resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  for_each = local.queue_functions

  queue_url = aws_sqs_queue.dead_letter[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.consumer[each.key].arn]
  })
}

# EventBridge may send to a queue (and, for undeliverable events, to its DLQ) only on
# behalf of the rules that target it.
data "aws_iam_policy_document" "queue" {
  for_each = { for fn, rules in local.rules_by_queue : fn => rules if length(rules) > 0 }

  statement {
    sid     = "RulesSendEvents"
    actions = ["sqs:SendMessage"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    resources = [aws_sqs_queue.consumer[each.key].arn]
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [for rule in each.value : aws_cloudwatch_event_rule.rule[rule].arn]
    }
  }
}

data "aws_iam_policy_document" "dead_letter" {
  for_each = { for fn, rules in local.rules_by_queue : fn => rules if length(rules) > 0 }

  statement {
    sid     = "RulesParkUndeliverableEvents"
    actions = ["sqs:SendMessage"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    resources = [aws_sqs_queue.dead_letter[each.key].arn]
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [for rule in each.value : aws_cloudwatch_event_rule.rule[rule].arn]
    }
  }
}

resource "aws_sqs_queue_policy" "consumer" {
  for_each = data.aws_iam_policy_document.queue

  queue_url = aws_sqs_queue.consumer[each.key].id
  policy    = each.value.json
}

resource "aws_sqs_queue_policy" "dead_letter" {
  for_each = data.aws_iam_policy_document.dead_letter

  queue_url = aws_sqs_queue.dead_letter[each.key].id
  policy    = each.value.json
}

resource "aws_lambda_event_source_mapping" "queue" {
  for_each = local.queue_functions

  event_source_arn = aws_sqs_queue.consumer[each.key].arn
  function_name    = module.function[each.key].arn
  batch_size       = 10

  # The handler reports which messages failed; only those are retried (and, after
  # dlq_max_receive_count receives, parked in the DLQ).
  function_response_types = ["ReportBatchItemFailures"]

  # The manifest's maxConcurrency: the poller hands the function at most that many
  # batches at once (index-catalog: 2, so that few of its conditional snapshot
  # publishes lose and redo their batch). Unlike reserved concurrency, which the poller
  # does not know of, this throttles nothing: the poller reads no more batches than that,
  # and the rest wait in the queue. Without it, up to the poller's own scaling.
  dynamic "scaling_config" {
    for_each = each.value.max_concurrency != null ? [each.value.max_concurrency] : []
    content {
      maximum_concurrency = scaling_config.value
    }
  }
}
