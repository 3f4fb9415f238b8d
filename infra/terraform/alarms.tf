# Alarms, all notifying one SNS topic: anything parked in a dead-letter queue, failed or
# timed-out checkouts (a compensation that kept failing ends in CompensationFailed), any
# function error or throttle, and the API's 5xx rate.

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
