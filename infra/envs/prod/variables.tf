variable "region" {
  description = "AWS Region of the production stack."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS Region name such as eu-west-1."
  }
}

variable "cors_origins" {
  description = "Origins allowed to call the HTTP API: the game's and the web demo's origins. No default: production never allows `*` by accident."
  type        = list(string)

  validation {
    condition     = !contains(var.cors_origins, "*")
    error_message = "Production lists its origins explicitly; `*` is not allowed."
  }
}

variable "alarm_email_addresses" {
  description = "On-call addresses that receive production alarms."
  type        = list(string)

  validation {
    condition     = length(var.alarm_email_addresses) >= 1
    error_message = "Production alarms need at least one recipient."
  }
}
