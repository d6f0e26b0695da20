output "vpc_id" {
  description = "ID of the VPC the chat runs in."
  value       = local.vpc_id
}

output "private_subnet_ids" {
  description = "Private subnets for the cache and the VPC-bound Lambdas."
  value       = local.private_subnet_ids
}

output "lambda_security_group_id" {
  description = "Security group for the Lambdas that use the cache."
  value       = aws_security_group.lambda.id
}

output "cache_security_group_id" {
  description = "Security group for the cache; it admits the Lambda group on the cache port."
  value       = aws_security_group.cache.id
}

output "iot_data_vpc_endpoint_id" {
  description = "ID of the IoT Data Plane interface endpoint, or null when disabled."
  value       = try(aws_vpc_endpoint.iot_data[0].id, null)
}

output "secretsmanager_vpc_endpoint_id" {
  description = "ID of the Secrets Manager interface endpoint, or null when disabled."
  value       = try(aws_vpc_endpoint.secretsmanager[0].id, null)
}

output "nat_gateway_id" {
  description = "ID of the NAT gateway, or null when disabled."
  value       = try(aws_nat_gateway.this[0].id, null)
}
