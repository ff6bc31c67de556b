environment = "dev"
region      = "eu-west-1"

raw_transition_to_ia_days      = 30
raw_expiration_days            = 180
athena_results_expiration_days = 7

lambda_memory_mb       = 3008
lambda_timeout_seconds = 600
log_retention_days     = 14

bytes_scanned_cutoff_per_query = 1073741824 # 1 GiB
force_destroy                  = true

airflow_trusted_principals = {
  services = ["ec2.amazonaws.com"]
  arns     = []
}
