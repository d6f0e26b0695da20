################################################################################
# General
################################################################################

variable "name" {
  description = "Name prefix; the API is named `<name>-history`."
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
# Integration
################################################################################

variable "function_name" {
  description = "Name of the chat-api function; API Gateway gets permission to invoke it."
  type        = string
}

variable "function_invoke_arn" {
  description = "Invoke ARN of the chat-api function."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:apigateway:", var.function_invoke_arn))
    error_message = "function_invoke_arn must be a Lambda invoke ARN (arn:aws:apigateway:...)."
  }
}

variable "integration_timeout_ms" {
  description = "How long API Gateway waits for the function, in milliseconds."
  type        = number
  nullable    = false
  default     = 10000

  validation {
    condition     = var.integration_timeout_ms >= 50 && var.integration_timeout_ms <= 30000
    error_message = "integration_timeout_ms must be between 50 and 30000."
  }
}

################################################################################
# Stage
################################################################################

variable "throttling_rate_limit" {
  description = "Steady requests per second the `$default` stage lets through; more get `429`."
  type        = number
  nullable    = false
  default     = 100

  validation {
    condition     = var.throttling_rate_limit > 0
    error_message = "throttling_rate_limit must be above 0."
  }
}

variable "throttling_burst_limit" {
  description = "Burst of requests the `$default` stage lets through at once."
  type        = number
  nullable    = false
  default     = 200

  validation {
    condition     = var.throttling_burst_limit >= 1 && floor(var.throttling_burst_limit) == var.throttling_burst_limit
    error_message = "throttling_burst_limit must be a whole number of at least 1."
  }
}

variable "moderator_throttling_rate_limit" {
  description = "Steady requests per second each moderator route (announce, delete, mute, reports, slow mode) lets through; more get `429`. Lower than the stage's: moderator actions are rare and some reach whole rooms."
  type        = number
  nullable    = false
  default     = 5

  validation {
    condition     = var.moderator_throttling_rate_limit > 0
    error_message = "moderator_throttling_rate_limit must be above 0."
  }
}

variable "moderator_throttling_burst_limit" {
  description = "Burst of requests each moderator route lets through at once."
  type        = number
  nullable    = false
  default     = 10

  validation {
    condition     = var.moderator_throttling_burst_limit >= 1 && floor(var.moderator_throttling_burst_limit) == var.moderator_throttling_burst_limit
    error_message = "moderator_throttling_burst_limit must be a whole number of at least 1."
  }
}

variable "detailed_metrics_enabled" {
  description = "Per-route CloudWatch metrics on the stage; they are billed as custom metrics, so off by default."
  type        = bool
  default     = false
  nullable    = false
}

variable "access_log_retention_days" {
  description = "Retention of the access log group."
  type        = number
  nullable    = false
  default     = 14

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.access_log_retention_days)
    error_message = "access_log_retention_days must be a value CloudWatch Logs accepts, e.g. 7, 14, 30 or 90."
  }
}

################################################################################
# CORS
################################################################################

variable "cors_allow_origins" {
  description = "Origins browsers may call the API from, e.g. the web demo's `https://chat-demo.example.com`; `*` allows any. API Gateway answers preflights itself."
  type        = list(string)
  nullable    = false
  default     = ["*"]

  validation {
    condition     = length(var.cors_allow_origins) >= 1 && alltrue([for o in var.cors_allow_origins : o == "*" || can(regex("^https?://[^/]+$", o))])
    error_message = "cors_allow_origins must be `*` or origins like https://example.com (scheme and host, no path)."
  }
}
