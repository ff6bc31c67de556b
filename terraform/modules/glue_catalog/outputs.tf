output "database_name" {
  description = "Glue database of the curated tables (GLUE_DATABASE for Airflow)."
  value       = aws_glue_catalog_database.this.name
}

output "crawler_name" {
  description = "Name of the crawler (GLUE_CRAWLER for Airflow)."
  value       = aws_glue_crawler.this.name
}

output "crawler_targets" {
  description = "S3 paths the crawler reads, one per table."
  value       = [for t in var.tables : "s3://${var.curated_bucket}/${t}/"]
}
