# Production: three AZs, two replicas, bigger nodes, capped concurrency, longer retention,
# alarms that notify, and explicit CORS origins.
module "chat" {
  source = "../../modules/chat-stack"

  name = "game-chat-prod"
  # The zips `pnpm build` writes at the repository root.
  artifacts_dir = "${path.root}/../../../dist/lambda"

  topic_prefix                = "chat"
  cors_origins                = var.cors_origins
  secret_recovery_window_days = 30
  log_retention_days          = 90

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
      history_api    = 512
    }
    # Each concurrent execution holds one cache connection; these cap the total well below
    # what the node accepts.
    reserved_concurrency = {
      message_filter = 200
      history_api    = 100
      authorizer     = 100
    }
  }

  tokens = {
    secret_arn = var.token_secret_arn
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
