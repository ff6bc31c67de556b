output "prefix" {
  description = "`<project>-<env>`, the prefix of every name."
  value       = local.prefix
}

output "transform_function" {
  description = "Name of the transform Lambda function."
  value       = "${local.prefix}-transform"
}

output "glue_crawler" {
  description = "Name of the Glue crawler."
  value       = "${local.prefix}-curated"
}

output "glue_database" {
  description = "Name of the Glue database (underscores: Athena identifiers)."
  value       = replace("${local.prefix}_curated", "-", "_")
}

output "athena_workgroup" {
  description = "Name of the Athena workgroup."
  value       = "${local.prefix}-analytics"
}
