terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.28"
    }
  }

  # Local state on the first apply (the bucket does not exist yet); README.md shows how to move
  # it into the bucket afterwards with `terraform init -migrate-state`.
}
