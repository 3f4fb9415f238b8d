# The search index's snapshots: one S3 bucket, written by the indexer (the function whose
# manifest entry has `searchIndex: "write"`, index-catalog) and read by the functions
# that search (`searchIndex: "read"`). The object key (catalog-index/snapshot) is the
# code's; functions are told the bucket's name as SEARCH_INDEX_BUCKET (functions.tf).
#
# Every snapshot is a new version of the one key: a reader that fetched the previous
# version keeps a consistent index, and a bad snapshot can be rolled back to one of the
# five kept before it. Runs of the indexer may overlap: each publish is a conditional
# write (If-Match the ETag it started from, If-None-Match: * for the first), so none
# replaces a snapshot it has not seen. Snapshots are rebuilt from the tables at will
# (scripts/rebuild-search-index), so nothing here is the only copy of anything.

locals {
  # <prefix>-search-index-<account id>: 50 characters with a 16-character environment,
  # within S3's 63 (checks.tf). The account id makes the name unique across accounts.
  search_index_bucket_prefix = "${local.prefix}-search-index-"

  search_index_functions = { for name, fn in local.functions : name => fn.search_index if fn.search_index != null }
  # The indexer (output index_catalog_function, which scripts/rebuild-search-index
  # invokes): the queue function that writes the snapshots. Conditional publishes would
  # let several write safely, but the output names one, and fails the plan if there are
  # more.
  search_index_writers = [for name, access in local.search_index_functions : name if access == "write" && local.functions[name].trigger == "queue"]
}

resource "aws_s3_bucket" "search_index" {
  #checkov:skip=CKV_AWS_18:The bucket holds one derived object, the search index snapshot, rebuilt from the DynamoDB tables at will; it is written by index-catalog only and read by the searching functions, each logging to its own log group. Server access logs would need a second bucket (itself unlogged) for data whose source of record is the tables; object-level auditing, if required, is CloudTrail S3 data events for the account.
  #checkov:skip=CKV_AWS_144:Cross-region replication would copy data that is derived, not owned: a snapshot is rebuilt from the DynamoDB tables at will (scripts/rebuild-search-index), and a replica in another region would have no stack there to read it.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to a new snapshot: the searching functions ask S3 for the newest version themselves, and the indexer learns of another run's publish from its own conditional write failing, so event notifications would have no consumer.
  bucket = "${local.search_index_bucket_prefix}${local.account_id}"

  # Without deletion protection (a throwaway environment) `terraform destroy` deletes the
  # snapshots, all their versions included; with it, a bucket that holds any refuses to go.
  force_destroy = !var.deletion_protection
}

resource "aws_s3_bucket_public_access_block" "search_index" {
  bucket = aws_s3_bucket.search_index.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# No ACLs: the account owns every object, whoever wrote it.
resource "aws_s3_bucket_ownership_controls" "search_index" {
  bucket = aws_s3_bucket.search_index.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# The stack's key, with an S3 bucket key: S3 asks KMS for a data key per bucket and
# period, not per object. The functions use the key only through S3 (kms:ViaService in
# modules/function).
resource "aws_s3_bucket_server_side_encryption_configuration" "search_index" {
  bucket = aws_s3_bucket.search_index.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.main.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "search_index" {
  bucket = aws_s3_bucket.search_index.id

  versioning_configuration {
    status = "Enabled"
  }
}

# A snapshot replaced more than a day ago is deleted, except the five newest replaced
# ones (a rollback's candidates); an upload the writer abandoned goes after a day.
resource "aws_s3_bucket_lifecycle_configuration" "search_index" {
  bucket = aws_s3_bucket.search_index.id

  rule {
    id     = "old-snapshots"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days           = 1
      newer_noncurrent_versions = 5
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  # The rule applies to versions; versioning must be on first.
  depends_on = [aws_s3_bucket_versioning.search_index]
}

# Requests over plain HTTP are refused, whoever sends them. A Deny of every S3 action
# ("s3:*"), as AWS documents it: a list of actions would leave the others allowed over
# HTTP. The functions' own grants are in modules/function.
resource "aws_s3_bucket_policy" "search_index" {
  bucket = aws_s3_bucket.search_index.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyWithoutTls"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource = [
          aws_s3_bucket.search_index.arn,
          "${aws_s3_bucket.search_index.arn}/*",
        ]
        Condition = {
          Bool = { "aws:SecureTransport" = "false" }
        }
      },
    ]
  })

  # S3 refuses a bucket policy while the public access block is being put
  # (OperationAborted), so the two are put one after the other.
  depends_on = [aws_s3_bucket_public_access_block.search_index]
}
