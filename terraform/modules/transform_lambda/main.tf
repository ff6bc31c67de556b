# The transform function: python3.12 on x86_64, from the zip scripts/build-lambda makes
# (polars and the handler; boto3 comes from the runtime). The zip goes through S3 because it is
# close to the 50 MB direct-upload limit; its hash makes a new build a new deployment.

locals {
  function_name = var.function_name
  runtime       = "python3.12"
  package_key   = "lambda/transform-${filesha256(var.package_path)}.zip"
}

resource "aws_s3_object" "package" {
  bucket      = var.artifacts_bucket
  key         = local.package_key
  source      = var.package_path
  source_hash = filemd5(var.package_path)
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is the operator's variable (cost); 30 days by default.
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by Airflow, which sees every error; a DLQ only applies to async invokes.
  #checkov:skip=CKV_AWS_117:Talks only to S3 over TLS; no VPC resources to reach.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile the operator owns; the package hash is tracked instead.
  function_name = local.function_name
  description   = "spotify-pipeline transform: raw Spotify responses to curated Parquet (polars)."
  role          = var.role_arn
  runtime       = local.runtime
  architectures = ["x86_64"]
  handler       = "spotify_transform.handler.lambda_handler"

  s3_bucket        = aws_s3_object.package.bucket
  s3_key           = aws_s3_object.package.key
  source_code_hash = filebase64sha256(var.package_path)

  memory_size                    = var.memory_mb
  timeout                        = var.timeout_seconds
  reserved_concurrent_executions = var.reserved_concurrency
  kms_key_arn                    = var.kms_key_arn

  environment {
    variables = {
      RAW_BUCKET                   = var.raw_bucket
      CURATED_BUCKET               = var.curated_bucket
      SPOTIFY_MAX_QUARANTINE_RATIO = tostring(var.max_quarantine_ratio)
      POLARS_MAX_THREADS           = "0"
    }
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this.name
  }
}
