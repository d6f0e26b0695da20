# Dev: the smallest stack that still has every part of production (Multi-AZ cache with one
# replica, VPC endpoints instead of a NAT gateway), alarms visible but silent, quick to destroy.
module "chat" {
  source = "../../modules/chat-stack"

  name = "game-chat-dev"
  # The zips `pnpm build` writes at the repository root.
  artifacts_dir = "${path.root}/../../../dist/lambda"

  topic_prefix                = "chat"
  cors_origins                = var.cors_origins
  secret_recovery_window_days = 0
  log_retention_days          = 7

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
