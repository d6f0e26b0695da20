output "data_endpoint" {
  description = "The account's `iot:Data-ATS` host name, for the Data Plane (`IOT_DATA_ENDPOINT` is `https://` plus this)."
  value       = data.aws_iot_endpoint.data_ats.endpoint_address
}

output "mqtt_host" {
  description = "Host name game clients connect to: the domain configuration's when created, else the Data-ATS endpoint."
  value       = local.mqtt_host
}

output "websocket_url" {
  description = "MQTT over WebSocket URL for browsers (null until a new domain configuration has its name). Clients add `?x-amz-customauthorizer-name=<authorizer_name>&<authorizer_token_key_name>=<token>&x-amz-customauthorizer-signature=<url-encoded signature>`; with the domain configuration the name may be left out."
  value       = local.mqtt_host == null ? null : "wss://${local.mqtt_host}/mqtt"
}

output "authorizer_name" {
  description = "Name of the custom authorizer that clients name when they connect (`x-amz-customauthorizer-name`)."
  value       = aws_iot_authorizer.signed.name
}

output "authorizer_token_key_name" {
  description = "Query parameter (WSS) or username query key (MQTT) that carries the player token; IoT Core verifies its signature before invoking the authorizer."
  value       = aws_iot_authorizer.signed.token_key_name
}

output "authorizer_arn" {
  description = "ARN of the custom authorizer."
  value       = aws_iot_authorizer.signed.arn
}

output "rule_names" {
  description = "Topic rule names keyed by `send` and `whisper`, the `RuleName` dimension of their metrics."
  value       = { for key, rule in aws_iot_topic_rule.this : key => rule.name }
}

output "rule_arns" {
  description = "Topic rule ARNs keyed by `send` and `whisper`."
  value       = { for key, rule in aws_iot_topic_rule.this : key => rule.arn }
}

output "rule_error_log_group_name" {
  description = "Log group the rules' error action writes to."
  value       = aws_cloudwatch_log_group.rule_errors.name
}
