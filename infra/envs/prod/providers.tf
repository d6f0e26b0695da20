provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "game-chat"
      Environment = "prod"
      ManagedBy   = "terraform"
      Repository  = "game-chat/infra/envs/prod"
    }
  }
}
