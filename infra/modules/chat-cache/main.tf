locals {
  tags = merge(var.tags, { "game-chat:module" = "chat-cache" })

  # valkey8, valkey7 or redis7: the parameter group family follows the major version.
  parameter_group_family = "${var.engine}${split(".", var.engine_version)[0]}"

  replication_group_id = "${var.name}-cache"
  # ElastiCache names the nodes <group>-001, -002, ...; known before apply, so alarms can for_each them.
  member_cluster_ids = [for n in range(1, 2 + var.replica_count) : format("%s-%03d", local.replication_group_id, n)]
}

################################################################################
# Auth token, kept in Secrets Manager
################################################################################

# ElastiCache AUTH tokens are 16-128 printable characters with a few allowed symbols;
# letters and digits only keep the token safe inside a rediss:// URL as well. The replication
# group takes the token as a plain argument, so it is in the state (keep the state private:
# infra/bootstrap lets only the environment's own roles read it).
resource "random_password" "auth_token" {
  length  = 64
  special = false

  keepers = {
    version = var.auth_token_version
  }
}

resource "aws_secretsmanager_secret" "auth_token" {
  name_prefix             = "${var.name}-cache-auth-"
  description             = "AUTH token of the ${var.name} chat cache; the Lambdas read it at cold start."
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days

  tags = local.tags
}

# Write-only, so that refreshing this version needs no secretsmanager:GetSecretValue (the plan
# role has none); a new token is written whenever auth_token_version changes.
resource "aws_secretsmanager_secret_version" "auth_token" {
  secret_id                = aws_secretsmanager_secret.auth_token.id
  secret_string_wo         = random_password.auth_token.result
  secret_string_wo_version = var.auth_token_version
}

################################################################################
# Subnet and parameter groups
################################################################################

resource "aws_elasticache_subnet_group" "this" {
  name        = "${var.name}-cache"
  description = "Private subnets of the ${var.name} chat cache"
  subnet_ids  = var.subnet_ids

  tags = local.tags
}

resource "aws_elasticache_parameter_group" "this" {
  name        = "${var.name}-cache-${local.parameter_group_family}"
  description = "Parameters of the ${var.name} chat cache"
  family      = local.parameter_group_family

  dynamic "parameter" {
    for_each = var.parameters

    content {
      name  = parameter.key
      value = parameter.value
    }
  }

  tags = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

################################################################################
# Replication group
################################################################################

resource "aws_elasticache_replication_group" "this" {
  replication_group_id = local.replication_group_id
  description          = "Chat history, rate limits, mutes and profiles of ${var.name}"

  engine               = var.engine
  engine_version       = var.engine_version
  node_type            = var.node_type
  port                 = var.port
  parameter_group_name = aws_elasticache_parameter_group.this.name

  # Cluster mode off: one primary and its replicas behind one primary endpoint.
  num_cache_clusters         = 1 + var.replica_count
  automatic_failover_enabled = true
  multi_az_enabled           = true

  subnet_group_name  = aws_elasticache_subnet_group.this.name
  security_group_ids = var.security_group_ids

  transit_encryption_enabled = true
  transit_encryption_mode    = "required"
  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  auth_token                 = random_password.auth_token.result
  auth_token_update_strategy = var.auth_token_update_strategy

  snapshot_retention_limit   = var.snapshot_retention_days
  snapshot_window            = var.snapshot_window
  maintenance_window         = var.maintenance_window
  auto_minor_version_upgrade = true
  apply_immediately          = var.apply_immediately
  notification_topic_arn     = var.notification_topic_arn

  tags = local.tags
}
