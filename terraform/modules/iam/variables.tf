variable "name_prefix" {
  type        = string
  description = "Prefix of every name, `<project>-<env>`."
}

variable "bucket_arns" {
  type        = map(string)
  description = "Bucket ARNs by purpose (raw, curated, athena_results, artifacts) from data_lake."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key the buckets use; null when they use SSE-S3."
  default     = null
}

variable "function_name" {
  type        = string
  description = "Name of the transform Lambda function (the only one Airflow may invoke)."
}

variable "crawler_name" {
  type        = string
  description = "Name of the Glue crawler (the only one Airflow may start)."
}

variable "glue_database_name" {
  type        = string
  description = "Glue database the crawler writes and Athena reads."
}

variable "athena_workgroup_name" {
  type        = string
  description = "Athena workgroup Airflow runs queries in."
}

variable "airflow_trusted_principals" {
  type = object({
    services = list(string)
    arns     = list(string)
  })
  description = "Who may assume the Airflow role: AWS services (e.g. ec2.amazonaws.com, airflow-env.amazonaws.com for MWAA) and/or role/user ARNs."
  default = {
    services = ["airflow-env.amazonaws.com", "airflow.amazonaws.com"]
    arns     = []
  }
}
