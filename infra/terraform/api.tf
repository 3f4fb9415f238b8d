# The shop's HTTP API: one route per operation in api/openapi.yaml, each integrated with
# the Lambda whose manifest entry carries that operationId.

resource "aws_apigatewayv2_api" "shop" {
  name          = "${local.prefix}-api"
  description   = "Mambogo shop API (${var.environment}), routes from api/openapi.yaml"
  protocol_type = "HTTP"

  dynamic "cors_configuration" {
    for_each = length(var.cors_allowed_origins) > 0 ? [1] : []
    content {
      allow_origins  = var.cors_allowed_origins
      allow_methods  = local.cors_allowed_methods
      allow_headers  = local.cors_allowed_headers
      expose_headers = ["x-cart-id"]
      max_age        = 3600
    }
  }
}

# Checks tokens on routes where signing in is required. Cognito ID tokens carry the app
# client's id in `aud`.
resource "aws_apigatewayv2_authorizer" "jwt" {
  api_id           = aws_apigatewayv2_api.shop.id
  name             = "jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    issuer   = local.jwt_issuer
    audience = [local.jwt_audience]
  }
}

resource "aws_apigatewayv2_integration" "function" {
  for_each = local.api_functions

  api_id                 = aws_apigatewayv2_api.shop.id
  description            = each.key
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = module.function[each.key].invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "operation" {
  #checkov:skip=CKV_AWS_309:Public routes (catalog, the payment webhook, which checks its own HMAC signature) and optional sign-in routes (the function verifies a sent token) take no authorizer by design; every route whose OpenAPI security is [{bearerAuth: []}] gets the JWT authorizer.
  for_each = local.operations

  api_id         = aws_apigatewayv2_api.shop.id
  route_key      = each.key
  operation_name = each.value.operation_id
  # try(): an operation without a function fails the precondition below, with a clearer
  # message than the missing map key would give.
  target = "integrations/${try(aws_apigatewayv2_integration.function[local.function_by_operation[each.value.operation_id]].id, "none")}"

  authorization_type = local.route_auth[each.key] == "required" ? "JWT" : "NONE"
  authorizer_id      = local.route_auth[each.key] == "required" ? aws_apigatewayv2_authorizer.jwt.id : null

  lifecycle {
    precondition {
      condition     = contains(keys(local.function_by_operation), each.value.operation_id)
      error_message = "api/openapi.yaml: ${each.key} (operationId ${each.value.operation_id}) has no function with that operationId and trigger \"api\" in functions/manifest.json."
    }
  }
}

# API Gateway may invoke each function only through its own route: any stage, the
# route's method and path. Path parameters ({productId}) become "*", which matches both
# a concrete path and the route's template, whichever API Gateway puts in the source ARN.
resource "aws_lambda_permission" "route" {
  for_each = { for key, op in local.operations : key => op if contains(keys(local.function_by_operation), op.operation_id) }

  statement_id  = "AllowApiGateway-${each.value.operation_id}"
  action        = "lambda:InvokeFunction"
  function_name = module.function[local.function_by_operation[each.value.operation_id]].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.shop.execution_arn}/*/${each.value.method}${replace(each.value.path, "/\\{[^}]+\\}/", "*")}"
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${local.prefix}-api"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

locals {
  # One JSON object per request in the access logs.
  api_access_log_format = jsonencode({
    requestId          = "$context.requestId"
    requestTime        = "$context.requestTime"
    ip                 = "$context.identity.sourceIp"
    userAgent          = "$context.identity.userAgent"
    method             = "$context.httpMethod"
    path               = "$context.path"
    routeKey           = "$context.routeKey"
    status             = "$context.status"
    protocol           = "$context.protocol"
    responseLength     = "$context.responseLength"
    responseLatency    = "$context.responseLatency"
    integrationStatus  = "$context.integrationStatus"
    integrationLatency = "$context.integrationLatency"
    integrationError   = "$context.integrationErrorMessage"
    authorizerError    = "$context.authorizer.error"
    errorMessage       = "$context.error.message"
  })
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.shop.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.throttling_burst_limit
    throttling_rate_limit  = var.throttling_rate_limit
  }

  # The flash sale's routes take what a sale brings, and no more: past these, API Gateway
  # answers 429 before any function runs. Per buyer and per address, the functions count
  # requests themselves (shared/src/application/rate_limits.rs).
  dynamic "route_settings" {
    for_each = { for key, op in local.operations : key => op if op.sale_path }
    content {
      route_key              = route_settings.key
      throttling_burst_limit = var.sale_route_throttling.burst_limit
      throttling_rate_limit  = var.sale_route_throttling.rate_limit
    }
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format          = local.api_access_log_format
  }

  # Route settings name routes by key: the routes must exist first.
  depends_on = [aws_apigatewayv2_route.operation]
}
