# scripts/deploy.mjs writes websocket_url, authorizer_name, authorizer_token_key_name, api_url,
# topic_prefix and max_text_length into the web demo's config.json; `pnpm smoke -- --outputs`
# reads these outputs too (with the two *_secret_arn ones for signing tokens).

output "websocket_url" {
  description = "MQTT over WebSocket URL for browsers and games."
  value       = module.chat.websocket_url
}

output "authorizer_name" {
  description = "Custom authorizer clients name when they connect."
  value       = module.chat.authorizer_name
}

output "authorizer_token_key_name" {
  description = "Query parameter (or MQTT username query key) that carries the player token."
  value       = module.chat.authorizer_token_key_name
}

output "authorizer_signing_key_secret_arn" {
  description = "Secrets Manager ARN of the private key that signs tokens for the authorizer."
  value       = module.chat.authorizer_signing_key_secret_arn
}

output "api_url" {
  description = "Base URL of the HTTP API (history and moderation)."
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
  description = "Secrets Manager ARN of the HS256 player-token secret, or null when player tokens use a key pair."
  value       = module.chat.token_secret_arn
}

output "token_private_key_secret_arn" {
  description = "Secrets Manager ARN of the private player-token key (ES256), or null when player tokens use an HS256 secret."
  value       = module.chat.token_private_key_secret_arn
}

output "alarm_topic_arn" {
  description = "SNS topic of the alarms."
  value       = module.chat.alarm_topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the chat."
  value       = module.chat.dashboard_name
}
