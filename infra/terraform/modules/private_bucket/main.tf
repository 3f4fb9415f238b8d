# A private, versioned bucket as the stack keeps every one: no public access and no
# ACLs, encrypted at rest, plain HTTP refused to everyone, replaced versions expired.
# Both of the stack's buckets hold what can be made again (the search index's snapshots
# are rebuilt from the tables, the storefront's pages are copied from web/ by every
# apply), which is what the checks skipped below rest on.

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:Whoever reads these buckets logs it: the functions reading the search index's snapshot their log groups, CloudFront's requests for the storefront's pages API Gateway and the browser's own. Server access logs would need a second bucket (itself unlogged) for objects whose source of record is elsewhere; object-level auditing, if required, is CloudTrail S3 data events for the account.
  #checkov:skip=CKV_AWS_144:Cross-region replication would copy data that is derived, not owned (snapshots rebuilt from the tables, pages copied from the repository), and a replica in another region would have no stack there to read it.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to a new object: the searching functions ask S3 for the newest snapshot themselves, and CloudFront reads the storefront's pages on a cache miss.
  #checkov:skip=CKV_AWS_145:The search index's bucket is encrypted with the stack's KMS key (kms_key_arn); the storefront's pages, public by purpose, use SSE-S3 so that CloudFront's service principal needs no grant on that key.
  bucket        = var.name
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# No ACLs: the account owns every object, whoever wrote it.
resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# With a KMS key, an S3 bucket key: S3 asks KMS for a data key per bucket and period,
# not per object.
resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

# A replaced version goes after `noncurrent_days`, except the newest
# `newer_noncurrent_versions`; an upload the writer abandoned goes after a day.
resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "replaced-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days           = var.noncurrent_days
      newer_noncurrent_versions = var.newer_noncurrent_versions
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  # The rule applies to versions; versioning must be on first.
  depends_on = [aws_s3_bucket_versioning.this]
}

# Requests over plain HTTP are refused, whoever sends them. A Deny of every S3 action
# ("s3:*"), as AWS documents it: a list of actions would leave the others allowed over
# HTTP. A CloudFront distribution, when one is named, may read the objects.
resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(var.cloudfront_reader_arn == null ? [] : [
      {
        Sid       = "CloudFrontReads"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = "s3:GetObject"
        Resource  = "${aws_s3_bucket.this.arn}/*"
        Condition = {
          StringEquals = { "AWS:SourceArn" = var.cloudfront_reader_arn }
        }
      },
      ], [
      {
        Sid       = "DenyWithoutTls"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource = [
          aws_s3_bucket.this.arn,
          "${aws_s3_bucket.this.arn}/*",
        ]
        Condition = {
          Bool = { "aws:SecureTransport" = "false" }
        }
      },
    ])
  })

  # S3 refuses a bucket policy while the public access block is being put
  # (OperationAborted), so the two are put one after the other.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
