################################################################################
# General
################################################################################

variable "name" {
  description = "Name prefix; the replication group id is `<name>-cache` (at most 40 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,33}$", var.name))
    error_message = "name must be 2-34 characters of a-z, 0-9 and -, starting with a letter."
  }
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  nullable    = false
  default     = {}
}

################################################################################
# Network
################################################################################

variable "subnet_ids" {
  description = "Private subnets in at least two Availability Zones, for the cache subnet group."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "Multi-AZ failover needs subnets in at least two Availability Zones."
  }
}

variable "security_group_ids" {
  description = "Security groups of the cache nodes (the network module's cache group)."
  type        = list(string)

  validation {
    condition     = length(var.security_group_ids) >= 1
    error_message = "Give the cache at least one security group."
  }
}

variable "port" {
  description = "TCP port the cache listens on."
  type        = number
  nullable    = false
  default     = 6379

  validation {
    condition     = var.port >= 1024 && var.port <= 65535
    error_message = "port must be between 1024 and 65535."
  }
}

################################################################################
# Replication group
################################################################################

variable "engine" {
  description = "Cache engine: `valkey` or `redis`."
  type        = string
  nullable    = false
  default     = "valkey"

  validation {
    condition     = contains(["valkey", "redis"], var.engine)
    error_message = "engine must be valkey or redis."
  }
}

variable "engine_version" {
  description = "Engine version as major.minor: Valkey 7.2 or 8.x, Redis 7.x (the stores' Lua scripts need 7 or later)."
  type        = string
  nullable    = false
  default     = "8.0"

  validation {
    condition     = can(regex("^(7|8)\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must be major.minor with major 7 or 8, e.g. 8.0."
  }
}

variable "node_type" {
  description = "Cache node type, e.g. `cache.t4g.micro` for dev or `cache.r7g.large` for production."
  type        = string
  nullable    = false
  default     = "cache.t4g.micro"

  validation {
    condition     = startswith(var.node_type, "cache.")
    error_message = "node_type must be an ElastiCache node type such as cache.t4g.micro."
  }
}

variable "replica_count" {
  description = "Read replicas next to the primary. At least one, so that Multi-AZ automatic failover has somewhere to go."
  type        = number
  nullable    = false
  default     = 1

  validation {
    condition     = var.replica_count >= 1 && var.replica_count <= 5
    error_message = "replica_count must be between 1 and 5."
  }
}

variable "parameters" {
  description = "Engine parameters of the cache's own parameter group. `volatile-ttl` evicts the keys closest to expiry first: rate buckets and history entries that would be gone in seconds anyway, mutes last. Player reports, block lists and slow mode carry no TTL, so a `volatile-*` policy (or `noeviction`) never evicts them; an `allkeys-*` policy is refused."
  type        = map(string)
  nullable    = false
  default = {
    "maxmemory-policy" = "volatile-ttl"
  }

  validation {
    condition     = can(regex("^(volatile-(ttl|lru|lfu|random)|noeviction)$", lookup(var.parameters, "maxmemory-policy", "volatile-ttl")))
    error_message = "maxmemory-policy must be a volatile-* policy or noeviction: reports and block lists live in the cache without a TTL and must never be evicted."
  }
}

variable "kms_key_arn" {
  description = "KMS key for encryption at rest of the cache and of its auth-token secret; null uses the AWS managed keys."
  type        = string
  default     = null
}

variable "snapshot_retention_days" {
  description = "Days of automatic daily snapshots to keep (0 turns them off)."
  type        = number
  nullable    = false
  default     = 1

  validation {
    condition     = var.snapshot_retention_days >= 0 && var.snapshot_retention_days <= 35
    error_message = "snapshot_retention_days must be between 0 and 35."
  }
}

variable "snapshot_window" {
  description = "Daily UTC window for the automatic snapshot, `hh:mm-hh:mm`; must not overlap the maintenance window."
  type        = string
  nullable    = false
  default     = "03:00-04:00"

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.snapshot_window))
    error_message = "snapshot_window must look like 03:00-04:00."
  }
}

variable "maintenance_window" {
  description = "Weekly UTC maintenance window, `ddd:hh:mm-ddd:hh:mm`."
  type        = string
  nullable    = false
  default     = "sun:05:00-sun:06:00"

  validation {
    condition     = can(regex("^(mon|tue|wed|thu|fri|sat|sun):[0-2][0-9]:[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):[0-2][0-9]:[0-5][0-9]$", var.maintenance_window))
    error_message = "maintenance_window must look like sun:05:00-sun:06:00."
  }
}

variable "apply_immediately" {
  description = "Apply changes now instead of in the next maintenance window."
  type        = bool
  nullable    = false
  default     = false
}

variable "notification_topic_arn" {
  description = "SNS topic for ElastiCache events (failover, maintenance), or null."
  type        = string
  default     = null
}

################################################################################
# Auth token secret
################################################################################

variable "auth_token_version" {
  description = "Version of the AUTH token. Raising it generates a new token, writes it to the secret and sets it on the cache with `auth_token_update_strategy = ROTATE` (old and new both valid); this module's README has the rotation steps."
  type        = number
  nullable    = false
  default     = 1

  validation {
    condition     = var.auth_token_version >= 1 && floor(var.auth_token_version) == var.auth_token_version
    error_message = "auth_token_version must be a whole number of at least 1."
  }
}

variable "auth_token_update_strategy" {
  description = "How a changed AUTH token is applied to the running cache (not used on create): `ROTATE` keeps the old token valid next to the new one, `SET` makes only the new one valid. Rotate with ROTATE, then finish with SET once every function has the new token (this module's README)."
  type        = string
  nullable    = false
  default     = "ROTATE"

  validation {
    condition     = contains(["ROTATE", "SET"], var.auth_token_update_strategy)
    error_message = "auth_token_update_strategy must be ROTATE or SET."
  }
}

variable "secret_recovery_window_days" {
  description = "Days Secrets Manager keeps the deleted auth-token secret recoverable (0 deletes it at once, handy for throwaway dev stacks)."
  type        = number
  nullable    = false
  default     = 7

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}
