provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "game-chat"
      Environment = "dev"
      ManagedBy   = "terraform"
      Repository  = "game-chat/infra/envs/dev"
    }
  }
}
