# State in S3 with native locking. Bucket, key and region come from -backend-config, e.g.
#   terraform init -backend-config=bucket=<state-bucket> -backend-config=key=spotify-pipeline/prod.tfstate \
#                  -backend-config=region=eu-west-1
terraform {
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}
