################################################################################
# General
################################################################################

variable "name" {
  description = "Name prefix of the topic, the alarms and the dashboard."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}$", var.name))
    error_message = "name must be 2-39 characters of a-z, 0-9 and -, starting with a letter."
  }
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  nullable    = false
  default     = {}
}

################################################################################
# Notifications
################################################################################

variable "alarm_actions_enabled" {
  description = "Send alarm state changes to the SNS topic. Off, the alarms still show state in the console and on the dashboard."
  type        = bool
  nullable    = false
  default     = true
}

variable "alarm_email_addresses" {
  description = "Email addresses subscribed to the alarm topic (each must confirm the subscription)."
  type        = list(string)
  nullable    = false
  default     = []

  validation {
    condition     = alltrue([for address in var.alarm_email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", address))])
    error_message = "alarm_email_addresses must be email addresses."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the alarm topic, or null for none (the AWS managed `aws/sns` key does not work: CloudWatch cannot use it). The key policy must let the `cloudwatch.amazonaws.com` service principal call kms:Decrypt and kms:GenerateDataKey*, or every alarm notification is dropped (infra/README.md has the statement)."
  type        = string
  default     = null
}

################################################################################
# What is watched
################################################################################

variable "function_names" {
  description = "Lambda function names to watch for errors and throttles, keyed by package (`message-filter` is the filter). Alarms take their names from the function names (without the `<name>-` prefix), not from the keys."
  type        = map(string)
}

variable "failed_events_queue_name" {
  description = "Name of the queue of failed filter events; any message in it raises an alarm."
  type        = string
}

variable "cache_cluster_ids" {
  description = "IDs of the cache nodes (primary and replicas)."
  type        = list(string)

  validation {
    condition     = length(var.cache_cluster_ids) >= 1
    error_message = "cache_cluster_ids needs at least one node."
  }
}

variable "rule_error_log_group_name" {
  description = "Log group the IoT rules' error action writes to; each event in it is a failed rule action."
  type        = string
}

variable "rule_names" {
  description = "IoT topic rule names keyed by a short label (`send`, `whisper`), the `RuleName` dimension of their metrics."
  type        = map(string)
}

variable "api_id" {
  description = "ID of the history HTTP API."
  type        = string
}

################################################################################
# Thresholds
################################################################################

variable "cache_cpu_percent" {
  description = "Alarm when a cache node's engine CPU averages above this for 15 minutes."
  type        = number
  nullable    = false
  default     = 75

  validation {
    condition     = var.cache_cpu_percent > 0 && var.cache_cpu_percent <= 100
    error_message = "cache_cpu_percent must be between 0 and 100."
  }
}

variable "cache_memory_percent" {
  description = "Alarm when a cache node uses more than this share of its max memory."
  type        = number
  nullable    = false
  default     = 80

  validation {
    condition     = var.cache_memory_percent > 0 && var.cache_memory_percent <= 100
    error_message = "cache_memory_percent must be between 0 and 100."
  }
}

variable "cache_replication_lag_seconds" {
  description = "Alarm when a replica lags the primary by more than this many seconds."
  type        = number
  nullable    = false
  default     = 2

  validation {
    condition     = var.cache_replication_lag_seconds > 0
    error_message = "cache_replication_lag_seconds must be above 0."
  }
}

variable "api_5xx_per_5_minutes" {
  description = "Alarm when the history API answers more than this many 5xx in five minutes."
  type        = number
  nullable    = false
  default     = 5

  validation {
    condition     = var.api_5xx_per_5_minutes >= 0
    error_message = "api_5xx_per_5_minutes must be 0 or more."
  }
}

variable "async_event_age_seconds" {
  description = "Alarm when a message-filter event waits longer than this in Lambda's asynchronous queue (AsyncEventAge maximum)."
  type        = number
  nullable    = false
  default     = 30

  validation {
    condition     = var.async_event_age_seconds >= 1
    error_message = "async_event_age_seconds must be at least 1."
  }
}

variable "connect_auth_errors_per_5_minutes" {
  description = "Alarm when IoT Core refuses more connects than this in five minutes (Connect.AuthError). Some refusals are normal: expired tokens, players on old builds."
  type        = number
  nullable    = false
  default     = 100

  validation {
    condition     = var.connect_auth_errors_per_5_minutes >= 0
    error_message = "connect_auth_errors_per_5_minutes must be 0 or more."
  }
}
