# One Lambda per functions/manifest.json entry. Environment and IAM come from the entry's
# grants only; see modules/function for how grants become policy statements.

locals {
  # The variable naming each table, per manifest table key.
  table_env_vars = {
    catalog         = "CATALOG_TABLE"
    carts           = "CART_TABLE"
    inventory       = "INVENTORY_TABLE"
    orders          = "ORDER_TABLE"
    payments        = "PAYMENT_TABLE"
    idempotency     = "IDEMPOTENCY_TABLE"
    "mock-ledger"   = "MOCK_LEDGER_TABLE"
    operations      = "OPERATIONS_TABLE"
    "flash-sales"   = "FLASH_SALE_TABLE"
    "address-books" = "ADDRESS_BOOK_TABLE"
    coupons         = "COUPON_TABLE"
    reviews         = "REVIEW_TABLE"
    journal         = "JOURNAL_TABLE"
  }

  # What every function is told about the things it was granted: the granted tables'
  # names (and no others), the bus if it publishes, the ARN of each secret it reads
  # (webhook-secrets → WEBHOOK_SECRETS_ARN, payment-gateway-api-key →
  # PAYMENT_GATEWAY_API_KEY_ARN), the gateway's URL with its API key (except the mock
  # gateway itself, which holds the key to check callers against it), the consumers'
  # queues if it handles dead letters, the search index's bucket if it reads or writes
  # the index, and the mail settings (mail.tf) if it sends mail. Secret values never pass through Terraform.
  # Optional entries are written `{ for k, v in {…} : k => v if condition }`: the shorter
  # `condition ? {…} : {}` does not type-check, the two objects having different types.
  grant_environment = {
    for name, fn in local.functions : name => merge(
      # STACK_NAME: the `Stack` dimension of the business metrics the functions write.
      { RUST_LOG = var.rust_log, STACK_NAME = local.prefix },
      { for table in keys(fn.tables) : local.table_env_vars[table] => aws_dynamodb_table.this[table].name },
      { for key, value in { EVENT_BUS_NAME = aws_cloudwatch_event_bus.main.name } : key => value if fn.publishes },
      { for secret in fn.secrets : "${upper(replace(secret, "-", "_"))}_ARN" => aws_secretsmanager_secret.this[secret].arn },
      { for key, value in { PAYMENT_GATEWAY_URL = local.payment_gateway_url } : key => value if contains(fn.secrets, "payment-gateway-api-key") && !contains(local.mock_triggers, fn.trigger) },
      { for key, value in { DEAD_LETTER_QUEUES = local.dead_letter_queues } : key => value if fn.dead_letters != null },
      { for key, value in { SEARCH_INDEX_BUCKET = module.search_index_bucket.bucket } : key => value if fn.search_index != null },
      { for key, value in local.mail_environment : key => value if fn.sends_mail },
    )
  }

  # Every consumer's queue and dead-letter queue, as the dead-letter admin functions read
  # them: {"<consumer>": {"queueUrl": "…", "dlqUrl": "…"}, …}. The queues must never
  # refer to a function module (only their event source mappings do), or this would be
  # a dependency cycle.
  dead_letter_queues = jsonencode({
    for fn in keys(local.queue_functions) : fn => {
      queueUrl = aws_sqs_queue.consumer[fn].url
      dlqUrl   = aws_sqs_queue.dead_letter[fn].url
    }
  })

  shop_settings = {
    RESERVATION_TTL_SECONDS = tostring(var.reservation_ttl_seconds)
    SHOP_CURRENCY           = var.shop_currency
  }

  # Settings of the api functions only: how long after delivery a return may be asked
  # for, how long a checkout quote's price holds.
  api_settings = {
    RETURN_WINDOW_DAYS = tostring(var.return_window_days)
    QUOTE_TTL_SECONDS  = tostring(var.quote_ttl_seconds)
  }

  # Functions holding the gateway's API key talk to the mock gateway's HTTP API when it
  # is deployed.
  payment_gateway_url = var.deploy_mock_gateway ? one([for api in aws_apigatewayv2_api.mock : api.api_endpoint]) : var.payment_gateway_url

  saga_environment = {
    for name, fn in local.saga_functions : name => merge(
      local.grant_environment[name],
      local.shop_settings,
      # Every step gets the bus name even without `publishes`: steps such as
      # confirm-order return the PutEvents entries (bus name included) that the state
      # machine's events:putEvents task sends; the step itself is granted nothing.
      { EVENT_BUS_NAME = aws_cloudwatch_event_bus.main.name },
    )
  }

  other_environment = {
    for name, fn in local.other_functions : name => merge(
      local.grant_environment[name],
      { for key, value in { STATE_MACHINE_ARN = aws_sfn_state_machine.checkout.arn } : key => value if contains(fn.workflow, "start") || contains(fn.workflow, "describe") },
      { for key, value in merge(local.shop_settings, local.api_settings) : key => value if fn.trigger == "api" },
      # Routes where signing in is optional have no authorizer: the function checks a
      # sent token itself against the issuer's keys.
      { for key, value in local.jwt_environment : key => value if contains(local.operation_ids_with_optional_auth, coalesce(fn.operation_id, "-")) },
      { for key, value in { WEBHOOK_URL = "${aws_apigatewayv2_api.shop.api_endpoint}/webhooks/payments" } : key => value if fn.trigger == "mock-stream" },
      # A queue consumer counts the messages it fails on their last receive, which SQS
      # then parks (the `dead_letters_parked` metric).
      { for key, value in { DLQ_MAX_RECEIVE_COUNT = tostring(var.dlq_max_receive_count) } : key => value if fn.trigger == "queue" },
    )
  }
}

