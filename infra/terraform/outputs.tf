output "api_url" {
  description = "The shop API's base URL (no trailing slash): scripts/demo-checkout's shop URL."
  value       = aws_apigatewayv2_api.shop.api_endpoint
}

output "storefront_url" {
  description = "The storefront, with the API at the same address: open it in a browser."
  value       = local.storefront_url
}

output "dashboard_url" {
  description = "The stack's CloudWatch dashboard."
  value       = "https://console.aws.amazon.com/cloudwatch/home?region=${local.region}#dashboards/dashboard/${aws_cloudwatch_dashboard.shop.dashboard_name}"
}

output "event_bus_name" {
  value = aws_cloudwatch_event_bus.main.name
}

output "table_names" {
  description = "DynamoDB table names by manifest key."
  value       = { for key, table in aws_dynamodb_table.this : key => table.name }
}

output "state_machine_arn" {
  value = aws_sfn_state_machine.checkout.arn
}

output "function_names" {
  description = "Lambda function names by manifest key."
  value       = local.function_names
}

output "jwt_issuer" {
  value = local.jwt_issuer
}

output "cognito_user_pool_id" {
  description = "The user pool (null when jwt_issuer is set)."
  value       = one(aws_cognito_user_pool.users[*].id)
}

output "cognito_client_id" {
  description = "The app client to sign in with (null when jwt_issuer is set)."
  value       = one(aws_cognito_user_pool_client.app[*].id)
}

output "webhook_secrets_arn" {
  description = "Secret holding the payment webhooks' signing secrets; put its value after the first apply."
  value       = try(aws_secretsmanager_secret.this["webhook-secrets"].arn, null)
}

output "payment_gateway_api_key_arn" {
  description = "Secret holding the payment gateway's API key; put its value after the first apply."
  value       = try(aws_secretsmanager_secret.this["payment-gateway-api-key"].arn, null)
}

output "purchase_token_key_arn" {
  description = "Secret holding the key flash-sale purchase tokens are signed with; put its value after the first apply."
  value       = try(aws_secretsmanager_secret.this["purchase-token-key"].arn, null)
}

output "mock_gateway_url" {
  description = "The mock payment gateway's URL (null when it is not deployed)."
  value       = var.deploy_mock_gateway ? local.payment_gateway_url : null
}

output "alarm_topic_arn" {
  value = aws_sns_topic.alarms.arn
}

output "search_index_bucket" {
  description = "The S3 bucket of the search index's snapshots (key catalog-index/snapshot)."
  value       = module.search_index_bucket.bucket
}

output "index_catalog_function" {
  description = "The search indexer, the queue function that writes the index's snapshots (searchIndex \"write\"): scripts/rebuild-search-index invokes it. Null if no function writes the index."
  value       = try(local.function_names[one(local.search_index_writers)], null)

  precondition {
    condition     = length(local.search_index_writers) <= 1
    error_message = "functions/manifest.json: index_catalog_function names the one queue function with `searchIndex: \"write\"` (the indexer scripts/rebuild-search-index invokes), but there are ${length(local.search_index_writers)}: ${join(", ", local.search_index_writers)}."
  }
}

output "mail_identity" {
  description = "The SES identity the shop's mail is sent from (publish its DKIM records to verify it), and its configuration set; null when var.mail_from is empty."
  value = local.sends_mail ? {
    identity              = aws_sesv2_email_identity.mail[0].email_identity
    arn                   = aws_sesv2_email_identity.mail[0].arn
    configuration_set     = aws_sesv2_configuration_set.mail[0].configuration_set_name
    configuration_set_arn = aws_sesv2_configuration_set.mail[0].arn
    dkim_tokens           = aws_sesv2_email_identity.mail[0].dkim_signing_attributes[0].tokens
  } : null
}
