# Plan-time checks of the definition files this configuration reads, so that a mistake
# in them fails `terraform plan` with a message naming it rather than somewhere deep in a
# resource. (Rule targets are also checked on the rules, operations on the routes.)
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
      condition     = !var.deploy_mock_gateway || length(local.mock_api_functions) == 1
      error_message = "functions/manifest.json: deploy_mock_gateway needs exactly one \"mock-api\" function (the gateway the saga calls)."
    }
  }
}
