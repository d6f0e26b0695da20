################################################################################
# General
################################################################################

variable "name" {
  description = "Name prefix. Rule names are `<name>_send` and `<name>_whisper` with `-` turned into `_` (IoT rule names allow no hyphens)."
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
# Topic rules
################################################################################

variable "topic_prefix" {
  description = "First level of every chat topic; substituted for `$${topic_prefix}` in the rule SQL. Must equal the functions' `CHAT_TOPIC_PREFIX`."
  type        = string
  nullable    = false
  default     = "chat"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,32}$", var.topic_prefix))
    error_message = "topic_prefix must be 1-32 characters of A-Z, a-z, 0-9, _ or -."
  }
}

variable "rules_dir" {
  description = "Folder with `chat-send.sql` and `chat-whisper.sql`, the rule SQL shared with the local stack. Null means the repository's `infra/rules`."
  type        = string
  default     = null
}

variable "message_filter_function_name" {
  description = "Name of the message-filter function the rules invoke."
  type        = string
}

variable "message_filter_function_arn" {
  description = "ARN of the message-filter function the rules invoke."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:lambda:", var.message_filter_function_arn))
    error_message = "message_filter_function_arn must be a Lambda function ARN."
  }
}

variable "presence_function_name" {
  description = "Name of the presence function the lifecycle rules invoke."
  type        = string
}

variable "presence_function_arn" {
  description = "ARN of the presence function the lifecycle rules invoke."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:lambda:", var.presence_function_arn))
    error_message = "presence_function_arn must be a Lambda function ARN."
  }
}

variable "error_log_retention_days" {
  description = "Retention of the log group that the rules' error action writes failed invocations to."
  type        = number
  nullable    = false
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.error_log_retention_days)
    error_message = "error_log_retention_days must be a value CloudWatch Logs accepts, e.g. 7, 14, 30 or 90."
  }
}

################################################################################
# Custom authorizer
################################################################################

variable "authorizer_function_name" {
  description = "Name of the authorizer function."
  type        = string
}

variable "authorizer_function_arn" {
  description = "ARN of the authorizer function."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:lambda:", var.authorizer_function_arn))
    error_message = "authorizer_function_arn must be a Lambda function ARN."
  }
}

variable "authorizer_name" {
  description = "Name of the custom authorizer (`x-amz-customauthorizer-name`). Give each stack in an account its own: envs use `game-chat-<env>-token-authorizer`."
  type        = string
  nullable    = false
  default     = "game-chat-token-authorizer"

  validation {
    condition     = can(regex("^[\\w=,@-]{1,128}$", var.authorizer_name))
    error_message = "authorizer_name must be 1-128 characters of letters, digits, _, =, ,, @ and - (IoT Core's pattern)."
  }
}

variable "authorizer_token_key_name" {
  description = "Name of the query parameter (or MQTT username query key) that carries the player token, whose signature IoT Core checks."
  type        = string
  nullable    = false
  default     = "token"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,128}$", var.authorizer_token_key_name))
    error_message = "authorizer_token_key_name must be 1-128 characters of letters, digits, _ and - (IoT Core's pattern)."
  }
}

variable "authorizer_signing_public_keys" {
  description = "Token-signing public keys, key name => PEM (`-----BEGIN PUBLIC KEY-----`, RSA 2048 or larger). IoT Core accepts a signature made with any of them, so a rotation adds the new key before the issuer switches. The private keys stay in Secrets Manager, never here."
  type        = map(string)
  nullable    = false
  default     = {}

  validation {
    condition = alltrue([
      for name, pem in var.authorizer_signing_public_keys :
      can(regex("^[a-zA-Z0-9:_-]{1,128}$", name)) && startswith(trimspace(pem), "-----BEGIN PUBLIC KEY-----") && endswith(trimspace(pem), "-----END PUBLIC KEY-----")
    ])
    error_message = "authorizer_signing_public_keys must map key names of letters, digits, :, _ and - to PEM public keys (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----)."
  }
}

variable "create_domain_configuration" {
  description = "Create an AWS-managed domain configuration whose default authorizer is the chat authorizer, so clients need not name it. It gets its own host name (output `mqtt_host`)."
  type        = bool
  nullable    = false
  default     = false
}
