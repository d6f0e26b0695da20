output "data_endpoint" {
  description = "The account's `iot:Data-ATS` host name, for the Data Plane (`IOT_DATA_ENDPOINT` is `https://` plus this)."
  value       = data.aws_iot_endpoint.data_ats.endpoint_address
}

output "mqtt_host" {
  description = "Host name game clients connect to: the domain configuration's when created, else the Data-ATS endpoint."
  value       = local.mqtt_host
}

output "websocket_url" {
  description = "MQTT over WebSocket URL for browsers; add `?x-amz-customauthorizer-name=<authorizer_name>` unless the domain configuration is used."
  value       = "wss://${local.mqtt_host}/mqtt"
}

output "authorizer_name" {
  description = "Name of the custom authorizer that clients name when they connect."
  value       = aws_iot_authorizer.this.name
}

output "authorizer_arn" {
  description = "ARN of the custom authorizer."
  value       = aws_iot_authorizer.this.arn
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
