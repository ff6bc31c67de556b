variable "project" {
  type        = string
  description = "Project name, first part of every resource name."
  default     = "spotify-pipeline"
}

variable "environment" {
  type        = string
  description = "Environment name (dev, prod), second part of every resource name; validated by modules/naming."
}

variable "region" {
  type        = string
  description = "AWS region of every resource."
}

variable "package_path" {
  type        = string
  description = "The Lambda zip built by scripts/build-lambda."
  default     = "../../../dist/transform-lambda.zip"
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed KMS key for buckets, Lambda, Glue and Athena; null uses AWS-managed encryption."
  default     = null
}

variable "raw_transition_to_ia_days" {
  type        = number
  description = "Days before raw responses move to Standard-IA."
}

variable "raw_expiration_days" {
  type        = number
  description = "Days before raw responses expire (0 keeps them)."
}

variable "athena_results_expiration_days" {
  type        = number
  description = "Days before Athena results expire."
}

variable "lambda_memory_mb" {
  type        = number
  description = "Memory of the transform function."
}

variable "lambda_timeout_seconds" {
  type        = number
  description = "Timeout of the transform function."
}

variable "lambda_reserved_concurrency" {
  type        = number
  description = "Reserved concurrency of the transform function; null (the default) reserves none, which a new account's concurrency quota of 10 requires."
  default     = null
  nullable    = true
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the function's logs."
}

variable "bytes_scanned_cutoff_per_query" {
  type        = number
  description = "Athena per-query scan limit in bytes."
}

variable "force_destroy" {
  type        = bool
  description = "Allow destroying non-empty buckets."
}

variable "airflow_trusted_principals" {
  type = object({
    services = list(string)
    arns     = list(string)
  })
  description = "Who may assume the Airflow role (see modules/iam)."
}

variable "time_zone" {
  type        = string
  description = "The listener's IANA time zone (SPOTIFY_TIMEZONE) in the saved copies of the views and report queries: days, hours and streaks of listening."
  default     = "UTC"
}
