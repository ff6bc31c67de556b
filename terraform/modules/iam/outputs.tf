output "lambda_role_arn" {
  description = "Role of the transform Lambda."
  value       = aws_iam_role.lambda.arn
}

output "crawler_role_arn" {
  description = "Role of the Glue crawler."
  value       = aws_iam_role.crawler.arn
}

output "airflow_role_arn" {
  description = "Role Airflow assumes (MWAA execution role, or an instance/task role)."
  value       = aws_iam_role.airflow.arn
}
