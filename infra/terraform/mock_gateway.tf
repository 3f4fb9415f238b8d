# The mock payment gateway (deploy_mock_gateway): each `mock-api` function gets an HTTP
# API of its own with a single catch-all route, which the functions holding the
# gateway's API key use as PAYMENT_GATEWAY_URL. Callers authenticate with the
# payment-gateway-api-key secret, which the function checks itself. Its ledger table and
# stream consumer are in tables.tf and queues.tf.

resource "aws_apigatewayv2_api" "mock" {
  for_each = local.mock_api_functions

  name          = "${local.prefix}-${each.key}"
  description   = "Mambogo ${var.environment}: mock payment gateway (${each.key})"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "mock" {
  for_each = local.mock_api_functions

  api_id                 = aws_apigatewayv2_api.mock[each.key].id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = module.function[each.key].invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "mock" {
  #checkov:skip=CKV_AWS_309:The mock gateway authenticates callers with its API key header (the payment-gateway-api-key secret), like the real gateway it stands in for; the shop's JWT authorizer does not apply to it.
  for_each = local.mock_api_functions

  api_id    = aws_apigatewayv2_api.mock[each.key].id
  route_key = "$default"
  target    = "integrations/${aws_apigatewayv2_integration.mock[each.key].id}"
}

resource "aws_lambda_permission" "mock" {
  for_each = local.mock_api_functions

  statement_id  = "AllowMockGatewayApi"
  action        = "lambda:InvokeFunction"
  function_name = module.function[each.key].function_name
  principal     = "apigateway.amazonaws.com"
  # The catch-all route of its own API: any stage, method and path of that API only.
  source_arn = "${aws_apigatewayv2_api.mock[each.key].execution_arn}/*"
}

resource "aws_cloudwatch_log_group" "mock_access" {
  for_each = local.mock_api_functions

  name              = "/aws/apigateway/${local.prefix}-${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_apigatewayv2_stage" "mock" {
  for_each = local.mock_api_functions

  api_id      = aws_apigatewayv2_api.mock[each.key].id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.throttling_burst_limit
    throttling_rate_limit  = var.throttling_rate_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.mock_access[each.key].arn
    format          = local.api_access_log_format
  }
}

# The mock's webhook sender reads the ledger's stream: every new WEBHOOK# item becomes a
# signed POST to the shop's /webhooks/payments.
resource "aws_lambda_event_source_mapping" "mock_stream" {
  for_each = local.mock_stream_functions

  event_source_arn  = aws_dynamodb_table.this[local.stream_table].stream_arn
  function_name     = module.function[each.key].arn
  starting_position = "LATEST"
  batch_size        = 10

  function_response_types        = ["ReportBatchItemFailures"]
  bisect_batch_on_function_error = true
  maximum_retry_attempts         = 10
  maximum_record_age_in_seconds  = 3600
}
