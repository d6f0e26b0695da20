################################################################################
# General
################################################################################

variable "name" {
  description = "Name prefix; functions, their roles and log groups are named `<name>-message-filter`, `<name>-history-api` (the chat-api package, named as first deployed) and `<name>-authorizer`."
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
# Code and runtime
################################################################################

variable "packages_dir" {
  description = "Folder holding the function packages (`<repo>/packages`): `pnpm build` writes each function's zip to `<packages_dir>/<function>/dist/lambda.zip` (`message-filter`, `chat-api`, `authorizer`), with `handler.mjs` exporting `handler`."
  type        = string
}

variable "runtime" {
  description = "Lambda runtime of all three functions."
  type        = string
  nullable    = false
  default     = "nodejs22.x"

  validation {
    condition     = contains(["nodejs20.x", "nodejs22.x"], var.runtime)
    error_message = "runtime must be nodejs20.x or nodejs22.x (the bundles target Node 20)."
  }
}

variable "memory_size" {
  description = "Memory in MB per function; more memory also means more CPU."
  type = object({
    message_filter = optional(number, 256)
    chat_api       = optional(number, 256)
    authorizer     = optional(number, 256)
    presence       = optional(number, 256)
  })
  nullable = false
  default  = {}

  validation {
    condition     = alltrue([for mb in values(var.memory_size) : mb >= 128 && mb <= 10240])
    error_message = "memory_size values must be between 128 and 10240 MB."
  }
}

variable "timeout" {
  description = "Timeout in seconds per function. IoT Core gives a custom authorizer at most 5 s."
  type = object({
    message_filter = optional(number, 10)
    chat_api       = optional(number, 10)
    authorizer     = optional(number, 5)
    presence       = optional(number, 10)
  })
  nullable = false
  default  = {}

  validation {
    condition     = alltrue([for s in values(var.timeout) : s >= 1 && s <= 30])
    error_message = "timeout values must be between 1 and 30 seconds (the HTTP API waits 30 s at most)."
  }

  validation {
    condition     = var.timeout.authorizer <= 5
    error_message = "timeout.authorizer must be 5 seconds or less: IoT Core stops waiting for an authorizer after 5 s."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions per function; -1 leaves the function in the account's unreserved pool. Caps how many cache connections a burst can open."
  type = object({
    message_filter = optional(number, -1)
    chat_api       = optional(number, -1)
    authorizer     = optional(number, -1)
    presence       = optional(number, -1)
  })
  nullable = false
  default  = {}

  validation {
    condition     = alltrue([for n in values(var.reserved_concurrency) : n == -1 || n >= 1])
    error_message = "reserved_concurrency values must be -1 or at least 1."
  }
}

variable "log_retention_days" {
  description = "Retention of the functions' CloudWatch log groups."
  type        = number
  nullable    = false
  default     = 14

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts, e.g. 7, 14, 30 or 90."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key that encrypts the secrets the functions read and the failed-events queue, or null for AWS managed keys. The functions get kms:Decrypt on it, the filter also kms:GenerateDataKey (to send to the queue); its key policy must allow that (infra/README.md)."
  type        = string
  default     = null
}

################################################################################
# Asynchronous invocation of the message filter (infra/README.md explains the numbers)
################################################################################

variable "retry_budget_ms" {
  description = "`CHAT_RETRY_BUDGET_MS`: how long the filter retries a Redis or Data Plane failure inside one invocation (jittered backoff) before it answers the sender `unavailable`. Must be below `timeout.message_filter`."
  type        = number
  nullable    = false
  default     = 8000

  validation {
    condition     = var.retry_budget_ms >= 0 && var.retry_budget_ms <= 60000 && floor(var.retry_budget_ms) == var.retry_budget_ms
    error_message = "retry_budget_ms must be a whole number of milliseconds between 0 (one try, no retry) and 60000."
  }
}

variable "message_filter_maximum_event_age_in_seconds" {
  description = "How long Lambda keeps a filter event for retries before it goes to the failed-events queue; also the filter's `CHAT_MAX_EVENT_AGE_SECONDS`. Lambda retries about 60 s and then about 120 s after a failure, so 180 or more lets both retries run."
  type        = number
  nullable    = false
  default     = 300

  validation {
    condition     = var.message_filter_maximum_event_age_in_seconds >= 60 && var.message_filter_maximum_event_age_in_seconds <= 21600 && floor(var.message_filter_maximum_event_age_in_seconds) == var.message_filter_maximum_event_age_in_seconds
    error_message = "message_filter_maximum_event_age_in_seconds must be a whole number between 60 and 21600 (Lambda's limits)."
  }
}

variable "message_filter_maximum_retry_attempts" {
  description = "How many times Lambda retries a filter event that failed (0-2)."
  type        = number
  nullable    = false
  default     = 2

  validation {
    condition     = contains([0, 1, 2], var.message_filter_maximum_retry_attempts)
    error_message = "message_filter_maximum_retry_attempts must be 0, 1 or 2 (Lambda's limits)."
  }
}

variable "failed_events_retention_seconds" {
  description = "How long the failed-events queue keeps an event for inspection or redrive. Four days by default: long enough for a weekend, short enough that the queue-depth alarm clears by itself."
  type        = number
  nullable    = false
  default     = 345600

  validation {
    condition     = var.failed_events_retention_seconds >= 60 && var.failed_events_retention_seconds <= 1209600
    error_message = "failed_events_retention_seconds must be between 60 and 1209600 (SQS's limits)."
  }
}

################################################################################
# Network
################################################################################

variable "subnet_ids" {
  description = "Private subnets the functions run in (they all use the cache)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "Give the functions at least one subnet."
  }
}

variable "internet_egress" {
  description = "Whether the functions' subnets reach the internet (a NAT gateway). A `token_jwks_url` needs it: the functions fetch the JWKS from inside the VPC."
  type        = bool
  nullable    = false
  default     = false
}

variable "security_group_ids" {
  description = "Security groups of the functions (the network module's Lambda group)."
  type        = list(string)

  validation {
    condition     = length(var.security_group_ids) >= 1
    error_message = "Give the functions at least one security group."
  }
}

################################################################################
# Cache and Data Plane
################################################################################

variable "redis_url" {
  description = "`REDIS_URL` without credentials, e.g. the chat-cache module's `redis_url` (`rediss://<primary endpoint>:6379`)."
  type        = string

  validation {
    condition     = can(regex("^rediss://[^@/:]+:[0-9]+$", var.redis_url))
    error_message = "redis_url must be rediss://host:port with no credentials in it: the token comes from redis_auth_secret_arn."
  }
}

variable "redis_auth_secret_arn" {
  description = "Secrets Manager secret holding the cache AUTH token (`CHAT_REDIS_AUTH_SECRET_ARN`)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+-[A-Za-z0-9]{6}$", var.redis_auth_secret_arn))
    error_message = "redis_auth_secret_arn must be the full ARN of a Secrets Manager secret, ending in the six-character suffix (-AbCdEf): IAM grants on a partial ARN match nothing."
  }
}

