# scripts/deploy.mjs writes websocket_url, authorizer_name, api_url, topic_prefix and
# max_text_length into the web demo's config.json.

output "websocket_url" {
  description = "MQTT over WebSocket URL for browsers and games."
  value       = module.chat.websocket_url
}

output "authorizer_name" {
  description = "Custom authorizer clients name when they connect."
  value       = module.chat.authorizer_name
}

output "api_url" {
  description = "Base URL of the history HTTP API."
  value       = module.chat.api_url
}

output "mqtt_host" {
  description = "IoT host name for MQTT clients."
  value       = module.chat.mqtt_host
}

output "topic_prefix" {
  description = "First level of every chat topic."
  value       = module.chat.topic_prefix
}

output "max_text_length" {
  description = "Longest message text in code points, for the web demo's counter."
  value       = module.chat.max_text_length
}

output "token_secret_arn" {
  description = "Secrets Manager ARN of the HS256 player-token secret (read it to sign tokens for playtests)."
  value       = module.chat.token_secret_arn
}

output "alarm_topic_arn" {
  description = "SNS topic of the alarms."
  value       = module.chat.alarm_topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the chat."
  value       = module.chat.dashboard_name
}
