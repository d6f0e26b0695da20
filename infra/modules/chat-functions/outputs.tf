output "function_names" {
  description = "Function names keyed by package: `message-filter`, `chat-api`, `authorizer`."
  value       = { for key, fn in aws_lambda_function.this : key => fn.function_name }
}

output "function_arns" {
  description = "Function ARNs keyed by package."
  value       = { for key, fn in aws_lambda_function.this : key => fn.arn }
}

output "chat_api_invoke_arn" {
  description = "Invoke ARN of the chat-api function, for the HTTP API integration."
  value       = aws_lambda_function.this["chat-api"].invoke_arn
}

output "role_arns" {
  description = "Execution role ARNs keyed by package."
  value       = { for key, role in aws_iam_role.this : key => role.arn }
}

output "log_group_names" {
  description = "Log group names keyed by package."
  value       = { for key, group in aws_cloudwatch_log_group.this : key => group.name }
}

output "failed_events_queue_arn" {
  description = "ARN of the queue that receives filter events that failed all retries or expired."
  value       = aws_sqs_queue.failed_events.arn
}

output "failed_events_queue_name" {
  description = "Name of that queue, the `QueueName` dimension of its metrics."
  value       = aws_sqs_queue.failed_events.name
}

output "token_secret_arn" {
  description = "ARN of the player-token HS256 secret (given or generated), or null with a public key or JWKS. The game's backend signs tokens with its value."
  value       = local.token_secret_arn
}

output "message_filter_maximum_event_age_in_seconds" {
  description = "How long Lambda keeps a filter event before it goes to the failed-events queue, for the event-age alarm."
  value       = aws_lambda_function_event_invoke_config.message_filter.maximum_event_age_in_seconds
}

output "max_text" {
  description = "`CHAT_MAX_TEXT` the functions enforce, for clients that show a character counter."
  value       = var.max_text
}