variable "redis_key_prefix" {
  description = "`CHAT_REDIS_KEY_PREFIX`: prefix of every key the chat writes."
  type        = string
  nullable    = false
  default     = "gc"

  validation {
    condition     = can(regex("^[A-Za-z0-9_:.-]{1,64}$", var.redis_key_prefix))
    error_message = "redis_key_prefix must be 1-64 characters of A-Z, a-z, 0-9, _ : . or -."
  }
}

variable "iot_data_endpoint_address" {
  description = "The account's `iot:Data-ATS` host name; `IOT_DATA_ENDPOINT` is `https://` plus this."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+\\.amazonaws\\.com$", var.iot_data_endpoint_address))
    error_message = "iot_data_endpoint_address must be a host name such as abc123-ats.iot.eu-west-1.amazonaws.com."
  }
}

################################################################################
# Chat settings (contract §6)
################################################################################

variable "topic_prefix" {
  description = "`CHAT_TOPIC_PREFIX`: first level of every chat topic. The filter and chat-api functions may publish only under `<prefix>/room/*` and `<prefix>/inbox/*`."
  type        = string
  nullable    = false
  default     = "chat"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,32}$", var.topic_prefix))
    error_message = "topic_prefix must be 1-32 characters of A-Z, a-z, 0-9, _ or -."
  }
}

