variable "function_name" {
  type        = string
  description = "Function name (`<project>-<env>-transform`, from the naming module)."
}

variable "package_path" {
  type        = string
  description = "Path of dist/transform-lambda.zip built by scripts/build-lambda."
}

variable "artifacts_bucket" {
  type        = string
  description = "Bucket the package is uploaded to (zips above 50 MB cannot be uploaded directly)."
}

variable "role_arn" {
  type        = string
  description = "Execution role (iam module: lambda_role_arn)."
}

variable "raw_bucket" {
  type        = string
  description = "Raw zone bucket name (the function's RAW_BUCKET)."
}

variable "curated_bucket" {
  type        = string
  description = "Curated zone bucket name (the function's CURATED_BUCKET)."
}

variable "memory_mb" {
  type        = number
  description = "Memory in MB; CPU grows with it (about 1 vCPU per 1769 MB)."
  default     = 3008

  validation {
    condition     = var.memory_mb >= 512 && var.memory_mb <= 10240
    error_message = "memory_mb must be between 512 and 10240."
  }
}

variable "timeout_seconds" {
  type        = number
  description = "Function timeout; Airflow's read timeout is set above it."
  default     = 600

  validation {
    condition     = var.timeout_seconds >= 30 && var.timeout_seconds <= 900
    error_message = "timeout_seconds must be between 30 and 900."
  }
}

variable "reserved_concurrency" {
  type        = number
  description = "Reserved concurrent executions, or null (the default) for none. A new account's quota of 10 leaves no room to reserve any (AWS keeps 10 unreserved); cap the DAG's parallel invocations with SPOTIFY_TRANSFORM_MAX_PARALLEL instead."
  default     = null
  nullable    = true

  validation {
    condition     = var.reserved_concurrency == null ? true : var.reserved_concurrency >= 1
    error_message = "reserved_concurrency must be null (none) or at least 1."
  }
}

variable "log_retention_days" {
  type        = number
  description = "CloudWatch log retention of the function's log group."
  default     = 30
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for the environment variables and the log group; null uses AWS-owned keys."
  default     = null
}

variable "max_quarantine_ratio" {
  type        = number
  description = "SPOTIFY_MAX_QUARANTINE_RATIO default of the function."
  default     = 0.05
}
