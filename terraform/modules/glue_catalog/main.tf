# The Glue catalog of the curated zone: one database, one crawler with a target per table folder
# (so each folder becomes exactly one table, partitioned by snapshot_date / played_date), schema
# changes updated in the database while deletions are only logged, and encryption at rest of
# what the crawler writes.

resource "aws_glue_catalog_database" "this" {
  name        = var.database_name
  description = "spotify-pipeline curated tables (Parquet in s3://${var.curated_bucket})."
}

resource "aws_glue_security_configuration" "this" {
  name = var.crawler_name

  encryption_configuration {
    cloudwatch_encryption {
      cloudwatch_encryption_mode = var.kms_key_arn == null ? "DISABLED" : "SSE-KMS"
      kms_key_arn                = var.kms_key_arn
    }

    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = var.kms_key_arn == null ? "DISABLED" : "CSE-KMS"
      kms_key_arn                   = var.kms_key_arn
    }

    s3_encryption {
      s3_encryption_mode = var.kms_key_arn == null ? "SSE-S3" : "SSE-KMS"
      kms_key_arn        = var.kms_key_arn
    }
  }
}

resource "aws_glue_crawler" "this" {
  name                   = var.crawler_name
  description            = "Catalogs the curated Parquet tables; started by Airflow, never scheduled."
  database_name          = aws_glue_catalog_database.this.name
  role                   = var.crawler_role_arn
  security_configuration = aws_glue_security_configuration.this.name

  dynamic "s3_target" {
    for_each = toset(var.tables)

    content {
      path       = "s3://${var.curated_bucket}/${s3_target.value}/"
      exclusions = ["**/_*", "**/.*"]
    }
  }

  schema_change_policy {
    update_behavior = var.recrawl_new_folders_only ? "LOG" : "UPDATE_IN_DATABASE"
    delete_behavior = "LOG"
  }

  recrawl_policy {
    recrawl_behavior = var.recrawl_new_folders_only ? "CRAWL_NEW_FOLDERS_ONLY" : "CRAWL_EVERYTHING"
  }

  configuration = jsonencode({
    Version = 1
    Grouping = {
      TableGroupingPolicy     = "CombineCompatibleSchemas"
      TableLevelConfiguration = 2 # <bucket>/<table>/: the table folder is the table
    }
    CrawlerOutput = {
      Partitions = { AddOrUpdateBehavior = "InheritFromTable" }
      Tables     = { AddOrUpdateBehavior = "MergeNewColumns" }
    }
  })
}