module "saga_function" {
  source   = "./modules/function"
  for_each = local.saga_functions

  function_name        = "${local.prefix}-${each.key}"
  description          = "Mambogo checkout saga step: ${each.key}"
  zip_path             = "${local.artifacts_dir}/${each.key}.zip"
  memory               = each.value.memory
  timeout              = each.value.timeout
  reserved_concurrency = lookup(var.reserved_concurrency, each.key, null)
  environment          = local.saga_environment[each.key]
  kms_key_arn          = aws_kms_key.main.arn
  log_retention_days   = var.log_retention_days

  tables        = { for table, access in each.value.tables : table => { arn = aws_dynamodb_table.this[table].arn, access = access } }
  publishes     = each.value.publishes
  event_bus_arn = aws_cloudwatch_event_bus.main.arn
  # Only "callback" can be granted here (authorize-payment resumes its own task on a
  # retry): start and describe would need the state machine's ARN (see checks.tf).
  workflow    = each.value.workflow
  secret_arns = { for secret in each.value.secrets : secret => aws_secretsmanager_secret.this[secret].arn }

  dead_letters           = each.value.dead_letters
  dead_letter_queue_arns = [for fn in keys(local.queue_functions) : aws_sqs_queue.dead_letter[fn].arn]
  consumer_queue_arns    = [for fn in keys(local.queue_functions) : aws_sqs_queue.consumer[fn].arn]

  search_index            = each.value.search_index
  search_index_bucket_arn = module.search_index_bucket.arn

  sends_mail = each.value.sends_mail
  mail_arns  = local.mail_arns
}

module "function" {
  source   = "./modules/function"
  for_each = local.other_functions

  function_name        = "${local.prefix}-${each.key}"
  description          = "Mambogo ${each.value.trigger} function: ${each.key}"
  zip_path             = "${local.artifacts_dir}/${each.key}.zip"
  memory               = each.value.memory
  timeout              = each.value.timeout
  reserved_concurrency = lookup(var.reserved_concurrency, each.key, null)
  environment          = local.other_environment[each.key]
  kms_key_arn          = aws_kms_key.main.arn
  log_retention_days   = var.log_retention_days

  tables            = { for table, access in each.value.tables : table => { arn = aws_dynamodb_table.this[table].arn, access = access } }
  publishes         = each.value.publishes
  event_bus_arn     = aws_cloudwatch_event_bus.main.arn
  workflow          = each.value.workflow
  state_machine_arn = aws_sfn_state_machine.checkout.arn
  secret_arns       = { for secret in each.value.secrets : secret => aws_secretsmanager_secret.this[secret].arn }
  consumes_queue    = each.value.trigger == "queue"
  queue_arn         = try(aws_sqs_queue.consumer[each.key].arn, "")
  reads_stream      = each.value.trigger == "mock-stream"
  stream_arn        = try(aws_dynamodb_table.this[local.stream_table].stream_arn, "")

  dead_letters           = each.value.dead_letters
  dead_letter_queue_arns = [for fn in keys(local.queue_functions) : aws_sqs_queue.dead_letter[fn].arn]
  consumer_queue_arns    = [for fn in keys(local.queue_functions) : aws_sqs_queue.consumer[fn].arn]

  search_index            = each.value.search_index
  search_index_bucket_arn = module.search_index_bucket.arn

  sends_mail = each.value.sends_mail
  mail_arns  = local.mail_arns
}

# Every function's name and ARN, whichever module call made it.
locals {
  function_names = merge(
    { for name, fn in module.saga_function : name => fn.function_name },
    { for name, fn in module.function : name => fn.function_name },
  )
}
