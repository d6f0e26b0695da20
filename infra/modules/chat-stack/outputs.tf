output "websocket_url" {
  description = "MQTT over WebSocket URL for browsers and games (`wss://<iot host>/mqtt`); clients add the authorizer name, the token and its signature as query parameters."
  value       = module.iot_chat.websocket_url
}

output "mqtt_host" {
  description = "IoT host name for MQTT clients (port 443 with ALPN `mqtt`, or WebSocket)."
  value       = module.iot_chat.mqtt_host
}

output "authorizer_name" {
  description = "Custom authorizer clients name in `x-amz-customauthorizer-name`."
  value       = module.iot_chat.authorizer_name
}

output "authorizer_token_key_name" {
  description = "Query parameter (or MQTT username query key) that carries the player token."
  value       = module.iot_chat.authorizer_token_key_name
}

output "authorizer_signing_key_secret_arn" {
  description = "Secrets Manager ARN of the private key that signs tokens for the authorizer (the issuer reads it), or null."
  value       = var.authorizer_signing_key_secret_arn
}

output "api_url" {
  description = "Base URL of the HTTP API (history and moderation)."
  value       = module.chat_api.api_url
}

output "iot_data_endpoint" {
  description = "The account's IoT Data-ATS host name."
  value       = module.iot_chat.data_endpoint
}

output "topic_prefix" {
  description = "First level of every chat topic."
  value       = var.topic_prefix
}

output "max_text_length" {
  description = "Longest message text in code points (`CHAT_MAX_TEXT`)."
  value       = module.functions.max_text
}

output "token_secret_arn" {
  description = "Secrets Manager ARN of the HS256 player-token secret the game's backend signs with (null with a public key or JWKS)."
  value       = module.functions.token_secret_arn
}

output "token_private_key_secret_arn" {
  description = "Secrets Manager ARN of the private player-token key (RS256/ES256) the game's backend signs with, or null."
  value       = var.tokens.private_key_secret_arn
}

output "function_names" {
  description = "Lambda function names keyed by package."
  value       = module.functions.function_names
}

output "failed_events_queue_name" {
  description = "Queue of filter events that failed every retry."
  value       = module.functions.failed_events_queue_name
}

output "alarm_topic_arn" {
  description = "SNS topic of the alarms."
  value       = module.monitoring.alarm_topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the chat."
  value       = module.monitoring.dashboard_name
}
