# Plan-time checks of the definition files this configuration reads, so that a mistake
# in them fails `terraform plan` with a message naming it rather than somewhere deep in a
# resource. (Rule targets are also checked on the rules, operations on the routes.) The
# operator's var.reserved_concurrency is checked here too, against the manifest's
# maxConcurrency.
# terraform_data is built into Terraform: it creates nothing in AWS.

locals {
  openapi_operation_ids = toset([for op in values(local.operations) : op.operation_id])

  problems = {
    unknown_triggers = [for name, fn in local.manifest : name if !contains(keys(local.trigger_defaults), fn.trigger)]
    unknown_tables = flatten([
      for name, fn in local.functions : [for table in keys(fn.tables) : "${name}: ${table}" if !contains(keys(local.table_definitions), table)]
    ])
    unknown_secrets = flatten([
      for name, fn in local.functions : [for secret in fn.secrets : "${name}: ${secret}" if !can(regex("^[a-z0-9-]+$", secret))]
    ])
    api_without_operation   = [for name, fn in local.api_functions : name if !contains(local.openapi_operation_ids, coalesce(fn.operation_id, "-"))]
    operation_without_api   = [for id in local.openapi_operation_ids : id if !contains(keys(local.function_by_operation), id)]
    schedule_without_timing = [for name, fn in local.schedule_functions : name if !can(regex("^(rate|cron|at)\\(.+\\)$", fn.schedule))]
    # A saga step that started or described executions would need the state machine's
    # ARN, which is made from the saga steps' ARNs: a cycle.
    saga_using_state_machine = [for name, fn in local.saga_functions : name if contains(fn.workflow, "start") || contains(fn.workflow, "describe")]
    # deadLetters is optional: a missing (or null) one reads as "none" here, one that is
    # not a string as "-".
    unknown_dead_letters = [
      for name, entry in local.manifest : name
      if !contains(["read", "write", "none"], try(coalesce(try(entry.deadLetters, null), "none"), "-"))
    ]
    # searchIndex likewise.
    unknown_search_index = [
      for name, entry in local.manifest : name
      if !contains(["read", "write", "none"], try(coalesce(try(entry.searchIndex, null), "none"), "-"))
    ]
    # maxConcurrency is for queue functions only (it is their event source mapping's
    # scaling config), a whole number of batches within the 2 to 1000 AWS allows.
    max_concurrency_off_queue = [
      for name, entry in local.manifest : name
      if try(entry.maxConcurrency, null) != null && try(entry.trigger, null) != "queue"
    ]
    invalid_max_concurrency = [
      for name, entry in local.manifest : name
      if try(entry.maxConcurrency, null) != null && !try(entry.maxConcurrency >= 2 && entry.maxConcurrency <= 1000 && floor(entry.maxConcurrency) == entry.maxConcurrency, false)
    ]
    # Reserved concurrency below a function's maxConcurrency: the mapping would hand it
    # more batches than it may run, and Lambda would throttle the rest, each throttle a
    # receive that counts towards dlq_max_receive_count.
    reserved_below_max_concurrency = [
      for name, fn in local.functions :
      "${name} = ${var.reserved_concurrency[name]} (its maxConcurrency in functions/manifest.json: ${fn.max_concurrency})"
      if fn.max_concurrency != null && contains(keys(var.reserved_concurrency), name) && try(var.reserved_concurrency[name] < fn.max_concurrency, false)
    ]
  }
}

