################################################################################
# General
################################################################################

variable "name" {
  description = "Name prefix for every resource of this module, e.g. `game-chat-dev`."
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
# VPC and subnets
################################################################################

variable "create_vpc" {
  description = "Create a small VPC across `az_count` Availability Zones. When `false`, pass `vpc_id` and `private_subnet_ids` of an existing VPC."
  type        = bool
  nullable    = false
  default     = true
}

variable "vpc_id" {
  description = "ID of an existing VPC. Used only when `create_vpc` is `false`."
  type        = string
  default     = null

  validation {
    condition     = var.vpc_id == null || can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123abcd."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets of the existing VPC, in at least two Availability Zones. Used only when `create_vpc` is `false`."
  type        = list(string)
  nullable    = false
  default     = []

  validation {
    condition     = alltrue([for id in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]+$", id))])
    error_message = "private_subnet_ids must look like subnet-0123abcd."
  }
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC this module creates."
  type        = string
  nullable    = false
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && try(tonumber(split("/", var.vpc_cidr)[1]) <= 24, false)
    error_message = "vpc_cidr must be an IPv4 CIDR block of /24 or larger."
  }
}

variable "az_count" {
  description = "Number of Availability Zones (and private subnets) of the VPC this module creates. The cache needs two for Multi-AZ failover."
  type        = number
  nullable    = false
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3."
  }
}

variable "enable_nat_gateway" {
  description = "Give the private subnets a NAT gateway (one, in the first AZ) for traffic that has no VPC endpoint, such as a JWKS URL on the internet. Only with `create_vpc`."
  type        = bool
  nullable    = false
  default     = false
}

################################################################################
# Security groups
################################################################################

variable "cache_port" {
  description = "TCP port of the cache; the Lambda security group may reach the cache on this port only."
  type        = number
  nullable    = false
  default     = 6379

  validation {
    condition     = var.cache_port >= 1024 && var.cache_port <= 65535
    error_message = "cache_port must be between 1024 and 65535."
  }
}

################################################################################
# VPC endpoints
################################################################################

variable "enable_iot_data_endpoint" {
  description = "Create an interface endpoint for the IoT Data Plane (`iot.data`) and a private hosted zone that resolves the account's Data-ATS host name to it, so VPC-bound Lambdas publish without a NAT gateway."
  type        = bool
  nullable    = false
  default     = true
}

variable "iot_data_endpoint_address" {
  description = "The account's `iot:Data-ATS` host name (`<prefix>-ats.iot.<region>.amazonaws.com`); the private hosted zone answers for exactly this name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]+-ats\\.iot\\.[a-z0-9-]+\\.amazonaws\\.com$", var.iot_data_endpoint_address))
    error_message = "iot_data_endpoint_address must be an iot:Data-ATS host name such as abc123-ats.iot.eu-west-1.amazonaws.com."
  }
}

variable "enable_secretsmanager_endpoint" {
  description = "Create an interface endpoint for Secrets Manager with private DNS, so the Lambdas read the cache token and the player-token secret at cold start without a NAT gateway. Turn it off in an existing VPC that already has one with private DNS (two would conflict)."
  type        = bool
  nullable    = false
  default     = true
}
