output "bucket" {
  description = "The bucket's name."
  value       = aws_s3_bucket.this.bucket
}

output "id" {
  value = aws_s3_bucket.this.id
}

output "arn" {
  value = aws_s3_bucket.this.arn
}

output "regional_domain_name" {
  description = "The bucket's regional endpoint host, as CloudFront reaches it."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}
