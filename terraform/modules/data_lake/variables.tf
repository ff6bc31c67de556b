variable "name_prefix" {
  type        = string
  description = "Prefix of every name, `<project>-<env>` (e.g. spotify-pipeline-dev)."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{2,40}$", var.name_prefix))
    error_message = "name_prefix must be 3-41 lowercase letters, digits or hyphens (S3 bucket naming)."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for SSE-KMS on every bucket; null uses SSE-S3 (AES256)."
  default     = null
}

variable "raw_transition_to_ia_days" {
  type        = number
  description = "Days after which raw responses move to S3 Standard-IA."
  default     = 30

  validation {
    condition     = var.raw_transition_to_ia_days >= 30
    error_message = "S3 allows the Standard-IA transition after 30 days at the earliest."
  }
}

variable "raw_expiration_days" {
  type        = number
  description = "Days after which raw responses expire; 0 keeps them forever."
  default     = 730

  validation {
    condition     = var.raw_expiration_days == 0 || var.raw_expiration_days > 30
    error_message = "raw_expiration_days must be 0 (keep) or more than the 30-day IA transition."
  }
}

variable "athena_results_expiration_days" {
  type        = number
  description = "Days after which Athena query results expire."
  default     = 30
}

variable "noncurrent_version_expiration_days" {
  type        = number
  description = "Days a replaced object version is kept (versioning protects against bad overwrites)."
  default     = 30
}

variable "access_log_expiration_days" {
  type        = number
  description = "Days S3 server access logs are kept."
  default     = 365
}

variable "force_destroy" {
  type        = bool
  description = "Allow `terraform destroy` to delete non-empty buckets (dev only)."
  default     = false
}

variable "staging_expiration_days" {
  type        = number
  description = "Days after which an extract's or a split transform's left-over staging objects expire."
  default     = 7

  validation {
    condition     = var.staging_expiration_days >= 1
    error_message = "staging_expiration_days must be at least 1."
  }
}
