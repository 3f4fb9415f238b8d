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

module "search_index_bucket" {
  source = "./modules/private_bucket"

  name = "${local.search_index_bucket_prefix}${local.account_id}"
  # Without deletion protection (a throwaway environment) `terraform destroy` deletes the
  # snapshots, all their versions included; with it, a bucket that holds any refuses to go.
  force_destroy = !var.deletion_protection
  # The stack's key. The functions use it only through S3 (kms:ViaService in
  # modules/function).
  kms_key_arn = aws_kms_key.main.arn
  # A snapshot replaced more than a day ago is deleted, except the five newest replaced
  # ones (a rollback's candidates).
  noncurrent_days           = 1
  newer_noncurrent_versions = 5
}

moved {
  from = aws_s3_bucket.search_index
  to   = module.search_index_bucket.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_public_access_block.search_index
  to   = module.search_index_bucket.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_ownership_controls.search_index
  to   = module.search_index_bucket.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.search_index
  to   = module.search_index_bucket.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_versioning.search_index
  to   = module.search_index_bucket.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.search_index
  to   = module.search_index_bucket.aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_policy.search_index
  to   = module.search_index_bucket.aws_s3_bucket_policy.this
}
