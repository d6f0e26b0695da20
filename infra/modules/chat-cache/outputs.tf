output "replication_group_id" {
  description = "ID of the replication group."
  value       = aws_elasticache_replication_group.this.id
}

output "member_cluster_ids" {
  description = "IDs of the cache nodes (primary and replicas), the `CacheClusterId` dimension of their metrics; known at plan time."
  value       = local.member_cluster_ids
}

output "primary_endpoint_address" {
  description = "Host name of the primary endpoint; it follows the primary through a failover."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "reader_endpoint_address" {
  description = "Host name of the reader endpoint."
  value       = aws_elasticache_replication_group.this.reader_endpoint_address
}

output "port" {
  description = "TCP port of the cache."
  value       = aws_elasticache_replication_group.this.port
}

output "redis_url" {
  description = "`rediss://` URL of the primary endpoint, without credentials: the Lambdas add the AUTH token they read from `auth_token_secret_arn`."
  value       = "rediss://${aws_elasticache_replication_group.this.primary_endpoint_address}:${aws_elasticache_replication_group.this.port}"
}

output "auth_token_secret_arn" {
  description = "ARN of the Secrets Manager secret whose string is the cache AUTH token (the token itself is never an output)."
  value       = aws_secretsmanager_secret.auth_token.arn
}
