data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

# Regular zones only: opted-in Local and Wavelength Zones have no ElastiCache or endpoints.
data "aws_availability_zones" "available" {
  count = var.create_vpc ? 1 : 0

  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

# IoT Core is not in every zone of every Region: "ensure that you are choosing an Availability
# Zone where AWS IoT Core is present" (IoT developer guide, IoTCore-VPC).
data "aws_vpc_endpoint_service" "iot_data" {
  count = var.create_vpc && var.enable_iot_data_endpoint ? 1 : 0

  service_name = "com.amazonaws.${data.aws_region.current.region}.iot.data"
}

# An existing VPC must resolve private hosted zones and private DNS names.
data "aws_vpc" "existing" {
  count = !var.create_vpc && var.vpc_id != null ? 1 : 0

  id = var.vpc_id
}

locals {
  tags = merge(var.tags, { "game-chat:module" = "network" })

  iot_data_zones = var.create_vpc && var.enable_iot_data_endpoint ? one(data.aws_vpc_endpoint_service.iot_data[*].availability_zones) : null
  availability_zones = var.create_vpc ? [
    for zone in data.aws_availability_zones.available[0].names : zone
    if local.iot_data_zones == null || contains(coalesce(local.iot_data_zones, []), zone)
  ] : []

  vpc_id             = var.create_vpc ? one(aws_vpc.this[*].id) : var.vpc_id
  private_subnet_ids = var.create_vpc ? aws_subnet.private[*].id : var.private_subnet_ids
  create_nat         = var.create_vpc && var.enable_nat_gateway
  region             = data.aws_region.current.region
}

################################################################################
# VPC and subnets
################################################################################

resource "aws_vpc" "this" {
  count = var.create_vpc ? 1 : 0

  cidr_block = var.vpc_cidr
  # Private hosted zones and private DNS of interface endpoints need both.
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(local.tags, { Name = var.name })
}

resource "aws_subnet" "private" {
  count = var.create_vpc ? var.az_count : 0

  vpc_id            = aws_vpc.this[0].id
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, count.index)
  availability_zone = local.availability_zones[count.index]

  tags = merge(local.tags, { Name = "${var.name}-private-${count.index + 1}" })

  lifecycle {
    precondition {
      condition     = length(local.availability_zones) >= var.az_count
      error_message = "This Region has only ${length(local.availability_zones)} regular Availability Zones with the iot.data endpoint service; lower az_count."
    }
  }
}

resource "aws_route_table" "private" {
  count = var.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, { Name = "${var.name}-private" })
}

resource "aws_route_table_association" "private" {
  count = var.create_vpc ? var.az_count : 0

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[0].id
}

################################################################################
# NAT gateway (optional)
################################################################################

resource "aws_subnet" "public" {
  count = local.create_nat ? 1 : 0

  vpc_id            = aws_vpc.this[0].id
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, 15)
  availability_zone = local.availability_zones[0]

  tags = merge(local.tags, { Name = "${var.name}-public" })
}

resource "aws_internet_gateway" "this" {
  count = local.create_nat ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, { Name = var.name })
}

resource "aws_route_table" "public" {
  count = local.create_nat ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, { Name = "${var.name}-public" })
}

resource "aws_route" "public_internet" {
  count = local.create_nat ? 1 : 0

  route_table_id         = aws_route_table.public[0].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this[0].id
}

resource "aws_route_table_association" "public" {
  count = local.create_nat ? 1 : 0

  subnet_id      = aws_subnet.public[0].id
  route_table_id = aws_route_table.public[0].id
}

resource "aws_eip" "nat" {
  count = local.create_nat ? 1 : 0

  domain = "vpc"

  tags = merge(local.tags, { Name = "${var.name}-nat" })
}

resource "aws_nat_gateway" "this" {
  count = local.create_nat ? 1 : 0

  allocation_id = aws_eip.nat[0].id
  subnet_id     = aws_subnet.public[0].id

  tags = merge(local.tags, { Name = var.name })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_route" "private_nat" {
  count = local.create_nat ? 1 : 0

  route_table_id         = aws_route_table.private[0].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[0].id
}

################################################################################
# Security groups
################################################################################

resource "aws_security_group" "lambda" {
  name        = "${var.name}-lambda"
  description = "Chat Lambdas: out to the cache and the VPC endpoints only"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, { Name = "${var.name}-lambda" })

  lifecycle {
    precondition {
      condition     = var.create_vpc || (var.vpc_id != null && length(var.private_subnet_ids) >= 2)
      error_message = "With create_vpc = false, set vpc_id and at least two private_subnet_ids."
    }
    precondition {
      condition     = !var.create_vpc || var.enable_iot_data_endpoint || var.enable_nat_gateway
      error_message = "The Lambdas publish through the IoT Data Plane: enable its VPC endpoint or a NAT gateway."
    }
    precondition {
      condition     = var.create_vpc || alltrue([for vpc in data.aws_vpc.existing : vpc.enable_dns_support && vpc.enable_dns_hostnames])
      error_message = "The existing VPC needs enableDnsSupport and enableDnsHostnames: the private hosted zone of the IoT endpoint and the Secrets Manager endpoint's private DNS do not resolve without them."
    }
  }
}

