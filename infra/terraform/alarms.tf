# Alarms, all notifying one SNS topic: anything parked in a dead-letter queue, failed or
# timed-out checkouts (a compensation that kept failing ends in CompensationFailed), any
# function error or throttle, the API's 5xx rate, and on the business metrics
# (dashboard.tf) a confirm rate drop and a slow p99 checkout.

resource "aws_sns_topic" "alarms" {
  name              = "${local.prefix}-alarms"
  kms_master_key_id = aws_kms_key.main.arn
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == "" ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  alarm_actions = [aws_sns_topic.alarms.arn]

  # Errors and throttles of every function: "<function>-errors", "<function>-throttles".
  function_alarms = merge([
    for name in keys(local.functions) : {
      "${name}-errors"    = { function = name, metric = "Errors" }
      "${name}-throttles" = { function = name, metric = "Throttles" }
    }
  ]...)
}

resource "aws_cloudwatch_metric_alarm" "dead_letter" {
  for_each = local.queue_functions

  alarm_name        = "${local.prefix}-${each.key}-dlq-not-empty"
  alarm_description = "Messages for ${each.key} were parked in its dead-letter queue: inspect them, fix the cause, redrive."
  namespace         = "AWS/SQS"
  metric_name       = "ApproximateNumberOfMessagesVisible"
  dimensions        = { QueueName = aws_sqs_queue.dead_letter[each.key].name }

  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "checkout" {
  for_each = {
    failed    = "ExecutionsFailed"
    timed-out = "ExecutionsTimedOut"
  }

  alarm_name        = "${local.prefix}-checkout-${each.key}"
  alarm_description = "A checkout execution ${each.key == "failed" ? "failed (a compensation kept failing: the order needs an operator, see GET /admin/executions/{orderId})" : "timed out"}."
  namespace         = "AWS/States"
  metric_name       = each.value
  dimensions        = { StateMachineArn = aws_sfn_state_machine.checkout.arn }

  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "function" {
  for_each = local.function_alarms

  alarm_name        = "${local.prefix}-${each.key}"
  alarm_description = "${each.value.function}: ${each.value.metric} > 0."
  namespace         = "AWS/Lambda"
  metric_name       = each.value.metric
  dimensions        = { FunctionName = local.function_names[each.value.function] }

  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "api_5xx_rate" {
  alarm_name          = "${local.prefix}-api-5xx-rate"
  alarm_description   = "More than ${var.api_5xx_rate_threshold}% of API requests answered 5xx over 5 minutes."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.api_5xx_rate_threshold
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    expression  = "IF(requests > 0, 100 * errors / requests, 0)"
    label       = "5xx rate (%)"
    return_data = true
  }

  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "5xx"
      dimensions  = { ApiId = aws_apigatewayv2_api.shop.id }
      stat        = "Sum"
      period      = 300
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "Count"
      dimensions  = { ApiId = aws_apigatewayv2_api.shop.id }
      stat        = "Sum"
      period      = 300
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "confirm_rate" {
  alarm_name          = "${local.prefix}-confirm-rate"
  alarm_description   = "Fewer than ${var.confirm_rate_threshold}% of the checkouts that found stock were confirmed over 5 minutes: payments are declined or failing (see the ${local.prefix} dashboard)."
  comparison_operator = "LessThanThreshold"
  threshold           = var.confirm_rate_threshold
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    expression  = "IF(FILL(confirmed, 0) + FILL(failed, 0) > 0, 100 * FILL(confirmed, 0) / (FILL(confirmed, 0) + FILL(failed, 0)), 100)"
    label       = "Confirmed (%)"
    return_data = true
  }

  metric_query {
    id = "confirmed"
    metric {
      namespace   = local.business_namespace
      metric_name = "orders_confirmed"
      dimensions  = { Stack = local.prefix }
      stat        = "Sum"
      period      = 300
    }
  }

  # Out-of-stock refusals are left out: a sale selling out is no fault.
  metric_query {
    id = "failed"
    metric {
      namespace   = local.business_namespace
      metric_name = "orders_failed"
      dimensions  = { Stack = local.prefix, cause = "other" }
      stat        = "Sum"
      period      = 300
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "checkout_p99" {
  alarm_name          = "${local.prefix}-checkout-p99"
  alarm_description   = "The 99th percentile of checkout to confirmation exceeded ${var.checkout_p99_threshold_seconds} s over 5 minutes: a step, the gateway or its webhooks are slow."
  namespace           = local.business_namespace
  metric_name         = "checkout_to_confirmed_seconds"
  dimensions          = { Stack = local.prefix }
  extended_statistic  = "p99"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.checkout_p99_threshold_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}
