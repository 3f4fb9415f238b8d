# Secrets named in the manifest (`secrets`), one Secrets Manager secret each, encrypted
# with the stack's key. Terraform creates the secret but never its value, so no secret
# ever lands in the Terraform state: the operator puts the value after the first apply
# (README.md, "Set the secrets"). Functions get the ARN (…_ARN) and read the value at
# cold start with secretsmanager:GetSecretValue.
#
# (Write-only arguments fed by the ephemeral aws_secretsmanager_random_password were
# tried: that ephemeral resource calls Secrets Manager during `terraform plan`, which
# breaks the offline plan CI relies on.)

locals {
  secret_names = toset(flatten([for fn in values(local.functions) : fn.secrets]))
}

resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV2_AWS_57:Two secrets are shared with the payment gateway (its API key, its webhook signing secrets), so they rotate on the gateway's schedule by hand: webhook-secrets holds two values while rotating, and a rotation Lambda could not change the gateway's side. The purchase-token key signs tokens that live minutes: it is rotated by putting a new value between sales.
  for_each = local.secret_names

  name        = "${local.prefix}/${each.key}"
  description = "Mambogo ${var.environment}: ${each.key} (value put by the operator, see infra/terraform/README.md)"
  kms_key_id  = aws_kms_key.main.arn

  # Without deletion protection (a throwaway environment) a destroyed secret is gone at
  # once, so the same name can be created again by the next apply.
  recovery_window_in_days = var.deletion_protection ? 30 : 0
}
