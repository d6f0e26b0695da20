output "api_id" {
  description = "ID of the HTTP API, the `ApiId` dimension of its metrics."
  value       = aws_apigatewayv2_api.this.id
}

output "api_url" {
  description = "Base URL of the API's `$default` stage, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com`."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "execution_arn" {
  description = "Execution ARN of the API."
  value       = aws_apigatewayv2_api.this.execution_arn
}

output "route_keys" {
  description = "Route keys of the API."
  value       = sort([for route in aws_apigatewayv2_route.this : route.route_key])
}

output "access_log_group_name" {
  description = "Log group of the stage's access logs."
  value       = aws_cloudwatch_log_group.access.name
}
