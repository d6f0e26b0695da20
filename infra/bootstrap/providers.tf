provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project   = "game-chat"
      ManagedBy = "terraform"
      Component = "bootstrap"
    }
  }
}
