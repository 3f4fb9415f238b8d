# One Lambda function with everything that belongs to it alone: its log group, its
# execution role and the role's least-privilege policy.
#
# The caller (../../functions.tf) translates a functions/manifest.json entry into the
# inputs below; this module turns those grants into IAM statements, so the manifest stays
# the only place that says what a function may touch.

terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  # Grants split by access level, so that each level is one IAM statement.
  read_tables  = { for key, table in var.tables : key => table.arn if table.access == "read" }
  write_tables = { for key, table in var.tables : key => table.arn if table.access == "write" }

  starts_executions   = contains(var.workflow, "start")
  describes_execution = contains(var.workflow, "describe")
  sends_callbacks     = contains(var.workflow, "callback")

  # Dead letters: read lists (peeks at) the dead-letter queues; write also redrives a
  # letter, sending it back to its consumer's queue and deleting it from the DLQ. With no
  # queue consumers in the stack there is nothing to grant.
  reads_dead_letters  = var.dead_letters != null && length(var.dead_letter_queue_arns) > 0
  writes_dead_letters = local.reads_dead_letters && var.dead_letters == "write"

  # The search index's snapshots: read fetches them (and, with s3:ListBucket, learns of
  # a missing one as a 404 rather than a 403); write also puts new ones.
  reads_search_index  = var.search_index != null
  writes_search_index = var.search_index == "write"

  # Executions are named resources of their own: arn:…:execution:<state machine>:<name>.
  executions_arn = "${replace(var.state_machine_arn, ":stateMachine:", ":execution:")}:*"

  # The AWS services that may use the stack's key on this function's behalf when it
  # decrypts (secrets it reads, messages of the queue it consumes or of the dead-letter
  # queues it reads, search index snapshots it fetches) and when it encrypts (letters it
  # redrives, snapshots it puts).
  sqs_via_service = "sqs.${data.aws_region.current.name}.amazonaws.com"
  s3_via_service  = "s3.${data.aws_region.current.name}.amazonaws.com"
  kms_via_services = concat(
    length(var.secret_arns) > 0 ? ["secretsmanager.${data.aws_region.current.name}.amazonaws.com"] : [],
    var.consumes_queue || local.reads_dead_letters ? [local.sqs_via_service] : [],
    local.reads_search_index ? [local.s3_via_service] : [],
  )
  kms_encrypt_via_services = concat(
    local.writes_dead_letters ? [local.sqs_via_service] : [],
    local.writes_search_index ? [local.s3_via_service] : [],
  )

  dynamodb_read_actions = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:ConditionCheckItem",
  ]
  dynamodb_write_actions = [
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
  ]
}

