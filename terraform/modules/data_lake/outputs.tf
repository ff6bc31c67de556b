output "bucket_names" {
  description = "Bucket name per purpose: raw, curated, athena_results, artifacts, access_logs."
  value       = { for k, b in aws_s3_bucket.this : k => b.id }
}

output "bucket_arns" {
  description = "Bucket ARN per purpose."
  value       = { for k, b in aws_s3_bucket.this : k => b.arn }
}

output "raw_bucket_name" {
  description = "Bucket of the raw zone (API responses as received)."
  value       = aws_s3_bucket.this["raw"].id
}

output "curated_bucket_name" {
  description = "Bucket of the curated zone (Parquet tables)."
  value       = aws_s3_bucket.this["curated"].id
}

output "athena_results_bucket_name" {
  description = "Bucket of Athena query results."
  value       = aws_s3_bucket.this["athena_results"].id
}

output "artifacts_bucket_name" {
  description = "Bucket holding the Lambda deployment package."
  value       = aws_s3_bucket.this["artifacts"].id
}
