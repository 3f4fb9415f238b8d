# The storefront: the pages of web/ in a private bucket, served with the API from one
# CloudFront distribution. Every first segment of an API path (/products, /cart, …)
# goes to the HTTP API, uncached; everything else to the bucket, through origin access
# control. The page and the API share an origin, as in the local shop, so the page
# calls the API at its own paths with no CORS, and assets/config.json (written here)
# tells it how shoppers sign in: Cognito's hosted UI, authorization code with PKCE.

locals {
  web_dir = "${local.repo_root}/web"

  # web/ as the local shop serves it: index.html at the root, every other file under
  # assets/. The README explains the folder; it is not a page.
  web_files = {
    for file in fileset(local.web_dir, "**") :
    (file == "index.html" ? file : "assets/${file}") => file
    if file != "README.md"
  }
  web_content_types = {
    html = "text/html; charset=utf-8"
    css  = "text/css; charset=utf-8"
    js   = "text/javascript; charset=utf-8"
    json = "application/json"
    svg  = "image/svg+xml"
    png  = "image/png"
    ico  = "image/x-icon"
  }

  # The API's first path segments, each one cache behaviour: "/products*" is both
  # /products and /products/{productId}.
  api_path_roots = sort(distinct([
    for key, operation in local.operations : split("/", operation.path)[1]
  ]))

  # Policies AWS manages, with the same ids in every account (CloudFront's
  # "Use managed cache policies" page): by id, because looking them up by name is a call
  # `terraform plan` would make offline.
  cloudfront_managed = {
    caching_optimized             = "658327ea-f89d-4fab-a63d-7e88639e58f6"
    caching_disabled              = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    all_viewer_except_host_header = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    security_headers              = "67f7725c-6f97-4210-82d7-5512b31e9d03"
  }

  storefront_url = "https://${aws_cloudfront_distribution.storefront.domain_name}"
}

# Only this distribution reads the files (beside the module's refusal of plain HTTP). A
# page replaced by a later apply is kept a week (a rollback's window), then deleted.
module "storefront_bucket" {
  source = "./modules/private_bucket"

  name          = "${local.prefix}-storefront-${local.account_id}"
  force_destroy = true
  # SSE-S3: the pages are public by purpose, and CloudFront's service principal then
  # needs no grant on the stack's key.
  kms_key_arn           = null
  noncurrent_days       = 7
  cloudfront_reader_arn = aws_cloudfront_distribution.storefront.arn
}

# The page and its assets are not fingerprinted (there is no build step): the browser
# asks again each time (no-cache, answered 304 when unchanged), and CloudFront keeps a
# copy for five minutes at most.
resource "aws_s3_object" "web" {
  for_each = local.web_files

  bucket        = module.storefront_bucket.id
  key           = each.key
  source        = "${local.web_dir}/${each.value}"
  source_hash   = filemd5("${local.web_dir}/${each.value}")
  content_type  = lookup(local.web_content_types, reverse(split(".", each.value))[0], "application/octet-stream")
  cache_control = "no-cache, s-maxage=300"
}

resource "aws_s3_object" "web_config" {
  bucket        = module.storefront_bucket.id
  key           = "assets/config.json"
  content_type  = "application/json"
  cache_control = "no-cache, s-maxage=60"
  content = jsonencode(local.create_user_pool ? {
    apiBase = ""
    signIn  = "cognito"
    cognito = {
      domain   = "https://${aws_cognito_user_pool_domain.hosted_ui[0].domain}.auth.${local.region}.amazoncognito.com"
      clientId = aws_cognito_user_pool_client.app[0].id
    }
    } : {
    apiBase = ""
    signIn  = "none"
    cognito = null
  })
}

resource "aws_cloudfront_origin_access_control" "storefront" {
  name                              = "${local.prefix}-storefront"
  description                       = "CloudFront reads the storefront bucket, signing each request"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_distribution" "storefront" {
  #checkov:skip=CKV_AWS_68:No WAF web ACL by default: the API behind it already throttles per route in API Gateway and counts per buyer and address in the functions (rate_limits.rs); a shop that wants AWS WAF's managed rules attaches a web ACL (which costs per month) with web_acl_id.
  #checkov:skip=CKV2_AWS_47:As CKV_AWS_68: no web ACL by default, so no Log4j rule in one.
  #checkov:skip=CKV_AWS_174:The distribution answers on its cloudfront.net name with CloudFront's certificate, whose TLS policy AWS sets (TLSv1 is refused only with a certificate of one's own); a shop on its own domain sets an ACM certificate and TLSv1.2_2021.
  #checkov:skip=CKV2_AWS_42:As CKV_AWS_174: a custom certificate comes with a custom domain, which is the shop's choice.
  #checkov:skip=CKV_AWS_310:One bucket and one API: there is no second origin to fail over to.
  #checkov:skip=CKV2_AWS_32:A response headers policy is attached to every behaviour: AWS's managed SecurityHeadersPolicy (HSTS, nosniff, frame options, referrer policy), by id; checkov recognises only a policy created in the module. The page's content security policy is in index.html, as the local shop also sends it.
  #checkov:skip=CKV_AWS_374:Where a shop sells is where it ships, which the shop decides: no country is refused by default (geo_restriction none).
  #checkov:skip=CKV_AWS_86:Standard logs need a bucket with ACLs enabled for CloudFront's log delivery; the stack's buckets have ACLs disabled (BucketOwnerEnforced). Every API request is logged by API Gateway's access log and the functions; requests for the static pages are not.
  comment             = "Mambogo storefront and API (${var.environment})"
  enabled             = true
  is_ipv6_enabled     = true
  http_version        = "http2and3"
  price_class         = "PriceClass_100"
  default_root_object = "index.html"

  origin {
    origin_id                = "storefront"
    domain_name              = module.storefront_bucket.regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.storefront.id
  }

  origin {
    origin_id   = "api"
    domain_name = replace(aws_apigatewayv2_api.shop.api_endpoint, "https://", "")

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id           = "storefront"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    viewer_protocol_policy     = "redirect-to-https"
    compress                   = true
    cache_policy_id            = local.cloudfront_managed.caching_optimized
    response_headers_policy_id = local.cloudfront_managed.security_headers
  }

  # The API: every method, nothing cached, every viewer header (the bearer token, the
  # cart id, the idempotency key) and the query string passed on; the Host header is
  # the API's own.
  dynamic "ordered_cache_behavior" {
    for_each = local.api_path_roots
    content {
      path_pattern               = "/${ordered_cache_behavior.value}*"
      target_origin_id           = "api"
      allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
      cached_methods             = ["GET", "HEAD"]
      viewer_protocol_policy     = "https-only"
      compress                   = true
      cache_policy_id            = local.cloudfront_managed.caching_disabled
      origin_request_policy_id   = local.cloudfront_managed.all_viewer_except_host_header
      response_headers_policy_id = local.cloudfront_managed.security_headers
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }

  lifecycle {
    precondition {
      condition     = length(local.api_path_roots) < 25
      error_message = "CloudFront allows 25 cache behaviours by default: the API has ${length(local.api_path_roots)} first path segments."
    }
  }
}
