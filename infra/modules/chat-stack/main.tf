locals {
  tags = merge(var.tags, { "game-chat:stack" = var.name })
}

################################################################################
# Network
################################################################################

module "network" {
  source = "../network"

  name = var.name
  tags = local.tags

  create_vpc                     = var.network.create_vpc
  vpc_id                         = var.network.vpc_id
  private_subnet_ids             = var.network.private_subnet_ids
  vpc_cidr                       = var.network.vpc_cidr
  az_count                       = var.network.az_count
  enable_nat_gateway             = var.network.enable_nat_gateway
  enable_iot_data_endpoint       = var.network.enable_iot_data_endpoint
  enable_secretsmanager_endpoint = var.network.enable_secretsmanager_endpoint
  iot_data_endpoint_address      = module.iot_chat.data_endpoint
}

################################################################################
# Cache
################################################################################

module "cache" {
  source = "../chat-cache"

  name = var.name
  tags = local.tags

  subnet_ids                  = module.network.private_subnet_ids
  security_group_ids          = [module.network.cache_security_group_id]
  kms_key_arn                 = var.kms_key_arn
  engine                      = var.cache.engine
  engine_version              = var.cache.engine_version
  node_type                   = var.cache.node_type
  replica_count               = var.cache.replica_count
  snapshot_retention_days     = var.cache.snapshot_retention_days
  apply_immediately           = var.cache.apply_immediately
  auth_token_version          = var.cache.auth_token_version
  auth_token_update_strategy  = var.cache.auth_token_update_strategy
  secret_recovery_window_days = var.secret_recovery_window_days
}

################################################################################
# Functions
################################################################################

module "functions" {
  source = "../chat-functions"

  name = var.name
  tags = local.tags

  packages_dir         = var.packages_dir
  runtime              = var.functions.runtime
  memory_size          = var.functions.memory_size
  timeout              = var.functions.timeout
  reserved_concurrency = var.functions.reserved_concurrency
  log_retention_days   = var.log_retention_days
  kms_key_arn          = var.kms_key_arn

  subnet_ids         = module.network.private_subnet_ids
  security_group_ids = [module.network.lambda_security_group_id]
  # An existing VPC may have its own way out; a VPC this stack creates has one only with NAT.
  internet_egress = !coalesce(var.network.create_vpc, true) || coalesce(var.network.enable_nat_gateway, false)

  redis_url                 = module.cache.redis_url
  redis_auth_secret_arn     = module.cache.auth_token_secret_arn
  redis_key_prefix          = var.chat.redis_key_prefix
  iot_data_endpoint_address = module.iot_chat.data_endpoint

  topic_prefix            = var.topic_prefix
  history_seconds         = var.chat.history_seconds
  history_max             = var.chat.history_max
  channel_classes         = var.chat.channel_classes
  max_text                = var.chat.max_text
  rate_burst              = var.chat.rate_burst
  rate_per_second         = var.chat.rate_per_second
  channel_rate_per_second = var.chat.channel_rate_per_second
  profanity               = var.chat.profanity
  history_require_auth    = var.chat.history_require_auth
  presence_interval_ms    = var.chat.presence_interval_ms
  presence_max_members    = var.chat.presence_max_members
  presence_stale_seconds  = var.chat.presence_stale_seconds
  max_blocks              = var.chat.max_blocks
  report_retention_days   = var.chat.report_retention_days

  token_secret_arn               = var.tokens.secret_arn
  token_public_key               = var.tokens.public_key
  token_jwks_url                 = var.tokens.jwks_url
  generated_token_secret_allowed = var.tokens.generate_secret
  token_secret_version           = var.tokens.secret_version

  token_secret_recovery_window_days = var.secret_recovery_window_days

  retry_budget_ms                             = var.message_filter.retry_budget_ms
  message_filter_maximum_event_age_in_seconds = var.message_filter.maximum_event_age_in_seconds
  message_filter_maximum_retry_attempts       = var.message_filter.maximum_retry_attempts
  failed_events_retention_seconds             = var.message_filter.failed_events_retention_seconds
}

################################################################################
# IoT Core: topic rules and custom authorizer
################################################################################

module "iot_chat" {
  source = "../iot-chat"

  name = var.name
  tags = local.tags

  topic_prefix                 = var.topic_prefix
  message_filter_function_name = module.functions.function_names["message-filter"]
  message_filter_function_arn  = module.functions.function_arns["message-filter"]
  presence_function_name       = module.functions.function_names["presence"]
  presence_function_arn        = module.functions.function_arns["presence"]
  authorizer_function_name     = module.functions.function_names["authorizer"]
  authorizer_function_arn      = module.functions.function_arns["authorizer"]
  error_log_retention_days     = var.log_retention_days
  create_domain_configuration  = var.iot.create_domain_configuration

  authorizer_name                = var.authorizer_name
  authorizer_token_key_name      = var.authorizer_token_key_name
  authorizer_signing_public_keys = var.authorizer_signing_public_keys
}

################################################################################
# HTTP API (history and moderation)
################################################################################

module "chat_api" {
  source = "../chat-api"

  name = var.name
  tags = local.tags

  function_name                    = module.functions.function_names["chat-api"]
  function_invoke_arn              = module.functions.chat_api_invoke_arn
  cors_allow_origins               = var.cors_origins
  throttling_rate_limit            = var.api.throttling_rate_limit
  throttling_burst_limit           = var.api.throttling_burst_limit
  moderator_throttling_rate_limit  = var.api.moderator_throttling_rate_limit
  moderator_throttling_burst_limit = var.api.moderator_throttling_burst_limit
  access_log_retention_days        = var.log_retention_days
}

################################################################################
# Monitoring
################################################################################

module "monitoring" {
  source = "../monitoring"

  name = var.name
  tags = local.tags

  kms_key_arn               = var.kms_key_arn
  alarm_actions_enabled     = var.monitoring.alarm_actions_enabled
  alarm_email_addresses     = var.monitoring.alarm_email_addresses
  function_names            = module.functions.function_names
  failed_events_queue_name  = module.functions.failed_events_queue_name
  cache_cluster_ids         = module.cache.member_cluster_ids
  rule_error_log_group_name = module.iot_chat.rule_error_log_group_name
  rule_names                = module.iot_chat.rule_names
  api_id                    = module.chat_api.api_id

  async_event_age_seconds = var.monitoring.async_event_age_seconds
}
