variable "name" {
  description = "The bucket's name."
  type        = string
}

variable "force_destroy" {
  description = "Whether `terraform destroy` deletes the bucket with everything in it, every version included."
  type        = bool
}

variable "kms_key_arn" {
  description = "The KMS key objects are encrypted with (with an S3 bucket key); null: SSE-S3."
  type        = string
  default     = null
}

variable "noncurrent_days" {
  description = "Days after which a replaced version of an object is deleted."
  type        = number
}

variable "newer_noncurrent_versions" {
  description = "Replaced versions kept however old they are (the newest ones); null: none."
  type        = number
  default     = null
}

variable "cloudfront_reader_arn" {
  description = "The CloudFront distribution that may read every object (through origin access control); null: none."
  type        = string
  default     = null
}