resource "aws_security_group" "cache" {
  name        = "${var.name}-cache"
  description = "Chat cache: in from the chat Lambdas on the cache port only"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, { Name = "${var.name}-cache" })
}

resource "aws_security_group" "endpoints" {
  name        = "${var.name}-endpoints"
  description = "Interface VPC endpoints: HTTPS in from the chat Lambdas"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, { Name = "${var.name}-endpoints" })
}

resource "aws_vpc_security_group_egress_rule" "lambda_to_cache" {
  security_group_id            = aws_security_group.lambda.id
  description                  = "Redis protocol (TLS) to the cache"
  ip_protocol                  = "tcp"
  from_port                    = var.cache_port
  to_port                      = var.cache_port
  referenced_security_group_id = aws_security_group.cache.id

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "lambda_to_endpoints" {
  security_group_id            = aws_security_group.lambda.id
  description                  = "HTTPS to the interface endpoints (IoT Data Plane, Secrets Manager)"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.endpoints.id

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "lambda_to_internet" {
  count = local.create_nat ? 1 : 0

  security_group_id = aws_security_group.lambda.id
  description       = "HTTPS through the NAT gateway (JWKS URL, services without an endpoint)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"

  tags = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "cache_from_lambda" {
  security_group_id            = aws_security_group.cache.id
  description                  = "Redis protocol (TLS) from the chat Lambdas"
  ip_protocol                  = "tcp"
  from_port                    = var.cache_port
  to_port                      = var.cache_port
  referenced_security_group_id = aws_security_group.lambda.id

  tags = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_lambda" {
  security_group_id            = aws_security_group.endpoints.id
  description                  = "HTTPS from the chat Lambdas"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.lambda.id

  tags = local.tags
}

################################################################################
# IoT Data Plane endpoint and its private DNS
################################################################################

resource "aws_vpc_endpoint" "iot_data" {
  count = var.enable_iot_data_endpoint ? 1 : 0

  vpc_id             = local.vpc_id
  service_name       = "com.amazonaws.${local.region}.iot.data"
  vpc_endpoint_type  = "Interface"
  subnet_ids         = local.private_subnet_ids
  security_group_ids = [aws_security_group.endpoints.id]
  # IoT Core does not offer private DNS on its endpoints: the zone below does that job.
  private_dns_enabled = false

  tags = merge(local.tags, { Name = "${var.name}-iot-data" })
}

# A zone for exactly the Data-ATS host name, so nothing else under iot.<region>.amazonaws.com
# (the control plane, other accounts' endpoints) is shadowed inside the VPC.
resource "aws_route53_zone" "iot_data" {
  count = var.enable_iot_data_endpoint ? 1 : 0

  name    = var.iot_data_endpoint_address
  comment = "Resolves the IoT Data-ATS endpoint to its VPC interface endpoint"

  vpc {
    vpc_id = local.vpc_id
  }

  tags = local.tags
}

resource "aws_route53_record" "iot_data" {
  count = var.enable_iot_data_endpoint ? 1 : 0

  zone_id = aws_route53_zone.iot_data[0].zone_id
  name    = var.iot_data_endpoint_address
  type    = "A"

  alias {
    name                   = aws_vpc_endpoint.iot_data[0].dns_entry[0].dns_name
    zone_id                = aws_vpc_endpoint.iot_data[0].dns_entry[0].hosted_zone_id
    evaluate_target_health = true
  }
}

################################################################################
# Secrets Manager endpoint
################################################################################

# The functions only read secrets of this account; the endpoint lets nothing else through, so
# a compromised function cannot use it to reach another account's secrets or to write.
data "aws_iam_policy_document" "secretsmanager_endpoint" {
  statement {
    sid       = "ReadThisAccountsSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = ["arn:${data.aws_partition.current.partition}:secretsmanager:${local.region}:${data.aws_caller_identity.current.account_id}:secret:*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_vpc_endpoint" "secretsmanager" {
  count = var.enable_secretsmanager_endpoint ? 1 : 0

  vpc_id              = local.vpc_id
  service_name        = "com.amazonaws.${local.region}.secretsmanager"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = local.private_subnet_ids
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true
  policy              = data.aws_iam_policy_document.secretsmanager_endpoint.json

  tags = merge(local.tags, { Name = "${var.name}-secretsmanager" })
}
