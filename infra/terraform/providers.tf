provider "aws" {
  region = var.region

  default_tags {
    tags = merge(
      {
        Project     = "mambogo"
        Environment = var.environment
        ManagedBy   = "terraform"
      },
      var.tags,
    )
  }
}

# Both are answered by the provider from its own configuration, without calling AWS, so
# `terraform plan` works offline. (data.aws_caller_identity would call STS: see
# local.account_id for how the account id is found instead.)
data "aws_region" "current" {}
data "aws_partition" "current" {}
