# Dev: the smallest stack that still has every part of production (Multi-AZ cache with one
# replica, VPC endpoints instead of a NAT gateway), alarms visible but silent. Player tokens use
# an HS256 secret that Terraform generates (write-only: it is not in the state).

locals {
  # `node scripts/deploy.mjs keys dev` writes the public halves here; the private key goes
  # straight to the Secrets Manager secret below, which infra/bootstrap creates.
  authorizer_keys_dir = "${path.module}/keys/authorizer"
}

# Only the secret's metadata (DescribeSecret): Terraform never reads the private key.
data "aws_secretsmanager_secret" "authorizer_signing_key" {
  name = "game-chat-dev-authorizer-signing-key"
}

module "chat" {
  source = "../../modules/chat-stack"

  name = "game-chat-dev"
  # The function packages: `pnpm build` writes each Lambda zip to <package>/dist/lambda.zip.
  packages_dir = "${path.root}/../../../packages"

  topic_prefix                = "chat"
  cors_origins                = var.cors_origins
  secret_recovery_window_days = 0
  log_retention_days          = 7

  authorizer_name = "game-chat-dev-token-authorizer"
  authorizer_signing_public_keys = {
    for key_file in fileset(local.authorizer_keys_dir, "*.pem") :
    trimsuffix(key_file, ".pem") => file("${local.authorizer_keys_dir}/${key_file}")
  }
  authorizer_signing_key_secret_arn = data.aws_secretsmanager_secret.authorizer_signing_key.arn

  cache = {
    node_type               = "cache.t4g.micro"
    replica_count           = 1
    snapshot_retention_days = 0
    apply_immediately       = true
  }

  functions = {
    runtime = "nodejs22.x"
  }

  monitoring = {
    alarm_actions_enabled = false
    alarm_email_addresses = var.alarm_email_addresses
  }
}
