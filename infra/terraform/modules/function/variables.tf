variable "function_name" {
  description = "The Lambda function's full name (also its role's and log group's)."
  type        = string
}

variable "description" {
  description = "What the function is for, shown in the console."
  type        = string
  default     = ""
}

variable "zip_path" {
  description = "The deployment package: a zip holding the `bootstrap` binary."
  type        = string
}

variable "memory" {
  description = "Memory in MB."
  type        = number
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions; null leaves the function on the account's shared pool."
  type        = number
  default     = null
}

variable "environment" {
  description = "Environment variables."
  type        = map(string)
}

variable "kms_key_arn" {
  description = "The stack's key: encrypts the log group and the environment, and protects secrets and queues the function reads."
  type        = string
}

variable "log_retention_days" {
  description = "How long the function's logs are kept."
  type        = number
}

# ---- Grants, straight from the function's manifest entry ----------------------------

variable "tables" {
  description = "Tables the function may use, by manifest key: the table's ARN and `read` or `write`."
  type = map(object({
    arn    = string
    access = string
  }))
  default = {}

  validation {
    condition     = alltrue([for table in values(var.tables) : contains(["read", "write"], table.access)])
    error_message = "Table access must be \"read\" or \"write\"."
  }
}

variable "publishes" {
  description = "Whether the function puts events on the bus."
  type        = bool
  default     = false
}

variable "event_bus_arn" {
  description = "The event bus (used only when publishes is true)."
  type        = string
  default     = ""
}

variable "workflow" {
  description = "What the function does with the checkout state machine: start, describe, callback."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for action in var.workflow : contains(["start", "describe", "callback"], action)])
    error_message = "Workflow actions are start, describe and callback."
  }
}

variable "state_machine_arn" {
  description = "The checkout state machine (used for start and describe)."
  type        = string
  default     = ""
}

variable "secret_arns" {
  description = "Secrets Manager secrets the function may read, by manifest name."
  type        = map(string)
  default     = {}
}

variable "consumes_queue" {
  description = "Whether the function is fed by an SQS queue (queue_arn)."
  type        = bool
  default     = false
}

variable "queue_arn" {
  description = "The queue the function consumes."
  type        = string
  default     = ""
}

variable "reads_stream" {
  description = "Whether the function is fed by a DynamoDB stream (stream_arn)."
  type        = bool
  default     = false
}

variable "stream_arn" {
  description = "The DynamoDB stream the function reads."
  type        = string
  default     = ""
}

variable "dead_letters" {
  description = "What the function does with the queue consumers' dead letters: null (nothing), \"read\" (list them) or \"write\" (list and redrive them to their consumer's queue)."
  type        = string
  default     = null

  validation {
    condition     = contains(["read", "write", "none"], coalesce(var.dead_letters, "none"))
    error_message = "dead_letters must be null, \"read\" or \"write\"."
  }
}

variable "dead_letter_queue_arns" {
  description = "Every queue consumer's dead-letter queue (used when dead_letters is set)."
  type        = list(string)
  default     = []
}

variable "consumer_queue_arns" {
  description = "Every queue consumer's queue, where redriven letters go (used when dead_letters is \"write\")."
  type        = list(string)
  default     = []
}

variable "search_index" {
  description = "What the function does with the search index's snapshots: null (nothing), \"read\" (fetch them: s3:GetObject, s3:ListBucket) or \"write\" (also put them: s3:PutObject)."
  type        = string
  default     = null

  validation {
    condition     = contains(["read", "write", "none"], coalesce(var.search_index, "none"))
    error_message = "search_index must be null, \"read\" or \"write\"."
  }
}

variable "search_index_bucket_arn" {
  description = "The bucket of the search index's snapshots (used when search_index is set)."
  type        = string
  default     = ""
}

variable "sends_mail" {
  description = "Whether the function sends e-mail (ses:SendEmail on mail_arns)."
  type        = bool
  default     = false
}

variable "mail_arns" {
  description = "The SES identity and configuration set the function sends through (used when sends_mail is set); empty when the stack sends no mail."
  type        = list(string)
  default     = []
}
