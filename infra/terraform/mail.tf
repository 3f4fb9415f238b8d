# The shop's mail (notify-shopper's notifications) through Amazon SES v2: an identity for
# the domain of var.mail_from, and a configuration set every message goes through. With
# var.mail_from empty there is neither, the functions are told no sender, and each
# notification is kept as unsent.

locals {
  sends_mail = var.mail_from != ""
  # "Shop <orders@shop.example>" → orders@shop.example → shop.example
  mail_from_address = local.sends_mail ? regex("([^<>\\s]+@[^<>\\s]+)>?$", var.mail_from)[0] : ""
  mail_domain       = local.sends_mail ? split("@", local.mail_from_address)[1] : ""

  mail_arns = local.sends_mail ? [
    aws_sesv2_email_identity.mail[0].arn,
    aws_sesv2_configuration_set.mail[0].arn,
  ] : []

  # What a function granted `sendsMail` is told (functions/src/config.rs).
  mail_environment = merge(
    local.sends_mail ? {
      MAIL_FROM             = var.mail_from
      SES_CONFIGURATION_SET = aws_sesv2_configuration_set.mail[0].configuration_set_name
    } : {},
    local.sends_mail && var.operators_email != "" ? { OPERATORS_EMAIL = var.operators_email } : {},
  )
}

resource "aws_sesv2_configuration_set" "mail" {
  count                  = local.sends_mail ? 1 : 0
  configuration_set_name = "${local.prefix}-mail"
}

resource "aws_sesv2_email_identity" "mail" {
  count                  = local.sends_mail ? 1 : 0
  email_identity         = local.mail_domain
  configuration_set_name = aws_sesv2_configuration_set.mail[0].configuration_set_name
}
