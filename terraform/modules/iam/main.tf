# One least-privilege role per actor. No wildcard actions; resources scoped by ARN (object-level
# ARNs end in /* or a prefix, as S3 requires). ARNs of the function, crawler and workgroup are
# built from their names, so this module does not depend on the modules that create them.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  region    = data.aws_region.current.region
  partition = data.aws_partition.current.partition

  function_arn  = "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${var.function_name}"
  crawler_arn   = "arn:${local.partition}:glue:${local.region}:${local.account}:crawler/${var.crawler_name}"
  catalog_arn   = "arn:${local.partition}:glue:${local.region}:${local.account}:catalog"
  database_arn  = "arn:${local.partition}:glue:${local.region}:${local.account}:database/${var.glue_database_name}"
  tables_arn    = "arn:${local.partition}:glue:${local.region}:${local.account}:table/${var.glue_database_name}/*"
  workgroup_arn = "arn:${local.partition}:athena:${local.region}:${local.account}:workgroup/${var.athena_workgroup_name}"
  lambda_logs   = "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/aws/lambda/${var.function_name}"
  crawler_logs  = "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/aws-glue/crawlers*"

  kms = var.kms_key_arn == null ? [] : [var.kms_key_arn]
}

# ------------------------------------------------------------------------- transform Lambda

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "lambda" {
  statement {
    sid       = "ListRawAndCurated"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arns["raw"], var.bucket_arns["curated"]]
  }

  statement {
    sid       = "ReadRaw"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arns["raw"]}/spotify/*"]
  }

  statement {
    sid       = "WriteCurated"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${var.bucket_arns["curated"]}/*"]
  }

  statement {
    sid       = "ClearMergedShards"
    actions   = ["s3:DeleteObject"]
    resources = ["${var.bucket_arns["curated"]}/_staging/*"]
  }

  # A streams merge removes the months no committed export file holds any more (an import that
  # never committed, rolled back by the next merge).
  statement {
    sid       = "RollBackStreamsMonths"
    actions   = ["s3:DeleteObject"]
    resources = ["${var.bucket_arns["curated"]}/streams/*"]
  }

  statement {
    sid       = "OwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.lambda_logs}:*"]
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # X-Ray has no resource-level permissions for these two actions
  }

  dynamic "statement" {
    for_each = local.kms

    content {
      sid       = "BucketKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role" "lambda" {
  name               = "${var.name_prefix}-transform-lambda"
  description        = "Runs the transform: reads raw, writes curated, writes its own logs."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

resource "aws_iam_role_policy" "lambda" {
  name   = "transform"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda.json
}

# ------------------------------------------------------------------------- Glue crawler

data "aws_iam_policy_document" "crawler_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "crawler" {
  statement {
    sid       = "ListCurated"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arns["curated"]]
  }

  statement {
    sid       = "ReadCurated"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arns["curated"]}/*"]
  }

  statement {
    sid = "WriteTablesInItsDatabase"
    actions = [
      "glue:GetDatabase",
      "glue:GetTable",
      "glue:GetTables",
      "glue:CreateTable",
      "glue:UpdateTable",
      "glue:GetPartition",
      "glue:GetPartitions",
      "glue:BatchGetPartition",
      "glue:CreatePartition",
      "glue:BatchCreatePartition",
      "glue:UpdatePartition",
      "glue:BatchUpdatePartition",
    ]
    resources = [local.catalog_arn, local.database_arn, local.tables_arn]
  }

  statement {
    sid       = "CrawlerLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]
    resources = [local.crawler_logs]
  }

  dynamic "statement" {
    for_each = local.kms

    content {
      sid       = "BucketKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role" "crawler" {
  name               = "${var.name_prefix}-glue-crawler"
  description        = "Crawls the curated zone into its Glue database."
  assume_role_policy = data.aws_iam_policy_document.crawler_assume.json
}

resource "aws_iam_role_policy" "crawler" {
  name   = "crawl"
  role   = aws_iam_role.crawler.id
  policy = data.aws_iam_policy_document.crawler.json
}

# ------------------------------------------------------------------------- Airflow

data "aws_iam_policy_document" "airflow_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    dynamic "principals" {
      for_each = length(var.airflow_trusted_principals.services) > 0 ? [1] : []

      content {
        type        = "Service"
        identifiers = var.airflow_trusted_principals.services
      }
    }

    dynamic "principals" {
      for_each = length(var.airflow_trusted_principals.arns) > 0 ? [1] : []

      content {
        type        = "AWS"
        identifiers = var.airflow_trusted_principals.arns
      }
    }
  }
}

data "aws_iam_policy_document" "airflow" {
  statement {
    sid       = "InvokeTheTransform"
    actions   = ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"]
    resources = [local.function_arn]
  }

  statement {
    sid       = "RunTheCrawler"
    actions   = ["glue:StartCrawler", "glue:GetCrawler"]
    resources = [local.crawler_arn]
  }

  statement {
    sid = "ReadTheCatalogAndCreateViews"
    actions = [
      "glue:GetDatabase",
      "glue:GetTable",
      "glue:GetTables",
      "glue:GetPartition",
      "glue:GetPartitions",
      "glue:BatchGetPartition",
      "glue:BatchCreatePartition",
      "glue:CreateTable",
      "glue:UpdateTable",
    ]
    resources = [local.catalog_arn, local.database_arn, local.tables_arn]
  }

  statement {
    sid = "QueryInTheWorkgroup"
    actions = [
      "athena:StartQueryExecution",
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:StopQueryExecution",
      "athena:GetWorkGroup",
    ]
    resources = [local.workgroup_arn]
  }

  statement {
    sid = "ListBuckets"
    actions = [
      "s3:ListBucket",
      "s3:GetBucketLocation",
    ]
    resources = [var.bucket_arns["raw"], var.bucket_arns["curated"], var.bucket_arns["athena_results"]]
  }

  statement {
    sid       = "ExtractIntoRaw"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.bucket_arns["raw"]}/spotify/*"]
  }

  statement {
    sid       = "ReadCuratedForAthenaAndReports"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${var.bucket_arns["curated"]}/*"]
  }

  statement {
    sid       = "AthenaResults"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${var.bucket_arns["athena_results"]}/*"]
  }

  dynamic "statement" {
    for_each = local.kms

    content {
      sid       = "BucketKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role" "airflow" {
  name               = "${var.name_prefix}-airflow"
  description        = "Orchestrates: extract to raw, invoke the transform, crawl, query."
  assume_role_policy = data.aws_iam_policy_document.airflow_assume.json
}

resource "aws_iam_role_policy" "airflow" {
  name   = "orchestrate"
  role   = aws_iam_role.airflow.id
  policy = data.aws_iam_policy_document.airflow.json
}
