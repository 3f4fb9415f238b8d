# One CloudWatch dashboard for sale day: orders per second, the confirm rate and the p99 of
# checkout to confirmation (the business metrics count-events writes as EMF, namespace
# Mambogo, dimension Stack), checkout executions, compensations, dead letters and queue
# backlogs, and per function its errors, throttles and cold starts.
#
# Cold starts are counted from each function's "ready" log line, which it writes once per
# cold start with `lambda`, its Lambda name (functions/src/logging.rs).

locals {
  business_namespace = "Mambogo"
  stack_dimension    = ["Stack", local.prefix]

  function_log_groups = merge(
    { for name, fn in module.saga_function : name => fn.log_group_name },
    { for name, fn in module.function : name => fn.log_group_name },
  )

  # One line per function of `metric` in `namespace`, labelled with its manifest name.
  per_function = {
    for metric in ["Errors", "Throttles", "cold_starts"] : metric => [
      for name, lambda in local.function_names : [
        metric == "cold_starts" ? local.business_namespace : "AWS/Lambda",
        metric, "FunctionName", lambda, { label = name },
      ]
    ]
  }

  dashboard_widgets = [
    {
      title = "Orders per second"
      stat  = "Sum"
      metrics = [
        concat([local.business_namespace, "orders_placed"], local.stack_dimension, [{ id = "placed", visible = false }]),
        concat([local.business_namespace, "orders_confirmed"], local.stack_dimension, [{ id = "confirmed", visible = false }]),
        concat([local.business_namespace, "orders_failed"], local.stack_dimension, ["cause", "out_of_stock", { id = "sold_out", visible = false }]),
        concat([local.business_namespace, "orders_failed"], local.stack_dimension, ["cause", "other", { id = "failed", visible = false }]),
        concat([local.business_namespace, "orders_cancelled"], local.stack_dimension, [{ id = "cancelled", visible = false }]),
        [{ expression = "placed / PERIOD(placed)", label = "placed", id = "placed_rate" }],
        [{ expression = "confirmed / PERIOD(confirmed)", label = "confirmed", id = "confirmed_rate" }],
        [{ expression = "sold_out / PERIOD(sold_out)", label = "refused: out of stock", id = "sold_out_rate" }],
        [{ expression = "failed / PERIOD(failed)", label = "failed: other", id = "failed_rate" }],
        [{ expression = "cancelled / PERIOD(cancelled)", label = "cancelled", id = "cancelled_rate" }],
      ]
    },
    {
      title = "Confirm rate of checkouts that found stock (%)"
      stat  = "Sum"
      metrics = [
        concat([local.business_namespace, "orders_confirmed"], local.stack_dimension, [{ id = "confirmed", visible = false }]),
        concat([local.business_namespace, "orders_failed"], local.stack_dimension, ["cause", "other", { id = "failed", visible = false }]),
        [{ expression = "100 * FILL(confirmed, 0) / (FILL(confirmed, 0) + FILL(failed, 0))", label = "confirmed (%)", id = "rate" }],
      ]
    },
    {
      title = "Checkout to confirmation (s)"
      stat  = "p99"
      metrics = [
        concat([local.business_namespace, "checkout_to_confirmed_seconds"], local.stack_dimension, [{ stat = "p50", label = "p50" }]),
        concat([local.business_namespace, "checkout_to_confirmed_seconds"], local.stack_dimension, [{ stat = "p99", label = "p99" }]),
      ]
    },
    {
      title = "Checkout executions"
      stat  = "Sum"
      metrics = [
        for metric in ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"] :
        ["AWS/States", metric, "StateMachineArn", aws_sfn_state_machine.checkout.arn, { label = metric }]
      ]
    },
    {
      title = "Compensations: failed checkouts by cause, declined payments"
      stat  = "Sum"
      metrics = [
        concat([local.business_namespace, "orders_failed"], local.stack_dimension, ["cause", "out_of_stock", { label = "out of stock" }]),
        concat([local.business_namespace, "orders_failed"], local.stack_dimension, ["cause", "other", { label = "other" }]),
        concat([local.business_namespace, "payments_declined"], local.stack_dimension, [{ label = "payment declined" }]),
      ]
    },
    {
      title = "Flash sales: buyers admitted, polls told sold out (per minute)"
      stat  = "Sum"
      metrics = [
        concat([local.business_namespace, "sale_admissions"], local.stack_dimension, [{ label = "admitted" }]),
        concat([local.business_namespace, "sale_sold_out_answers"], local.stack_dimension, [{ label = "told sold out" }]),
      ]
    },
    {
      title = "Stock reservations: lost races and retries (per minute)"
      stat  = "Sum"
      metrics = [
        concat([local.business_namespace, "reservation_conflicts"], local.stack_dimension, [{ label = "lost races" }]),
        concat([local.business_namespace, "reservation_retries"], local.stack_dimension, [{ label = "tried again" }]),
      ]
    },
    {
      title = "Payment webhooks: signed to applied (s)"
      stat  = "p99"
      metrics = [
        concat([local.business_namespace, "webhook_delay_seconds"], local.stack_dimension, [{ stat = "p50", label = "p50" }]),
        concat([local.business_namespace, "webhook_delay_seconds"], local.stack_dimension, [{ stat = "p99", label = "p99" }]),
      ]
    },
    {
      title = "Dead letters parked"
      stat  = "Maximum"
      metrics = [
        for name in keys(local.queue_functions) :
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.dead_letter[name].name, { label = name }]
      ]
    },
    {
      title = "Consumer backlog: oldest message (s)"
      stat  = "Maximum"
      metrics = [
        for name in keys(local.queue_functions) :
        ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", aws_sqs_queue.consumer[name].name, { label = name }]
      ]
    },
    { title = "Lambda errors", stat = "Sum", metrics = local.per_function["Errors"] },
    { title = "Lambda throttles", stat = "Sum", metrics = local.per_function["Throttles"] },
    { title = "Lambda cold starts", stat = "Sum", metrics = local.per_function["cold_starts"] },
  ]
}

resource "aws_cloudwatch_log_metric_filter" "cold_start" {
  for_each = local.function_log_groups

  name           = "${local.prefix}-${each.key}-cold-starts"
  log_group_name = each.value
  pattern        = "{ $.message = \"ready\" }"

  metric_transformation {
    name       = "cold_starts"
    namespace  = local.business_namespace
    value      = "1"
    unit       = "Count"
    dimensions = { FunctionName = "$.lambda" }
  }
}

resource "aws_cloudwatch_dashboard" "shop" {
  dashboard_name = local.prefix
  dashboard_body = jsonencode({
    widgets = [
      for index, widget in local.dashboard_widgets : {
        type   = "metric"
        x      = (index % 3) * 8
        y      = floor(index / 3) * 6
        width  = 8
        height = 6
        properties = {
          title   = widget.title
          region  = local.region
          view    = "timeSeries"
          stat    = widget.stat
          period  = 60
          metrics = widget.metrics
        }
      }
    ]
  })
}
