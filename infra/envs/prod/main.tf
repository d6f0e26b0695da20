# Production: three AZs, two replicas, bigger nodes, capped concurrency, longer retention,
# alarms that notify, and explicit CORS origins. Player tokens are ES256: the functions hold
# only the public key, so no secret that could mint moderator tokens exists in this stack.

locals {
  # `node scripts/deploy.mjs keys prod` writes the public halves here; the private keys go
  # straight to the Secrets Manager secrets below, which infra/bootstrap creates.
  authorizer_keys_dir   = "${path.module}/keys/authorizer"
  player_token_key_file = "${path.module}/keys/player-token.pem"
  has_player_token_key  = fileexists(local.player_token_key_file)
}

# Only the secrets' metadata (DescribeSecret): Terraform never reads the private keys.
data "aws_secretsmanager_secret" "authorizer_signing_key" {
  name = "game-chat-prod-authorizer-signing-key"
}

data "aws_secretsmanager_secret" "player_token_key" {
  name = "game-chat-prod-player-token-key"
}

module "chat" {
  source = "../../modules/chat-stack"

  name = "game-chat-prod"
  # The function packages: `pnpm build` writes each Lambda zip to <package>/dist/lambda.zip.
  packages_dir = "${path.root}/../../../packages"

  topic_prefix                = "chat"
  cors_origins                = var.cors_origins
  secret_recovery_window_days = 30
  log_retention_days          = 90

  authorizer_name = "game-chat-prod-token-authorizer"
  authorizer_signing_public_keys = {
    for key_file in fileset(local.authorizer_keys_dir, "*.pem") :
    trimsuffix(key_file, ".pem") => file("${local.authorizer_keys_dir}/${key_file}")
  }
  authorizer_signing_key_secret_arn = data.aws_secretsmanager_secret.authorizer_signing_key.arn

  network = {
    az_count = 3
  }

  cache = {
    node_type               = "cache.r7g.large"
    replica_count           = 2
    snapshot_retention_days = 7
  }

  functions = {
    runtime = "nodejs22.x"
    memory_size = {
      message_filter = 512
      chat_api       = 512
    }
    # Each concurrent execution holds one cache connection; these cap the total well below
    # what the node accepts. 400 reserved needs an account limit of at least 500 (AWS keeps 100
    # unreserved): scripts/deploy.mjs checks the account's quota before every apply.
    reserved_concurrency = {
      message_filter = 200
      chat_api       = 100
      authorizer     = 100
    }
  }

  # Without the key file the plan stops with a message naming `deploy.mjs keys prod`, instead of
  # falling back to a generated HS256 secret.
  tokens = {
    public_key             = local.has_player_token_key ? file(local.player_token_key_file) : null
    private_key_secret_arn = local.has_player_token_key ? data.aws_secretsmanager_secret.player_token_key.arn : null
    generate_secret        = false
  }

  api = {
    throttling_rate_limit  = 500
    throttling_burst_limit = 1000
  }

  monitoring = {
    alarm_actions_enabled = true
    alarm_email_addresses = var.alarm_email_addresses
  }
}
