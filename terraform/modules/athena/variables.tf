variable "workgroup_name" {
  type        = string
  description = "Workgroup name (from the naming module)."
}

variable "results_bucket" {
  type        = string
  description = "Athena results bucket name (data_lake: athena_results_bucket_name)."
}

variable "database_name" {
  type        = string
  description = "Glue database the named queries run in."
}

variable "bytes_scanned_cutoff_per_query" {
  type        = number
  description = "Cancel any query that scans more bytes than this (cost guard; minimum 10 MB)."
  default     = 10737418240 # 10 GiB

  validation {
    condition     = var.bytes_scanned_cutoff_per_query >= 10485760
    error_message = "Athena's minimum bytes_scanned_cutoff_per_query is 10 MB (10485760)."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for query results (SSE_KMS); null uses SSE_S3."
  default     = null
}

variable "named_queries" {
  type        = map(string)
  description = "Named queries by name (the SQL files of dags/spotify_etl/sql), saved in the workgroup."
  default     = {}
}
