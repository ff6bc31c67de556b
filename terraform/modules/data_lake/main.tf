# The data lake: raw (API responses, immutable), curated (Parquet), athena-results, artifacts
# (the Lambda package) and access-logs. Every bucket: public access blocked, owner-enforced
# objects, encryption by default, versioning, TLS-only policy, lifecycle; all but the log
# bucket log their access to it.

locals {
  buckets = {
    raw            = "${var.name_prefix}-raw"
    curated        = "${var.name_prefix}-curated"
    athena_results = "${var.name_prefix}-athena-results"
    artifacts      = "${var.name_prefix}-artifacts"
    access_logs    = "${var.name_prefix}-access-logs"
  }
  logged = { for k, v in local.buckets : k => v if k != "access_logs" }
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice left to the operator; raw data can be re-extracted.
  #checkov:skip=CKV2_AWS_62:No consumer of S3 event notifications: the DAG orchestrates every step.
  #checkov:skip=CKV_AWS_18:Access logging is configured below for every bucket but the log bucket itself.
  #checkov:skip=CKV_AWS_145:SSE-KMS is used when kms_key_arn is set; SSE-S3 otherwise, by the operator's choice.
  for_each = local.buckets

  bucket        = each.value
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = local.buckets

  bucket                  = aws_s3_bucket.this[each.key].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  rule {
    apply_server_side_encryption_by_default {
      # S3 server access logs can only be delivered to SSE-S3 buckets.
      sse_algorithm     = var.kms_key_arn != null && each.key != "access_logs" ? "aws:kms" : "AES256"
      kms_master_key_id = each.key != "access_logs" ? var.kms_key_arn : null
    }
    bucket_key_enabled = var.kms_key_arn != null && each.key != "access_logs"
  }
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  versioning_configuration {
    status = "Enabled"
  }
}

data "aws_iam_policy_document" "tls_only" {
  for_each = local.buckets

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.this[each.key].arn,
      "${aws_s3_bucket.this[each.key].arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  dynamic "statement" {
    for_each = each.key == "access_logs" ? [1] : []

    content {
      sid       = "AllowS3ServerAccessLogs"
      effect    = "Allow"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.this[each.key].arn}/logs/*"]

      principals {
        type        = "Service"
        identifiers = ["logging.s3.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [data.aws_caller_identity.current.account_id]
      }
    }
  }
}

data "aws_caller_identity" "current" {}

resource "aws_s3_bucket_policy" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id
  policy = data.aws_iam_policy_document.tls_only[each.key].json

  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_bucket_logging" "this" {
  for_each = local.logged

  bucket        = aws_s3_bucket.this[each.key].id
  target_bucket = aws_s3_bucket.this["access_logs"].id
  target_prefix = "logs/${each.value}/"
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
  }

  dynamic "rule" {
    for_each = each.key == "raw" ? [1] : []

    content {
      id     = "raw-to-infrequent-access"
      status = "Enabled"

      filter {}

      abort_incomplete_multipart_upload {
        days_after_initiation = 7
      }

      transition {
        days          = var.raw_transition_to_ia_days
        storage_class = "STANDARD_IA"
      }

      dynamic "expiration" {
        for_each = var.raw_expiration_days > 0 ? [var.raw_expiration_days] : []

        content {
          days = expiration.value
        }
      }
    }
  }

  # Staging copies are committed (and removed) within one run; one left by a crash is repaired
  # by the next run of its date or never needed again: expire it after a few days.
  dynamic "rule" {
    for_each = contains(["raw", "curated"], each.key) ? [1] : []

    content {
      id     = "expire-staging"
      status = "Enabled"

      filter {
        prefix = each.key == "raw" ? "spotify/_staging/" : "_staging/"
      }

      expiration {
        days = var.staging_expiration_days
      }
    }
  }

  dynamic "rule" {
    for_each = each.key == "athena_results" ? [1] : []

    content {
      id     = "expire-query-results"
      status = "Enabled"

      filter {}

      abort_incomplete_multipart_upload {
        days_after_initiation = 7
      }

      expiration {
        days = var.athena_results_expiration_days
      }
    }
  }

  dynamic "rule" {
    for_each = each.key == "access_logs" ? [1] : []

    content {
      id     = "expire-access-logs"
      status = "Enabled"

      filter {}

      abort_incomplete_multipart_upload {
        days_after_initiation = 7
      }

      expiration {
        days = var.access_log_expiration_days
      }
    }
  }
}
