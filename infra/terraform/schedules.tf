# EventBridge Scheduler runs each `schedule` function (the reservation sweeper,
# reconciliation, …) on the expression in its manifest entry, e.g. "rate(1 minute)".
# With no schedule functions in the manifest nothing here is created.

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    # Only schedules of this account may use the roles.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  for_each = local.schedule_functions

  name               = "${local.prefix}-${each.key}-schedule"
  description        = "Lets EventBridge Scheduler invoke ${local.prefix}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

data "aws_iam_policy_document" "scheduler" {
  for_each = local.schedule_functions

  statement {
    sid       = "InvokeTheJob"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.function[each.key].arn, "${module.function[each.key].arn}:*"]
  }

  # Schedules are encrypted with the stack's key; Scheduler decrypts a schedule with its
  # execution role when it fires. Only this schedule's encryption context is allowed
  # (its ARN is spelled out: referring to the schedule would make a cycle).
  statement {
    sid       = "DecryptTheSchedule"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.main.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:scheduler:schedule:arn"
      values   = ["arn:${local.partition}:scheduler:${local.region}:${local.account_id}:schedule/default/${local.prefix}-${each.key}"]
    }
  }
}

resource "aws_iam_role_policy" "scheduler" {
  for_each = local.schedule_functions

  name   = "invoke-${each.key}"
  role   = aws_iam_role.scheduler[each.key].id
  policy = data.aws_iam_policy_document.scheduler[each.key].json
}

resource "aws_scheduler_schedule" "job" {
  for_each = local.schedule_functions

  name                = "${local.prefix}-${each.key}"
  description         = "Runs ${local.prefix}-${each.key} (${each.value.schedule})"
  group_name          = "default" # its ARN is spelled out in the role policy above
  schedule_expression = each.value.schedule
  kms_key_arn         = aws_kms_key.main.arn

  # Jobs run on time: a sweeper that drifts keeps stock reserved for longer.
  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = module.function[each.key].arn
    role_arn = aws_iam_role.scheduler[each.key].arn

    # A missed run is retried briefly; the next scheduled run catches up anyway.
    retry_policy {
      maximum_event_age_in_seconds = 300
      maximum_retry_attempts       = 3
    }
  }

  depends_on = [aws_iam_role_policy.scheduler]
}