# The log group exists before the function, so that retention and encryption apply from
# the first invocation (Lambda would otherwise create it unencrypted and kept forever).
resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = var.function_name
  description        = "Execution role of ${var.function_name}, built from functions/manifest.json"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "this" {
  #checkov:skip=CKV_AWS_111:Only xray:PutTraceSegments/PutTelemetryRecords and states:SendTaskSuccess/SendTaskFailure use "*": X-Ray and task tokens have no resource ARN to name (see the statements).
  #checkov:skip=CKV_AWS_356:Same statements as above: AWS defines no resource type for these actions, so "*" is the only valid resource.

  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  # X-Ray's write actions take no resource ARN; "*" is the only value AWS accepts.
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = length(local.read_tables) > 0 ? [1] : []
    content {
      sid     = "ReadTables"
      actions = local.dynamodb_read_actions
      resources = flatten([
        for arn in values(local.read_tables) : [arn, "${arn}/index/*"]
      ])
    }
  }

  dynamic "statement" {
    for_each = length(local.write_tables) > 0 ? [1] : []
    content {
      sid     = "WriteTables"
      actions = concat(local.dynamodb_read_actions, local.dynamodb_write_actions)
      resources = flatten([
        for arn in values(local.write_tables) : [arn, "${arn}/index/*"]
      ])
    }
  }

  dynamic "statement" {
    for_each = var.publishes ? [1] : []
    content {
      sid       = "PublishEvents"
      actions   = ["events:PutEvents"]
      resources = [var.event_bus_arn]
    }
  }

  dynamic "statement" {
    for_each = local.starts_executions ? [1] : []
    content {
      sid       = "StartCheckout"
      actions   = ["states:StartExecution"]
      resources = [var.state_machine_arn]
    }
  }

  dynamic "statement" {
    for_each = local.describes_execution ? [1] : []
    content {
      sid       = "DescribeCheckouts"
      actions   = ["states:DescribeExecution", "states:GetExecutionHistory"]
      resources = [local.executions_arn]
    }
  }

  # Listing executions is granted on the state machine itself.
  dynamic "statement" {
    for_each = local.describes_execution ? [1] : []
    content {
      sid       = "ListCheckouts"
      actions   = ["states:ListExecutions"]
      resources = [var.state_machine_arn]
    }
  }

  # A callback names its execution only through the opaque task token, so these actions
  # have no resource to scope to; "*" is what AWS requires for them.
  dynamic "statement" {
    for_each = local.sends_callbacks ? [1] : []
    content {
      sid       = "ResumeWaitingTasks"
      actions   = ["states:SendTaskSuccess", "states:SendTaskFailure"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = length(var.secret_arns) > 0 ? [1] : []
    content {
      sid       = "ReadSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = values(var.secret_arns)
    }
  }

  dynamic "statement" {
    for_each = var.consumes_queue ? [1] : []
    content {
      sid = "ConsumeQueue"
      actions = [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility",
      ]
      resources = [var.queue_arn]
    }
  }

  # The consumers' dead-letter queues: a listing receives their messages and makes them
  # visible again at once; a redrive receives until it finds the letter asked for.
  dynamic "statement" {
    for_each = local.reads_dead_letters ? [1] : []
    content {
      sid = "ReadDeadLetters"
      actions = [
        "sqs:ReceiveMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
      ]
      resources = var.dead_letter_queue_arns
    }
  }

  # A redriven letter is sent back to its consumer's queue, then deleted from the DLQ.
  dynamic "statement" {
    for_each = local.writes_dead_letters ? [1] : []
    content {
      sid       = "RemoveRedrivenLetters"
      actions   = ["sqs:DeleteMessage"]
      resources = var.dead_letter_queue_arns
    }
  }

  dynamic "statement" {
    for_each = local.writes_dead_letters ? [1] : []
    content {
      sid       = "RedriveToConsumerQueues"
      actions   = ["sqs:SendMessage"]
      resources = var.consumer_queue_arns
    }
  }

  # The search index's snapshots: the objects of their bucket, which holds nothing else
  # (the code uses one key, catalog-index/snapshot). s3:ListBucket on the bucket is
  # there so that a snapshot not yet written is a 404, not a 403. No
  # s3:GetObjectVersion: readers fetch the current version, older ones are for rollback
  # by an operator.
  dynamic "statement" {
    for_each = local.reads_search_index ? [1] : []
    content {
      sid       = "ListSearchIndex"
      actions   = ["s3:ListBucket"]
      resources = [var.search_index_bucket_arn]
    }
  }

  dynamic "statement" {
    for_each = local.reads_search_index ? [1] : []
    content {
      sid       = local.writes_search_index ? "ReadAndWriteSearchIndex" : "ReadSearchIndex"
      actions   = concat(["s3:GetObject"], local.writes_search_index ? ["s3:PutObject"] : [])
      resources = ["${var.search_index_bucket_arn}/*"]
    }
  }

  # SES v2 SendEmail is authorized on the sending identity and on the configuration set
  # it goes through.
  dynamic "statement" {
    for_each = var.sends_mail && length(var.mail_arns) > 0 ? [1] : []
    content {
      sid       = "SendMail"
      actions   = ["ses:SendEmail"]
      resources = var.mail_arns
    }
  }

  # Sending to a queue, or putting an object into a bucket, encrypted with the stack's
  # key makes SQS or S3 generate a data key on the writer's behalf: allowed through
  # those services only.
  dynamic "statement" {
    for_each = length(local.kms_encrypt_via_services) > 0 ? [1] : []
    content {
      sid       = "EncryptThroughServices"
      actions   = ["kms:GenerateDataKey"]
      resources = [var.kms_key_arn]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = local.kms_encrypt_via_services
      }
    }
  }

  # Secrets, queue messages and search index snapshots are encrypted with the stack's
  # key: reading them (and sending to an encrypted queue) needs kms:Decrypt, and only
  # through those services.
  dynamic "statement" {
    for_each = length(local.kms_via_services) > 0 ? [1] : []
    content {
      sid       = "DecryptThroughServices"
      actions   = ["kms:Decrypt"]
      resources = [var.kms_key_arn]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = local.kms_via_services
      }
    }
  }

  dynamic "statement" {
    for_each = var.reads_stream ? [1] : []
    content {
      sid = "ReadStream"
      actions = [
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:DescribeStream",
        "dynamodb:ListStreams",
      ]
      resources = [var.stream_arn]
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "least-privilege"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:The functions call only AWS APIs (and the payment gateway over HTTPS); a VPC would add NAT/endpoint cost and cold-start latency without protecting anything they reach.
  #checkov:skip=CKV_AWS_116:A dead-letter queue only catches asynchronous invocations. API and saga functions are invoked synchronously (errors go back to API Gateway / Step Functions retries), queue and stream consumers use their source's DLQ/retry settings.
  #checkov:skip=CKV_AWS_272:Code signing is out of scope: the zips are built by scripts/package-lambdas and deployed by the same operator who runs Terraform.
  #checkov:skip=CKV_AWS_115:Reserved concurrency is opt-in per function (variable reserved_concurrency); reserving it by default would carve the account's shared pool into fixed slices.

  function_name = var.function_name
  description   = var.description
  role          = aws_iam_role.this.arn

  # Rust binaries built by cargo-lambda for Graviton: the custom runtime runs `bootstrap`.
  runtime       = "provided.al2023"
  architectures = ["arm64"]
  handler       = "bootstrap"

  filename         = var.zip_path
  source_code_hash = filebase64sha256(var.zip_path)

  memory_size                    = var.memory
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrency

  # Environment values are names and ARNs only (secrets are fetched at run time), but
  # they are still encrypted with the stack's key rather than the AWS-managed one.
  kms_key_arn = var.kms_key_arn
  environment {
    variables = var.environment
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tracing_config {
    mode = "Active"
  }

  # The role must be able to write logs and reach its tables before the first request.
  depends_on = [aws_iam_role_policy.this]
}
