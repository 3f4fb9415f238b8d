variable "environment" {
  description = "Environment name, part of every resource name (mambogo-<environment>-…)."
  type        = string
  default     = "dev"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,14}[a-z0-9]$", var.environment))
    error_message = "environment must be 3-16 characters of lower-case letters, digits and dashes, starting with a letter."
  }
}

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "tags" {
  description = "Extra tags put on every resource (besides Project, Environment, ManagedBy)."
  type        = map(string)
  default     = {}
}

variable "deletion_protection" {
  description = "Protects the tables and the user pool from deletion; switch it off (and apply) before `terraform destroy`."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "How long Lambda, API and state machine logs are kept."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, …, 365, …, 3653)."
  }
}

variable "cors_allowed_origins" {
  description = "Browser origins allowed to call the API (e.g. [\"https://shop.example.com\"]). Empty: no CORS configuration."
  type        = list(string)
  default     = []
}

variable "jwt_issuer" {
  description = "OIDC issuer whose tokens the API accepts. Empty: a Cognito user pool is created and used."
  type        = string
  default     = ""

  validation {
    condition     = var.jwt_issuer == "" || (startswith(var.jwt_issuer, "https://") && var.jwt_audience != "")
    error_message = "jwt_issuer must be an https:// URL, and jwt_audience must be set with it."
  }
}

variable "jwt_audience" {
  description = "Audience (client id) tokens must carry, with jwt_issuer. Ignored without jwt_issuer: the Cognito app client's id is used."
  type        = string
  default     = ""
}

variable "throttling_burst_limit" {
  description = "API Gateway burst limit for every route."
  type        = number
  default     = 500
}

variable "throttling_rate_limit" {
  description = "API Gateway steady-state requests per second for every route."
  type        = number
  default     = 200
}

variable "sale_route_throttling" {
  description = "API Gateway throttling of each flash-sale route and of checkout (x-mambogo-sale-path in api/openapi.yaml): steady requests per second and burst. Within the account's limit for the region (10,000 requests/s by default)."
  type = object({
    rate_limit  = number
    burst_limit = number
  })
  default = {
    rate_limit  = 5000
    burst_limit = 5000
  }
}

variable "deploy_mock_gateway" {
  description = "Deploy the mock payment gateway (its two functions, ledger table and HTTP API) and point the saga at it."
  type        = bool
  default     = true
}

variable "payment_gateway_url" {
  description = "Base URL of the real payment gateway, used when deploy_mock_gateway is false."
  type        = string
  default     = ""

  validation {
    condition     = var.deploy_mock_gateway || startswith(var.payment_gateway_url, "https://")
    error_message = "Without the mock gateway, payment_gateway_url must be the gateway's https:// base URL."
  }
}

variable "alarm_email" {
  description = "Email address subscribed to the alarm topic (confirm the subscription mail). Empty: no subscription."
  type        = string
  default     = ""
}

variable "mail_from" {
  description = "Who the shop's mail comes from: \"orders@shop.example\" or \"Shop <orders@shop.example>\". Its domain becomes an SES identity, with a configuration set; publish the DKIM records SES hands out to verify it (and leave the SES sandbox to mail any shopper). Empty: no mail is sent, and each notification is kept as unsent."
  type        = string
  default     = ""

  validation {
    condition     = var.mail_from == "" || can(regex("^([^<>]*<)?[^@<>\\s]+@[^@<>\\s]+\\.[^@<>\\s]+>?$", var.mail_from))
    error_message = "mail_from must be an address, or a name and an address in <>."
  }
}

variable "operators_email" {
  description = "Where the operators' notifications (low stock) are mailed, from mail_from. Empty: they are kept, not mailed."
  type        = string
  default     = ""
}

variable "reservation_ttl_seconds" {
  description = "How long stock stays reserved while an order is being paid; also the saga's wait for the gateway."
  type        = number
  default     = 900

  validation {
    condition     = var.reservation_ttl_seconds >= 60 && var.reservation_ttl_seconds <= 86400
    error_message = "reservation_ttl_seconds must be between 60 and 86400."
  }
}

variable "quote_ttl_seconds" {
  description = "How long the total of a checkout quote (POST /checkout/quote) is guaranteed."
  type        = number
  default     = 900

  validation {
    condition     = var.quote_ttl_seconds >= 60 && var.quote_ttl_seconds <= 86400
    error_message = "quote_ttl_seconds must be between 60 and 86400."
  }
}

variable "shop_currency" {
  description = "The one ISO 4217 currency the shop sells in."
  type        = string
  default     = "USD"

  validation {
    condition     = can(regex("^[A-Z]{3}$", var.shop_currency))
    error_message = "shop_currency must be an ISO 4217 code such as USD."
  }
}

variable "return_window_days" {
  description = "How many days after delivery a shopper may ask to return an order."
  type        = number
  default     = 30

  validation {
    condition     = var.return_window_days >= 1 && var.return_window_days <= 365 && floor(var.return_window_days) == var.return_window_days
    error_message = "return_window_days must be a whole number of days between 1 and 365."
  }
}

variable "artifacts_dir" {
  description = "Directory holding <function>.zip for every function in functions/manifest.json. Null: <repo>/dist/lambda, where scripts/package-lambdas writes them."
  type        = string
  # A variable's default cannot refer to path.module; local.artifacts_dir fills it in.
  default = null
}

variable "dlq_max_receive_count" {
  description = "How many times a queue message is received before it moves to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.dlq_max_receive_count >= 1 && var.dlq_max_receive_count <= 1000
    error_message = "dlq_max_receive_count must be between 1 and 1000."
  }
}

variable "api_5xx_rate_threshold" {
  description = "Alarm when more than this percentage of API requests in 5 minutes answer 5xx."
  type        = number
  default     = 1
}

variable "confirm_rate_threshold" {
  description = "Alarm when fewer than this percentage of the checkouts that found stock are confirmed over 5 minutes (out-of-stock refusals are not counted: a sale selling out is no fault)."
  type        = number
  default     = 80
}

variable "checkout_p99_threshold_seconds" {
  description = "Alarm when the 99th percentile of checkout to confirmation exceeds this many seconds over 5 minutes."
  type        = number
  default     = 10
}

variable "reserved_concurrency" {
  description = "Reserved concurrency by function name (manifest key), e.g. { place-order = 50 }. Unlisted functions use the account's shared pool."
  type        = map(number)
  default     = {}
}

variable "rust_log" {
  description = "RUST_LOG filter for every function."
  type        = string
  default     = "info"
}
