# Everything here is read from the repository's definition files, never restated:
# functions/manifest.json (functions, their triggers and grants), api/openapi.yaml
# (routes), events/rules/*.json (event rules) and statemachines/*.asl.json (the saga).

locals {
  prefix        = "mambogo-${var.environment}"
  repo_root     = "${path.module}/../.."
  artifacts_dir = coalesce(var.artifacts_dir, "${local.repo_root}/dist/lambda")

  region    = data.aws_region.current.name
  partition = data.aws_partition.current.partition

  # The account id, without data.aws_caller_identity: that data source calls STS, which
  # would make `terraform plan` fail offline (CI plans with dummy credentials). An ARN of
  # a role created here carries the account id once applied; the state machine's role is
  # used because it depends on nothing else in the stack.
  account_id = provider::aws::arn_parse(aws_iam_role.state_machine.arn).account_id

  # ---- functions/manifest.json ----------------------------------------------------

  manifest = jsondecode(file("${local.repo_root}/functions/manifest.json")).functions

  # Memory (MB) and timeout (s) for a function whose manifest entry does not set them.
  trigger_defaults = {
    api           = { memory = 256, timeout = 10 }
    saga          = { memory = 256, timeout = 30 }
    queue         = { memory = 256, timeout = 30 }
    schedule      = { memory = 512, timeout = 60 }
    "mock-api"    = { memory = 256, timeout = 10 }
    "mock-stream" = { memory = 256, timeout = 10 }
  }
  mock_triggers = ["mock-api", "mock-stream"]

  # Every function deployed in this stack, normalised so optional manifest fields have a
  # value. The mock gateway's functions are left out unless it is deployed.
  functions = {
    for name, entry in local.manifest : name => {
      trigger      = entry.trigger
      operation_id = try(entry.operationId, null)
      tables       = { for table, access in try(entry.tables, {}) : table => access }
      publishes    = try(entry.publishes, false)
      workflow     = [for action in try(entry.workflow, []) : action]
      secrets      = [for secret in try(entry.secrets, []) : secret]
      schedule     = try(entry.schedule, null)
      dead_letters = try(entry.deadLetters, null)
      search_index = try(entry.searchIndex, null)
      sends_mail   = try(entry.sendsMail, false)
      memory       = try(entry.memory, local.trigger_defaults[entry.trigger].memory, 256)
      timeout      = try(entry.timeout, local.trigger_defaults[entry.trigger].timeout, 30)
      # A queue function's most batches at once (its event source mapping's scaling
      # config); null: as many as Lambda's poller hands it.
      max_concurrency = try(entry.maxConcurrency, null)
    }
    if var.deploy_mock_gateway || !contains(local.mock_triggers, entry.trigger)
  }

  # Saga steps are a separate module call from every other function: the state machine
  # needs the steps' ARNs, and place-order/get-execution need the state machine's ARN.
  # One for_each over all functions would make that a dependency cycle.
  saga_functions  = { for name, fn in local.functions : name => fn if fn.trigger == "saga" }
  other_functions = { for name, fn in local.functions : name => fn if fn.trigger != "saga" }

  api_functions         = { for name, fn in local.functions : name => fn if fn.trigger == "api" }
  queue_functions       = { for name, fn in local.functions : name => fn if fn.trigger == "queue" }
  schedule_functions    = { for name, fn in local.functions : name => fn if fn.trigger == "schedule" }
  mock_api_functions    = { for name, fn in local.functions : name => fn if fn.trigger == "mock-api" }
  mock_stream_functions = { for name, fn in local.functions : name => fn if fn.trigger == "mock-stream" }

  # The table a mock-stream function is fed by (its stream is the only one in the stack).
  stream_table = "mock-ledger"

  # ---- api/openapi.yaml -------------------------------------------------------------

  openapi      = yamldecode(file("${local.repo_root}/api/openapi.yaml"))
  http_methods = ["get", "put", "post", "delete", "patch", "head", "options"]

  # One entry per path × method, keyed by API Gateway's route key ("GET /products/{productId}").
  # A path item's other keys (parameters, summary, …) are skipped.
  operations = merge([
    for path, item in local.openapi.paths : {
      for method, operation in item : "${upper(method)} ${path}" => {
        method       = upper(method)
        path         = path
        operation_id = operation.operationId
        # An operation without `security` inherits the document's.
        security = try(operation.security, local.openapi.security, [])
        # The routes a flash sale's buyers storm (`x-mambogo-sale-path`).
        sale_path = try(operation["x-mambogo-sale-path"], false)
      }
      if contains(local.http_methods, method)
    }
  ]...)

  # Security per operation (see the description at the top of api/openapi.yaml):
  #   []                        public
  #   [{}, {bearerAuth: []}]    sign-in optional: the function checks a sent token itself
  #   [{bearerAuth: []}]        sign-in required: API Gateway's JWT authorizer checks it
  route_auth = {
    for key, op in local.operations : key => (
      length(op.security) > 0 && alltrue([for requirement in op.security : length(requirement) > 0]) ? "required" :
      anytrue([for requirement in op.security : length(requirement) > 0]) ? "optional" : "public"
    )
  }

  # The api function serving each operationId.
  function_by_operation = {
    for name, fn in local.api_functions : fn.operation_id => name if fn.operation_id != null
  }
  operation_ids_with_optional_auth = toset([
    for key, op in local.operations : op.operation_id if local.route_auth[key] == "optional"
  ])

  # Request headers browsers may send: the bearer token, JSON bodies, and every header
  # parameter the OpenAPI file declares (inline or under components).
  cors_allowed_headers = distinct(concat(
    ["authorization", "content-type"],
    [for parameter in values(try(local.openapi.components.parameters, {})) : lower(parameter.name) if try(parameter.in, "") == "header"],
    flatten([
      for item in values(local.openapi.paths) : [
        for method, operation in item : [
          for parameter in try(operation.parameters, []) : lower(parameter.name) if try(parameter.in, "") == "header"
        ] if contains(local.http_methods, method)
      ]
    ]),
  ))
  cors_allowed_methods = distinct([for op in values(local.operations) : op.method])

  # ---- events/rules/*.json ----------------------------------------------------------

  event_rules = {
    for file_name in fileset("${local.repo_root}/events/rules", "*.json") :
    jsondecode(file("${local.repo_root}/events/rules/${file_name}")).name => merge(
      jsondecode(file("${local.repo_root}/events/rules/${file_name}")),
      { file = file_name },
    )
  }
}
