variable "region" {
  description = "AWS Region of the state bucket and of the stacks' secrets."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS Region name such as eu-west-1."
  }
}

variable "state_bucket_name" {
  description = "Name of the S3 bucket that keeps the environments' Terraform state (`TF_STATE_BUCKET`). Bucket names are global: include the account or company, e.g. `acme-game-chat-tfstate`."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be a valid S3 bucket name: 3-63 characters of a-z, 0-9, . and -."
  }
}

variable "environments" {
  description = "Environments whose state, roles and key secrets live in this account: both for one account, or one per account (apply this module once in each)."
  type        = list(string)
  default     = ["dev", "prod"]

  validation {
    condition     = length(var.environments) >= 1 && alltrue([for env in var.environments : contains(["dev", "prod"], env)])
    error_message = "environments must list dev, prod or both (infra/envs has those two)."
  }
}

variable "asymmetric_player_token_environments" {
  description = "Environments whose player tokens are signed with a key pair (ES256) whose private half lives in a secret created here; the others use the HS256 secret the stack generates."
  type        = list(string)
  default     = ["prod"]

  validation {
    condition     = alltrue([for env in var.asymmetric_player_token_environments : contains(["dev", "prod"], env)])
    error_message = "asymmetric_player_token_environments must list dev, prod or neither."
  }
}

variable "github_repository" {
  description = "GitHub repository (`owner/name`) whose deploy workflow may assume the plan and apply roles. Null creates no OIDC provider and no roles (laptop deploys only)."
  type        = string
  default     = null

  validation {
    condition     = var.github_repository == null || can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", coalesce(var.github_repository, "-")))
    error_message = "github_repository must look like owner/name."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the IAM OIDC provider for token.actions.githubusercontent.com. An account can have only one: set false when it already exists, and it is looked up instead."
  type        = bool
  default     = true
  nullable    = false
}

variable "state_admin_principal_arns" {
  description = "IAM principals (besides each environment's own plan and apply roles) that may read and write every environment's state, e.g. the platform team's SSO role for laptop deploys and state surgery."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.state_admin_principal_arns : can(regex("^arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:", arn))])
    error_message = "state_admin_principal_arns must be IAM role or user ARNs."
  }
}

variable "key_secret_recovery_window_days" {
  description = "Days Secrets Manager keeps a deleted signing-key secret recoverable."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.key_secret_recovery_window_days >= 7 && var.key_secret_recovery_window_days <= 30
    error_message = "key_secret_recovery_window_days must be between 7 and 30."
  }
}