resource "terraform_data" "definition_checks" {
  lifecycle {
    precondition {
      condition     = length(local.problems.unknown_triggers) == 0
      error_message = "functions/manifest.json: unknown trigger on ${join(", ", local.problems.unknown_triggers)} (known: ${join(", ", keys(local.trigger_defaults))})."
    }

    precondition {
      condition     = length(local.problems.unknown_tables) == 0
      error_message = "functions/manifest.json: tables that tables.tf does not define: ${join("; ", local.problems.unknown_tables)} (defined: ${join(", ", keys(local.table_definitions))})."
    }

    precondition {
      condition     = length(local.problems.unknown_secrets) == 0
      error_message = "functions/manifest.json: secret names must be lower-case words joined by dashes: ${join("; ", local.problems.unknown_secrets)}."
    }

    precondition {
      condition     = length(local.problems.api_without_operation) == 0
      error_message = "functions/manifest.json: \"api\" functions whose operationId is missing or not in api/openapi.yaml: ${join(", ", local.problems.api_without_operation)}."
    }

    precondition {
      condition     = length(local.problems.operation_without_api) == 0
      error_message = "api/openapi.yaml: operations with no \"api\" function in functions/manifest.json: ${join(", ", local.problems.operation_without_api)}."
    }

    precondition {
      condition     = length(local.problems.schedule_without_timing) == 0
      error_message = "functions/manifest.json: \"schedule\" functions need a `schedule` such as \"rate(1 minute)\" or \"cron(0 3 * * ? *)\": ${join(", ", local.problems.schedule_without_timing)}."
    }

    precondition {
      condition     = length(local.problems.saga_using_state_machine) == 0
      error_message = "functions/manifest.json: \"saga\" functions cannot have workflow start or describe (the state machine is built from their ARNs): ${join(", ", local.problems.saga_using_state_machine)}."
    }

    precondition {
      condition     = length(local.problems.unknown_dead_letters) == 0
      error_message = "functions/manifest.json: `deadLetters` must be \"read\" or \"write\" (or left out): ${join(", ", local.problems.unknown_dead_letters)}."
    }

    precondition {
      condition     = length(local.problems.unknown_search_index) == 0
      error_message = "functions/manifest.json: `searchIndex` must be \"read\" or \"write\" (or left out): ${join(", ", local.problems.unknown_search_index)}."
    }

    precondition {
      condition     = length(local.problems.max_concurrency_off_queue) == 0
      error_message = "functions/manifest.json: `maxConcurrency` is for \"queue\" functions only (it bounds their queue's event source mapping): ${join(", ", local.problems.max_concurrency_off_queue)}."
    }

    precondition {
      condition     = length(local.problems.invalid_max_concurrency) == 0
      error_message = "functions/manifest.json: `maxConcurrency` must be a whole number from 2 to 1000, what SQS event source mappings allow (or left out): ${join(", ", local.problems.invalid_max_concurrency)}."
    }

    precondition {
      condition     = length(local.problems.reserved_below_max_concurrency) == 0
      error_message = "reserved_concurrency: ${join("; ", local.problems.reserved_below_max_concurrency)}. Reserved concurrency below maxConcurrency makes Lambda throttle the batches its queue hands it beyond that, and each throttled receive counts towards dlq_max_receive_count, so events end in the dead-letter queue: give these functions at least their maxConcurrency, or leave them out of reserved_concurrency."
    }

    precondition {
      condition     = !var.deploy_mock_gateway || length(local.mock_api_functions) == 1
      error_message = "functions/manifest.json: deploy_mock_gateway needs exactly one \"mock-api\" function (the gateway the saga calls)."
    }
  }
}

# ---- Limits AWS enforces and the emulator of scripts/check-deploy does not -----------
#
# Names are known at plan time (but for an account id, always 12 digits), so an
# environment that would make one too long fails `terraform plan`. Each name is measured
# as if `environment` had the 16 characters variables.tf allows at most (every name
# carries it once), so that no allowed environment can break a name that fits today.
#
# Environment sizes are measured once their values are known: the ARNs and queue URLs in
# them are not before the first apply, so that first time the check runs during apply.
# Inline policy sizes are checked by tests/emulator/check_deployed.py on the deployed
# policies: the documents are built inside modules/function, which does not expose them.

locals {
  environment_growth = max(0, 16 - length(var.environment))

  name_limits = {
    "IAM role" = {
      limit = 64
      names = concat(
        [for fn in values(module.saga_function) : fn.role_name],
        [for fn in values(module.function) : fn.role_name],
        [aws_iam_role.state_machine.name],
        [for role in values(aws_iam_role.scheduler) : role.name],
      )
    }
    "Lambda function"    = { limit = 64, names = values(local.function_names) }
    "EventBridge rule"   = { limit = 64, names = [for rule in values(aws_cloudwatch_event_rule.rule) : rule.name] }
    "Scheduler schedule" = { limit = 64, names = [for job in values(aws_scheduler_schedule.job) : job.name] }
    # The bucket's name ends with the account id, unknown until applied: 12 digits.
    "S3 bucket" = { limit = 63, names = ["${local.search_index_bucket_prefix}000000000000"] }
    "SQS queue" = {
      limit = 80
      names = concat(
        [for queue in values(aws_sqs_queue.consumer) : queue.name],
        [for queue in values(aws_sqs_queue.dead_letter) : queue.name],
      )
    }
  }

  names_too_long = flatten([
    for kind, limit in local.name_limits : [
      for name in limit.names : "${kind} ${name} (${length(name) + local.environment_growth} characters with a 16-character environment; AWS allows ${limit.limit})"
      if length(name) + local.environment_growth > limit.limit
    ]
  ])

  # Lambda allows 4 KB of environment variables per function; measured as their JSON,
  # which is at least as long as the keys and values alone.
  environments_too_large = [
    for name, variables in merge(local.saga_environment, local.other_environment) :
    "${name} (${length(jsonencode(variables))} bytes)" if length(jsonencode(variables)) > 4096
  ]
}

resource "terraform_data" "limit_checks" {
  lifecycle {
    precondition {
      condition     = length(local.names_too_long) == 0
      error_message = "Names AWS would refuse: ${join("; ", local.names_too_long)}. Shorten the manifest key, rule name or environment."
    }

    precondition {
      condition     = length(local.environments_too_large) == 0
      error_message = "Lambda environments over AWS's 4 KB: ${join(", ", local.environments_too_large)}."
    }
  }
}
