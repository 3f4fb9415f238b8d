terraform {
  # 1.11: write-only arguments and ephemeral values are available, and validation
  # blocks may refer to other variables (used below for the issuer/audience pair).
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}
