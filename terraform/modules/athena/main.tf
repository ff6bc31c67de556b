# The Athena workgroup Airflow queries in: engine version 3, its configuration enforced (clients
# cannot pick another result location or switch encryption off), results encrypted, a per-query
# scan cutoff, CloudWatch metrics; plus the project's SQL as named queries.

resource "aws_athena_workgroup" "this" {
  name          = var.workgroup_name
  description   = "spotify-pipeline queries (Airflow and people)."
  state         = "ENABLED"
  force_destroy = false

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff_per_query

    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location = "s3://${var.results_bucket}/athena/"

      encryption_configuration {
        encryption_option = var.kms_key_arn == null ? "SSE_S3" : "SSE_KMS"
        kms_key_arn       = var.kms_key_arn
      }
    }
  }
}

resource "aws_athena_named_query" "this" {
  for_each = var.named_queries

  name        = each.key
  description = "spotify-pipeline: ${each.key}"
  workgroup   = aws_athena_workgroup.this.id
  database    = var.database_name
  query       = each.value
}
