# Every name Airflow needs; scripts/tf-outputs-to-env turns them into .env entries.

output "raw_bucket" {
  description = "RAW_BUCKET"
  value       = module.data_lake.raw_bucket_name
}

output "curated_bucket" {
  description = "CURATED_BUCKET"
  value       = module.data_lake.curated_bucket_name
}

output "athena_results_bucket" {
  description = "ATHENA_RESULTS_BUCKET"
  value       = module.data_lake.athena_results_bucket_name
}

output "transform_function" {
  description = "TRANSFORM_FUNCTION"
  value       = module.transform_lambda.function_name
}

output "glue_database" {
  description = "GLUE_DATABASE"
  value       = module.glue_catalog.database_name
}

output "glue_crawler" {
  description = "GLUE_CRAWLER"
  value       = module.glue_catalog.crawler_name
}

output "athena_workgroup" {
  description = "ATHENA_WORKGROUP"
  value       = module.athena.workgroup_name
}

output "aws_region" {
  description = "Region, for the aws_default connection."
  value       = var.region
}

output "airflow_role_arn" {
  description = "Role for the Airflow workers' instance or task (attach it to an EC2 instance profile or an ECS task; for Amazon MWAA, add these statements to an execution role that also grants what MWAA needs: logs, metrics, SQS)."
  value       = module.iam.airflow_role_arn
}

output "lambda_reserved_concurrency" {
  description = "Reserved concurrency of the transform function (null: none), for SPOTIFY_LAMBDA_RESERVED_CONCURRENCY."
  value       = var.lambda_reserved_concurrency
}

output "lambda_runtime" {
  description = "Runtime of the transform function."
  value       = module.transform_lambda.runtime
}
