################################################################################
# General
################################################################################

variable "name" {
  description = "Name prefix of every resource, e.g. `game-chat-dev`."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,33}$", var.name))
    error_message = "name must be 2-34 characters of a-z, 0-9 and -, starting with a letter."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "packages_dir" {
  description = "Folder with the function packages, `<repo>/packages`: `pnpm build` writes each Lambda zip to `<packages_dir>/<function>/dist/lambda.zip`."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the cache, its secrets and the alarm topic; null uses AWS managed keys (and leaves the alarm topic unencrypted)."
  type        = string
  default     = null
}

variable "secret_recovery_window_days" {
  description = "Days Secrets Manager keeps the generated secrets (cache AUTH token, player-token secret) recoverable after a destroy; 0 deletes them at once."
  type        = number
  default     = 7
  nullable    = false
}

variable "log_retention_days" {
  description = "Retention of the Lambda, rule-error and access log groups."
  type        = number
  default     = 14
  nullable    = false
}

################################################################################
# What players and browsers see
################################################################################

variable "topic_prefix" {
  description = "First level of every chat topic (`CHAT_TOPIC_PREFIX`), the same for the rules and the functions."
  type        = string
  default     = "chat"
  nullable    = false
}

variable "cors_origins" {
  description = "Origins allowed to call the HTTP API from a browser (the web demo's origin); `*` allows any. API Gateway answers CORS (the chat-api module's `cors_allow_origins` checks them); the function sets no CORS header."
  type        = list(string)
  default     = ["*"]
  nullable    = false
}

################################################################################
# Parts (each attribute left out takes the module's default)
################################################################################

variable "network" {
  description = "Settings of the network module: `create_vpc`, `vpc_id`, `private_subnet_ids`, `vpc_cidr`, `az_count`, `enable_nat_gateway`, `enable_iot_data_endpoint`, `enable_secretsmanager_endpoint` (turn the last off in a VPC that already has a Secrets Manager endpoint with private DNS)."
  type = object({
    create_vpc                     = optional(bool)
    vpc_id                         = optional(string)
    private_subnet_ids             = optional(list(string))
    vpc_cidr                       = optional(string)
    az_count                       = optional(number)
    enable_nat_gateway             = optional(bool)
    enable_iot_data_endpoint       = optional(bool)
    enable_secretsmanager_endpoint = optional(bool)
  })
  default  = {}
  nullable = false
}

variable "cache" {
  description = "Settings of the chat-cache module: `engine`, `engine_version`, `node_type`, `replica_count`, `snapshot_retention_days`, `apply_immediately`, and the AUTH token rotation's `auth_token_version` and `auth_token_update_strategy` (steps in modules/chat-cache/README.md)."
  type = object({
    engine                     = optional(string)
    engine_version             = optional(string)
    node_type                  = optional(string)
    replica_count              = optional(number)
    snapshot_retention_days    = optional(number)
    apply_immediately          = optional(bool)
    auth_token_version         = optional(number)
    auth_token_update_strategy = optional(string)
  })
  default  = {}
  nullable = false
}

variable "functions" {
  description = "Settings of the chat-functions module: `runtime`, and per function (`message_filter`, `chat_api`, `authorizer`, `presence`) `memory_size`, `timeout` and `reserved_concurrency`."
  type = object({
    runtime = optional(string)
    memory_size = optional(object({
      message_filter = optional(number)
      chat_api       = optional(number)
      authorizer     = optional(number)
      presence       = optional(number)
    }))
    timeout = optional(object({
      message_filter = optional(number)
      chat_api       = optional(number)
      authorizer     = optional(number)
      presence       = optional(number)
    }))
    reserved_concurrency = optional(object({
      message_filter = optional(number)
      chat_api       = optional(number)
      authorizer     = optional(number)
      presence       = optional(number)
    }))
  })
  default  = {}
  nullable = false
}

variable "chat" {
  description = "Chat settings of contract §6, validated by the chat-functions module: `history_seconds`, `history_max`, `max_text`, `rate_burst`, `rate_per_second`, `channel_rate_per_second`, `profanity`, `history_require_auth`, `redis_key_prefix`, `channel_classes` (a list of `{ pattern, window, cap }`), `presence_interval_ms`, `presence_max_members`, `presence_stale_seconds`, `max_blocks`, `report_retention_days`."
  type = object({
    history_seconds         = optional(number)
    history_max             = optional(number)
    max_text                = optional(number)
    rate_burst              = optional(number)
    rate_per_second         = optional(number)
    channel_rate_per_second = optional(number)
    profanity               = optional(string)
    history_require_auth    = optional(bool)
    redis_key_prefix        = optional(string)
    channel_classes = optional(list(object({
      pattern = string
      window  = string
      cap     = number
    })))
    presence_interval_ms   = optional(number)
    presence_max_members   = optional(number)
    presence_stale_seconds = optional(number)
    max_blocks             = optional(number)
    report_retention_days  = optional(number)
  })
  default  = {}
  nullable = false
}

