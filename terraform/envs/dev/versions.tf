terraform {
  # 1.10+: the S3 backend locks with a lock file (use_lockfile), no DynamoDB table needed.
  required_version = ">= 1.10, < 2.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}
