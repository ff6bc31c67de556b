environment = "prod"
region      = "eu-west-1"

raw_transition_to_ia_days      = 30
raw_expiration_days            = 0 # keep the raw history: it is the only copy of past states
athena_results_expiration_days = 30

lambda_memory_mb       = 3008
lambda_timeout_seconds = 900
log_retention_days     = 90

bytes_scanned_cutoff_per_query = 10737418240 # 10 GiB
force_destroy                  = false

airflow_trusted_principals = {
  services = ["airflow-env.amazonaws.com", "airflow.amazonaws.com"]
  arns     = []
}
