variable "region" {
  description = "AWS Region of the dev stack."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS Region name such as eu-west-1."
  }
}

variable "cors_origins" {
  description = "Origins allowed to call the HTTP API; dev allows any so the web demo works from a laptop."
  type        = list(string)
  default     = ["*"]
}

variable "alarm_email_addresses" {
  description = "Who gets dev alarm emails. Dev alarms do not notify by default (see main.tf); the topic exists for testing."
  type        = list(string)
  default     = []
}
