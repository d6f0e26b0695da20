terraform {
  # use_lockfile (S3-native state locking) needs 1.10.
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.25"
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
