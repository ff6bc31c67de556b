output "function_name" {
  description = "Name of the transform function (TRANSFORM_FUNCTION for Airflow)."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the transform function."
  value       = aws_lambda_function.this.arn
}

output "runtime" {
  description = "Lambda runtime; scripts/build-lambda builds for the same one."
  value       = aws_lambda_function.this.runtime
}

output "log_group_name" {
  description = "CloudWatch log group of the function."
  value       = aws_cloudwatch_log_group.this.name
}
