# Who signs shoppers and operators in. By default a Cognito user pool (with an `admin`
# group, which the admin routes require); set jwt_issuer/jwt_audience to use any other
# OIDC issuer instead, and nothing here is created.

locals {
  create_user_pool = var.jwt_issuer == ""

  jwt_issuer = (
    local.create_user_pool
    ? "https://cognito-idp.${local.region}.amazonaws.com/${aws_cognito_user_pool.users[0].id}"
    : trimsuffix(var.jwt_issuer, "/")
  )
  jwt_audience = local.create_user_pool ? aws_cognito_user_pool_client.app[0].id : var.jwt_audience

  # Given to functions on routes where signing in is optional (no authorizer there).
  jwt_environment = {
    JWT_JWKS_URL = "${local.jwt_issuer}/.well-known/jwks.json"
    JWT_ISSUER   = local.jwt_issuer
    JWT_AUDIENCE = local.jwt_audience
  }
}

resource "aws_cognito_user_pool" "users" {
  count = local.create_user_pool ? 1 : 0

  name                = "${local.prefix}-users"
  deletion_protection = var.deletion_protection ? "ACTIVE" : "INACTIVE"

  # Shoppers sign up with their email address, which Cognito verifies.
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  username_configuration {
    case_sensitive = false
  }

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = false
    temporary_password_validity_days = 3
  }

  # Users may add an authenticator app; operators should.
  mfa_configuration = "OPTIONAL"
  software_token_mfa_configuration {
    enabled = true
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }
}

# Membership is what the admin routes (`x-mambogo-admin: true` in the OpenAPI file)
# check, through the token's cognito:groups claim.
resource "aws_cognito_user_group" "admin" {
  count = local.create_user_pool ? 1 : 0

  name         = "admin"
  user_pool_id = aws_cognito_user_pool.users[0].id
  description  = "Mambogo operators: may use the /admin routes"
}

# A public client (the storefront, a mobile app, the CLI): no secret, password sign-in
# and refresh.
resource "aws_cognito_user_pool_client" "app" {
  count = local.create_user_pool ? 1 : 0

  name            = "${local.prefix}-app"
  user_pool_id    = aws_cognito_user_pool.users[0].id
  generate_secret = false

  explicit_auth_flows = [
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
  ]

  # The storefront signs shoppers in on Cognito's hosted UI: the authorization code
  # flow with PKCE (a public client has no secret), back to the storefront's root.
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email"]
  supported_identity_providers         = ["COGNITO"]
  callback_urls                        = ["${local.storefront_url}/"]
  logout_urls                          = ["${local.storefront_url}/"]
  prevent_user_existence_errors        = "ENABLED"
  enable_token_revocation              = true

  id_token_validity      = 60
  access_token_validity  = 60
  refresh_token_validity = 30
  token_validity_units {
    id_token      = "minutes"
    access_token  = "minutes"
    refresh_token = "days"
  }
}

# The hosted UI's address: https://<prefix>-<account>.auth.<region>.amazoncognito.com.
resource "aws_cognito_user_pool_domain" "hosted_ui" {
  count = local.create_user_pool ? 1 : 0

  domain       = "${local.prefix}-${local.account_id}"
  user_pool_id = aws_cognito_user_pool.users[0].id
}
