output "workgroup_name" {
  description = "Athena workgroup (ATHENA_WORKGROUP for Airflow)."
  value       = aws_athena_workgroup.this.name
}

output "results_location" {
  description = "Where the workgroup writes query results."
  value       = "s3://${var.results_bucket}/athena/"
}

output "named_query_ids" {
  description = "Named query IDs by name."
  value       = { for k, q in aws_athena_named_query.this : k => q.id }
}
