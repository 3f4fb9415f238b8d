# The checkout saga: statemachines/checkout.asl.json with its task placeholders filled in.
# A placeholder is the saga function's name with - → _ and a _function suffix
# (reserve-inventory → ${reserve_inventory_function}), so a new `saga` entry in the
# manifest is all a new step needs here.

locals {
  saga_task_arns = {
    for name in keys(local.saga_functions) : "${replace(name, "-", "_")}_function" => module.saga_function[name].arn
  }
  state_machine_name = "${local.prefix}-checkout"
}

data "aws_iam_policy_document" "state_machine_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
  }
}

# No source-account condition on this trust policy: local.account_id is read from this
# very role's ARN (see locals.tf), so it cannot be used here.
resource "aws_iam_role" "state_machine" {
  name               = local.state_machine_name
  description        = "Runs the Mambogo checkout saga"
  assume_role_policy = data.aws_iam_policy_document.state_machine_assume.json
}

data "aws_iam_policy_document" "state_machine" {
  #checkov:skip=CKV_AWS_111:Only the log-delivery and X-Ray statements use "*", because AWS defines no resource for those actions (see the comments on them).
  #checkov:skip=CKV_AWS_356:Same statements as above: "*" is the only resource these actions accept.

  statement {
    sid     = "InvokeSagaSteps"
    actions = ["lambda:InvokeFunction"]
    # The unqualified ARN and any version/alias of the saga functions only.
    resources = flatten([
      for fn in module.saga_function : [fn.arn, "${fn.arn}:*"]
    ])
  }

  # The Publish… states send the entries the steps return; the bus is named in them.
  statement {
    sid       = "PublishOrderEvents"
    actions   = ["events:PutEvents"]
    resources = [aws_cloudwatch_event_bus.main.arn]
  }

  # Step Functions delivers logs through CloudWatch Logs' vended-log delivery, whose
  # actions do not support resource-level permissions: "*" is required.
  statement {
    sid = "DeliverExecutionLogs"
    actions = [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }

  # X-Ray's actions take no resource ARN.
  statement {
    sid = "Tracing"
    actions = [
      "xray:PutTraceSegments",
      "xray:PutTelemetryRecords",
      "xray:GetSamplingRules",
      "xray:GetSamplingTargets",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "state_machine" {
  name   = "least-privilege"
  role   = aws_iam_role.state_machine.id
  policy = data.aws_iam_policy_document.state_machine.json
}

# Under /aws/vendedlogs/ so the log delivery's resource policy stays small.
resource "aws_cloudwatch_log_group" "state_machine" {
  name              = "/aws/vendedlogs/states/${local.state_machine_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_sfn_state_machine" "checkout" {
  name     = local.state_machine_name
  type     = "STANDARD"
  role_arn = aws_iam_role.state_machine.arn

  definition = templatefile("${local.repo_root}/statemachines/checkout.asl.json", local.saga_task_arns)

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine.arn}:*"
    include_execution_data = true
    level                  = "ALL"
  }

  tracing_configuration {
    enabled = true
  }

  # Step Functions checks at creation that the role may deliver logs and invoke the steps.
  depends_on = [aws_iam_role_policy.state_machine]
}
