# One customer-managed key for the whole stack: tables, log groups, queues, secrets, the
# alarm topic, Lambda environments and the search index's bucket.
#
# Who may use it:
#   - the account (root): delegates to IAM, so roles use the key only when their own
#     policy says so (Lambda roles get kms:Decrypt through Secrets Manager / SQS / S3
#     only, and kms:GenerateDataKey through SQS if they redrive dead letters or through
#     S3 if they write the search index; Scheduler roles for their own schedule's
#     encryption context);
#   - CloudWatch Logs, for this account's log groups only (encryption-context condition);
#   - EventBridge, to put messages on the encrypted SQS queues that rules target;
#   - CloudWatch alarms, to publish to the encrypted SNS topic.
# The two service statements follow AWS's documented form without source conditions:
# those services do not promise to send aws:SourceArn/SourceAccount on these KMS calls,
# and a condition they never satisfy would silently drop events and alarm notifications.
# DynamoDB, Secrets Manager, SQS consumers, S3 and Lambda need no service statement: they
# use the key through grants or the caller's IAM permissions, which the root statement
# allows.

resource "aws_kms_key" "main" {
  description             = "${local.prefix}: tables, logs, queues, secrets, alarm topic"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # In a key policy, Resource "*" means this key.
        Sid       = "AccountAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsOfThisAccount"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action = [
          "kms:Encrypt*",
          "kms:Decrypt*",
          "kms:ReEncrypt*",
          "kms:GenerateDataKey*",
          "kms:Describe*",
        ]
        Resource = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"
          }
        }
      },
      {
        Sid       = "EventBridgeSendsToEncryptedQueues"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = "*"
      },
      {
        Sid       = "AlarmsPublishToEncryptedTopic"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
      },
    ]
  })
}

resource "aws_kms_alias" "main" {
  name          = "alias/${local.prefix}"
  target_key_id = aws_kms_key.main.key_id
}