variable "tokens" {
  description = "How player tokens are verified: at most one of `secret_arn` (HS256 secret in Secrets Manager), `public_key` (PEM, RS256 or ES256) or `jwks_url`; none generates an HS256 secret unless `generate_secret = false`. `private_key_secret_arn` names the Secrets Manager secret holding the private half of `public_key`, for the issuer (only passed to the outputs). `secret_version` rotates the generated secret."
  type = object({
    secret_arn             = optional(string)
    public_key             = optional(string)
    jwks_url               = optional(string)
    private_key_secret_arn = optional(string)
    generate_secret        = optional(bool, true)
    secret_version         = optional(number)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.tokens.private_key_secret_arn == null || var.tokens.public_key != null
    error_message = "tokens.private_key_secret_arn goes with tokens.public_key: it is the private half of that key."
  }

  validation {
    condition     = var.tokens.private_key_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+-[A-Za-z0-9]{6}$", coalesce(var.tokens.private_key_secret_arn, "-")))
    error_message = "tokens.private_key_secret_arn must be the full ARN of a Secrets Manager secret (ending in -AbCdEf)."
  }
}

variable "authorizer_name" {
  description = "Name of the IoT custom authorizer (`x-amz-customauthorizer-name`); each stack in an account needs its own."
  type        = string
  default     = "game-chat-token-authorizer"
  nullable    = false
}

variable "authorizer_token_key_name" {
  description = "Query parameter (or MQTT username query key) that carries the player token."
  type        = string
  default     = "token"
  nullable    = false
}

variable "authorizer_signing_public_keys" {
  description = "Token-signing public keys of the authorizer, key name => PEM; `node scripts/deploy.mjs keys <env>` creates a pair and writes the public half under `envs/<env>/keys/authorizer/`."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "authorizer_signing_key_secret_arn" {
  description = "Secrets Manager secret whose string is the PEM private key that signs tokens for the authorizer (created by infra/bootstrap, filled by `node scripts/deploy.mjs keys <env>`). Only passed to the outputs, for the token issuer and the smoke test; Terraform never reads its value."
  type        = string
  default     = null

  validation {
    condition     = var.authorizer_signing_key_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+-[A-Za-z0-9]{6}$", coalesce(var.authorizer_signing_key_secret_arn, "-")))
    error_message = "authorizer_signing_key_secret_arn must be the full ARN of a Secrets Manager secret (ending in -AbCdEf)."
  }
}

variable "message_filter" {
  description = "Asynchronous invocation of the message filter (infra/README.md explains the defaults): `retry_budget_ms` (`CHAT_RETRY_BUDGET_MS`), `maximum_event_age_in_seconds` (also `CHAT_MAX_EVENT_AGE_SECONDS`), `maximum_retry_attempts`, `failed_events_retention_seconds`."
  type = object({
    retry_budget_ms                 = optional(number)
    maximum_event_age_in_seconds    = optional(number)
    maximum_retry_attempts          = optional(number)
    failed_events_retention_seconds = optional(number)
  })
  default  = {}
  nullable = false
}

variable "iot" {
  description = "Settings of the iot-chat module: `create_domain_configuration`."
  type = object({
    create_domain_configuration = optional(bool)
  })
  default  = {}
  nullable = false
}

variable "api" {
  description = "Settings of the chat-api module: `throttling_rate_limit`, `throttling_burst_limit` (the stage's, per route), `moderator_throttling_rate_limit`, `moderator_throttling_burst_limit` (each moderator route's)."
  type = object({
    throttling_rate_limit            = optional(number)
    throttling_burst_limit           = optional(number)
    moderator_throttling_rate_limit  = optional(number)
    moderator_throttling_burst_limit = optional(number)
  })
  default  = {}
  nullable = false
}

variable "monitoring" {
  description = "Settings of the monitoring module: `alarm_actions_enabled`, `alarm_email_addresses`, `async_event_age_seconds` (alarm when a filter event waits longer)."
  type = object({
    alarm_actions_enabled   = optional(bool)
    alarm_email_addresses   = optional(list(string))
    async_event_age_seconds = optional(number)
  })
  default  = {}
  nullable = false
}
