provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}

module "naming" {
  source = "../../modules/naming"

  project     = var.project
  environment = var.environment
}

locals {
  name_prefix = module.naming.prefix
  sql_dir     = "${path.module}/../../../dags/spotify_etl/sql"
  # Saved queries must run as saved: the report templates' date placeholder becomes the latest
  # snapshot date (the same text as spotify_etl.sql.LATEST_SNAPSHOT; a test runs them), and the
  # views' and templates' time zone placeholder the listener's zone (SPOTIFY_TIMEZONE).
  named_queries = {
    for f in fileset(local.sql_dir, "{views,reports}/*.sql") :
    trimsuffix(replace(f, "/", "_"), ".sql") => replace(replace(
      file("${local.sql_dir}/${f}"), "'{{ snapshot_date }}'", "(SELECT max(snapshot_date) FROM playlists)"
    ), "'{{ time_zone }}'", "'${var.time_zone}'")
  }
}

module "data_lake" {
  source = "../../modules/data_lake"

  name_prefix                    = local.name_prefix
  kms_key_arn                    = var.kms_key_arn
  raw_transition_to_ia_days      = var.raw_transition_to_ia_days
  raw_expiration_days            = var.raw_expiration_days
  athena_results_expiration_days = var.athena_results_expiration_days
  force_destroy                  = var.force_destroy
}

module "iam" {
  source = "../../modules/iam"

  name_prefix                = local.name_prefix
  bucket_arns                = module.data_lake.bucket_arns
  kms_key_arn                = var.kms_key_arn
  function_name              = module.naming.transform_function
  crawler_name               = module.naming.glue_crawler
  glue_database_name         = module.naming.glue_database
  athena_workgroup_name      = module.naming.athena_workgroup
  airflow_trusted_principals = var.airflow_trusted_principals
}

module "transform_lambda" {
  source = "../../modules/transform_lambda"

  function_name        = module.naming.transform_function
  package_path         = var.package_path
  artifacts_bucket     = module.data_lake.artifacts_bucket_name
  role_arn             = module.iam.lambda_role_arn
  raw_bucket           = module.data_lake.raw_bucket_name
  curated_bucket       = module.data_lake.curated_bucket_name
  memory_mb            = var.lambda_memory_mb
  timeout_seconds      = var.lambda_timeout_seconds
  reserved_concurrency = var.lambda_reserved_concurrency
  log_retention_days   = var.log_retention_days
  kms_key_arn          = var.kms_key_arn
}

module "glue_catalog" {
  source = "../../modules/glue_catalog"

  database_name    = module.naming.glue_database
  crawler_name     = module.naming.glue_crawler
  curated_bucket   = module.data_lake.curated_bucket_name
  crawler_role_arn = module.iam.crawler_role_arn
  kms_key_arn      = var.kms_key_arn
}

module "athena" {
  source = "../../modules/athena"

  workgroup_name                 = module.naming.athena_workgroup
  results_bucket                 = module.data_lake.athena_results_bucket_name
  database_name                  = module.glue_catalog.database_name
  bytes_scanned_cutoff_per_query = var.bytes_scanned_cutoff_per_query
  kms_key_arn                    = var.kms_key_arn
  named_queries                  = local.named_queries
}