variable "history_seconds" {
  description = "`CHAT_HISTORY_SECONDS`: how long a channel keeps its messages."
  type        = number
  nullable    = false
  default     = 30

  validation {
    condition     = var.history_seconds >= 1 && var.history_seconds <= 86400 && floor(var.history_seconds) == var.history_seconds
    error_message = "history_seconds must be a whole number between 1 and 86400."
  }
}

variable "history_max" {
  description = "`CHAT_HISTORY_MAX`: most messages a channel keeps."
  type        = number
  nullable    = false
  default     = 200

  validation {
    condition     = var.history_max >= 1 && var.history_max <= 10000 && floor(var.history_max) == var.history_max
    error_message = "history_max must be a whole number between 1 and 10000."
  }
}

variable "channel_classes" {
  description = "`CHAT_CHANNEL_CLASSES`: ordered channel classes, each `{ pattern, window, cap }` (`{ pattern = \"guild-*\", window = \"7d\", cap = 1000 }`): channels matching `pattern` (a channel name, or a prefix and `*`) keep their messages for `window` (a number and s, m, h or d; at most 30d) and at most `cap` of them. The first match wins; a rule an earlier one covers is refused. Other channels use `history_seconds` and `history_max`."
  type = list(object({
    pattern = string
    window  = string
    cap     = number
  }))
  nullable = false
  default  = []

  validation {
    condition     = length(var.channel_classes) <= 32
    error_message = "channel_classes may hold at most 32 classes."
  }
  validation {
    condition     = alltrue([for c in var.channel_classes : can(regex("^[A-Za-z0-9_-]{1,64}\\*?$", c.pattern))])
    error_message = "channel_classes: each pattern must be a channel name (1-64 characters of A-Z, a-z, 0-9, _ or -), optionally followed by *."
  }
  validation {
    condition = alltrue([for c in var.channel_classes : can(regex("^[0-9]{1,9}[smhd]$", c.window)) && try(
      tonumber(trimsuffix(c.window, substr(c.window, -1, 1))) * lookup({ s = 1, m = 60, h = 3600, d = 86400 }, substr(c.window, -1, 1)) <= 2592000 &&
    tonumber(trimsuffix(c.window, substr(c.window, -1, 1))) >= 1, false)])
    error_message = "channel_classes: each window must be a number and s, m, h or d, from 1s to 30d."
  }
  validation {
    condition     = alltrue([for c in var.channel_classes : c.cap >= 1 && c.cap <= 10000 && floor(c.cap) == c.cap])
    error_message = "channel_classes: each cap must be a whole number between 1 and 10000."
  }
  validation {
    # An earlier `prefix*` covers every later pattern starting with that prefix, an earlier exact
    # name the same name: the later rule could never apply.
    condition = alltrue(flatten([for i, c in var.channel_classes : [for j in range(i) : !(
      endswith(var.channel_classes[j].pattern, "*")
      ? startswith(c.pattern, trimsuffix(var.channel_classes[j].pattern, "*"))
      : var.channel_classes[j].pattern == c.pattern
    )]]))
    error_message = "channel_classes: a class overlaps an earlier one that matches every channel it does, so it could never apply (list the more specific class first)."
  }
}

