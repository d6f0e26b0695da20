terraform {
  # S3-native state locking (use_lockfile) is GA from 1.11 (experimental in 1.10), and write-only
  # arguments (secret_string_wo) need 1.11.
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 6.26 and later refresh write-only secret versions with ListSecretVersionIds instead of
      # GetSecretValue (hashicorp/terraform-provider-aws#44876), so the plan role reads no secret.
      version = "~> 6.28"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
  }

  # Partial configuration: the bucket and its region come from -backend-config at init
  # (scripts/deploy.mjs passes TF_STATE_BUCKET and TF_STATE_REGION).
  backend "s3" {
    key          = "game-chat/dev/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