variable "max_text" {
  description = "`CHAT_MAX_TEXT`: longest message text in code points."
  type        = number
  nullable    = false
  default     = 500

  validation {
    condition     = var.max_text >= 1 && var.max_text <= 4000 && floor(var.max_text) == var.max_text
    error_message = "max_text must be a whole number between 1 and 4000 (a send payload is at most 8 KiB)."
  }
}

variable "rate_burst" {
  description = "`CHAT_RATE_BURST`: messages a player may send at once before the rate applies."
  type        = number
  nullable    = false
  default     = 5

  validation {
    condition     = var.rate_burst >= 1 && var.rate_burst <= 1000 && floor(var.rate_burst) == var.rate_burst
    error_message = "rate_burst must be a whole number between 1 and 1000."
  }
}

variable "rate_per_second" {
  description = "`CHAT_RATE_PER_SECOND`: a player's sustained messages per second."
  type        = number
  nullable    = false
  default     = 1

  validation {
    condition     = var.rate_per_second > 0 && var.rate_per_second <= 1000
    error_message = "rate_per_second must be above 0 and at most 1000."
  }
}

variable "channel_rate_per_second" {
  description = "`CHAT_CHANNEL_RATE_PER_SECOND`: messages per second one channel accepts from all players together."
  type        = number
  nullable    = false
  default     = 50

  validation {
    condition     = var.channel_rate_per_second > 0 && var.channel_rate_per_second <= 100000
    error_message = "channel_rate_per_second must be above 0 and at most 100000."
  }
}

variable "profanity" {
  description = "`CHAT_PROFANITY`: `mask` replaces listed words with `****`, `reject` refuses the message, `off` does nothing."
  type        = string
  nullable    = false
  default     = "mask"

  validation {
    condition     = contains(["mask", "reject", "off"], var.profanity)
    error_message = "profanity must be mask, reject or off."
  }
}

variable "history_require_auth" {
  description = "`CHAT_HISTORY_REQUIRE_AUTH`: the HTTP API wants a bearer player token on every route."
  type        = bool
  nullable    = false
  default     = true
}

variable "max_blocks" {
  description = "`CHAT_MAX_BLOCKS`: most players one player may block."
  type        = number
  nullable    = false
  default     = 500

  validation {
    condition     = var.max_blocks >= 1 && var.max_blocks <= 10000 && floor(var.max_blocks) == var.max_blocks
    error_message = "max_blocks must be a whole number between 1 and 10000."
  }
}

variable "report_retention_days" {
  description = "`CHAT_REPORT_RETENTION_DAYS`: how long a player report and its evidence are kept."
  type        = number
  nullable    = false
  default     = 30

  validation {
    condition     = var.report_retention_days >= 1 && var.report_retention_days <= 3650 && floor(var.report_retention_days) == var.report_retention_days
    error_message = "report_retention_days must be a whole number between 1 and 3650."
  }
}

################################################################################
# Player tokens (contract §4)
################################################################################

variable "token_secret_arn" {
  description = "Secrets Manager secret whose string is the HS256 secret the game's backend signs player tokens with (`CHAT_TOKEN_SECRET_ARN`). When this, `token_public_key` and `token_jwks_url` are all null, the module generates such a secret."
  type        = string
  default     = null

  validation {
    condition     = var.token_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+-[A-Za-z0-9]{6}$", coalesce(var.token_secret_arn, "-")))
    error_message = "token_secret_arn must be the full ARN of a Secrets Manager secret, ending in the six-character suffix (-AbCdEf): IAM grants on a partial ARN match nothing."
  }
}

variable "token_public_key" {
  description = "`CHAT_TOKEN_PUBLIC_KEY`: PEM public key (RS256 or ES256) that verifies player tokens, instead of an HS256 secret."
  type        = string
  default     = null

  validation {
    condition     = var.token_public_key == null || can(regex("^-----BEGIN PUBLIC KEY-----", trimspace(coalesce(var.token_public_key, "-"))))
    error_message = "token_public_key must be a PEM block starting with -----BEGIN PUBLIC KEY-----."
  }
}

variable "token_jwks_url" {
  description = "`CHAT_TOKEN_JWKS_URL`: HTTPS URL of the JWKS that verifies player tokens. The functions fetch it from inside the VPC, so it needs the network module's NAT gateway."
  type        = string
  default     = null

  validation {
    condition     = var.token_jwks_url == null || can(regex("^https://", coalesce(var.token_jwks_url, "-")))
    error_message = "token_jwks_url must be an https:// URL."
  }
}

variable "generated_token_secret_allowed" {
  description = "Generate an HS256 player-token secret when none of `token_secret_arn`, `token_public_key` and `token_jwks_url` is set. Production sets false, so a missing public key fails the plan instead of creating a secret that can mint moderator tokens."
  type        = bool
  nullable    = false
  default     = true
}

variable "token_secret_version" {
  description = "Version of the generated HS256 secret (`secret_string_wo_version`). Terraform writes a new random value only when this number changes: raise it to rotate the secret (tokens signed with the old one stop working)."
  type        = number
  nullable    = false
  default     = 1

  validation {
    condition     = var.token_secret_version >= 1 && floor(var.token_secret_version) == var.token_secret_version
    error_message = "token_secret_version must be a whole number of at least 1."
  }
}

variable "token_secret_recovery_window_days" {
  description = "Days Secrets Manager keeps a generated player-token secret recoverable after deletion (0 deletes it at once)."
  type        = number
  nullable    = false
  default     = 7

  validation {
    condition     = var.token_secret_recovery_window_days == 0 || (var.token_secret_recovery_window_days >= 7 && var.token_secret_recovery_window_days <= 30)
    error_message = "token_secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "presence_interval_ms" {
  description = "`CHAT_PRESENCE_INTERVAL_MS`: at most one presence broadcast per channel per this many milliseconds."
  type        = number
  nullable    = false
  default     = 1000

  validation {
    condition     = var.presence_interval_ms >= 100 && var.presence_interval_ms <= 60000 && floor(var.presence_interval_ms) == var.presence_interval_ms
    error_message = "presence_interval_ms must be a whole number between 100 and 60000."
  }
}

variable "presence_max_members" {
  description = "`CHAT_PRESENCE_MAX_MEMBERS`: above this many members a presence broadcast carries only the count."
  type        = number
  nullable    = false
  default     = 100

  validation {
    condition     = var.presence_max_members >= 1 && var.presence_max_members <= 1000 && floor(var.presence_max_members) == var.presence_max_members
    error_message = "presence_max_members must be a whole number between 1 and 1000."
  }
}

variable "presence_stale_seconds" {
  description = "`CHAT_PRESENCE_STALE_SECONDS`: a connection or membership without a lifecycle event for this long is dropped (the bound on a lost disconnect event)."
  type        = number
  nullable    = false
  default     = 86400

  validation {
    condition     = var.presence_stale_seconds >= 60 && var.presence_stale_seconds <= 86400 && floor(var.presence_stale_seconds) == var.presence_stale_seconds
    error_message = "presence_stale_seconds must be a whole number between 60 and 86400."
  }
}

variable "presence_maximum_event_age_in_seconds" {
  description = "How long Lambda keeps a lifecycle event for the presence function's retries. The store ignores lifecycle events older than 15 minutes."
  type        = number
  nullable    = false
  default     = 600

  validation {
    condition     = var.presence_maximum_event_age_in_seconds >= 60 && var.presence_maximum_event_age_in_seconds <= 900 && floor(var.presence_maximum_event_age_in_seconds) == var.presence_maximum_event_age_in_seconds
    error_message = "presence_maximum_event_age_in_seconds must be a whole number between 60 and 900."
  }
}
