data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  tags = merge(var.tags, { "game-chat:module" = "chat-functions" })

  region     = data.aws_region.current.region
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # Player tokens: a given HS256 secret, a public key, a JWKS URL, or else a generated HS256 secret.
  generate_token_secret = var.generated_token_secret_allowed && var.token_secret_arn == null && var.token_public_key == null && var.token_jwks_url == null
  # Known at plan time even when the generated secret's ARN is not yet.
  uses_token_secret = local.generate_token_secret || var.token_secret_arn != null
  token_secret_arn  = local.generate_token_secret ? one(aws_secretsmanager_secret.token[*].arn) : var.token_secret_arn
  token_environment = (
    local.uses_token_secret ? tomap({ CHAT_TOKEN_SECRET_ARN = local.token_secret_arn }) :
    var.token_public_key != null ? tomap({ CHAT_TOKEN_PUBLIC_KEY = var.token_public_key }) :
    tomap({ CHAT_TOKEN_JWKS_URL = var.token_jwks_url })
  )

  # Whether a whisper's recipient is online, and presence reads, expire connections this way.
  presence_environment = {
    CHAT_PRESENCE_STALE_SECONDS = tostring(var.presence_stale_seconds)
  }

  common_environment = {
    REDIS_URL                  = var.redis_url
    CHAT_REDIS_AUTH_SECRET_ARN = var.redis_auth_secret_arn
    CHAT_REDIS_KEY_PREFIX      = var.redis_key_prefix
    CHAT_TOPIC_PREFIX          = var.topic_prefix
  }
  # Source maps cost cold-start time (about 1.3 MB per bundle): only the functions that are not
  # on the 5 s connect path load them. The authorizer logs plain stack traces.
  history_environment = {
    NODE_OPTIONS         = "--enable-source-maps"
    IOT_DATA_ENDPOINT    = "https://${var.iot_data_endpoint_address}"
    CHAT_HISTORY_SECONDS = tostring(var.history_seconds)
    CHAT_HISTORY_MAX     = tostring(var.history_max)
    CHAT_MAX_TEXT        = tostring(var.max_text)
    # The list, in order, as the setting's `pattern=window/cap` rules (first match wins).
    CHAT_CHANNEL_CLASSES = join(",", [for c in var.channel_classes : "${c.pattern}=${c.window}/${c.cap}"])
  }

  # The three functions, keyed by their package name (packages/<key>, packages/<key>/dist/lambda.zip).
  # `name` is what AWS knows a function, its role and its log group by (`<var.name>-<name>`):
  # chat-api keeps the name it was deployed with as history-api, so that its rename moved the
  # resources (migrations.tf) instead of replacing them.
  functions = {
    "message-filter" = {
      name                 = "message-filter"
      description          = "IoT rule action: checks, stores and republishes chat messages"
      memory_size          = var.memory_size.message_filter
      timeout              = var.timeout.message_filter
      reserved_concurrency = var.reserved_concurrency.message_filter
      publishes            = ["room", "inbox"]
      reads_token_secret   = false
      invoked_async        = true
      environment = merge(local.common_environment, local.history_environment, local.presence_environment, {
        CHAT_PROFANITY               = var.profanity
        CHAT_RATE_BURST              = tostring(var.rate_burst)
        CHAT_RATE_PER_SECOND         = tostring(var.rate_per_second)
        CHAT_CHANNEL_RATE_PER_SECOND = tostring(var.channel_rate_per_second)
        # Redis and Data Plane blips are retried inside the invocation within this budget.
        CHAT_RETRY_BUDGET_MS = tostring(var.retry_budget_ms)
        # The same age Lambda keeps the event: de-duplication of redelivered events covers it.
        CHAT_MAX_EVENT_AGE_SECONDS = tostring(var.message_filter_maximum_event_age_in_seconds)
      })
    }
    "chat-api" = {
      name                 = "history-api"
      description          = "HTTP API: history, moderation, block lists, reports, slow mode"
      memory_size          = var.memory_size.chat_api
      timeout              = var.timeout.chat_api
      reserved_concurrency = var.reserved_concurrency.chat_api
      publishes            = ["room", "inbox"]
      reads_token_secret   = true
      invoked_async        = false
      environment = merge(local.common_environment, local.history_environment, local.presence_environment, local.token_environment, {
        CHAT_HISTORY_REQUIRE_AUTH  = tostring(var.history_require_auth)
        CHAT_MAX_BLOCKS            = tostring(var.max_blocks)
        CHAT_REPORT_RETENTION_DAYS = tostring(var.report_retention_days)
      })
    }
    "authorizer" = {
      name                 = "authorizer"
      description          = "IoT custom authorizer: player token in, IoT policy out"
      memory_size          = var.memory_size.authorizer
      timeout              = var.timeout.authorizer
      reserved_concurrency = var.reserved_concurrency.authorizer
      publishes            = []
      reads_token_secret   = true
      invoked_async        = false
      environment          = merge(local.common_environment, local.token_environment)
    }
    "presence" = {
      name                 = "presence"
      description          = "IoT lifecycle rules' action: channel membership and coalesced presence broadcasts"
      memory_size          = var.memory_size.presence
      timeout              = var.timeout.presence
      reserved_concurrency = var.reserved_concurrency.presence
      publishes            = ["presence"]
      reads_token_secret   = false
      invoked_async        = true
      environment = merge(local.common_environment, local.presence_environment, {
        NODE_OPTIONS              = "--enable-source-maps"
        IOT_DATA_ENDPOINT         = "https://${var.iot_data_endpoint_address}"
        CHAT_PRESENCE_INTERVAL_MS = tostring(var.presence_interval_ms)
        CHAT_PRESENCE_MAX_MEMBERS = tostring(var.presence_max_members)
      })
    }
  }

  # Each function publishes only the kinds of topics it owns (`publishes`): the filter and the API
  # rooms and inboxes, the presence function presence topics; never send/* or whisper/*, which
  # would loop the rules. Together SERVER_PUBLISH_KINDS of @game-chat/protocol/topics, which the
  # local Data Plane enforces; infra/tests/contracts.test.ts holds the two equal.
  publish_topic_arn_prefix = "arn:${local.partition}:iot:${local.region}:${local.account_id}:topic/${var.topic_prefix}"
}

################################################################################
# Generated player-token secret (when no other verification is configured)
################################################################################

# Ephemeral: generated during the apply that writes it and never stored in the state or a plan.
ephemeral "random_password" "token" {
  count = local.generate_token_secret ? 1 : 0

  length  = 64
  special = false
}

resource "aws_secretsmanager_secret" "token" {
  count = local.generate_token_secret ? 1 : 0

  name_prefix             = "${var.name}-player-token-"
  description             = "HS256 secret that signs ${var.name} player tokens; the game's backend reads it to issue them."
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.token_secret_recovery_window_days

  tags = local.tags
}

resource "aws_secretsmanager_secret_version" "token" {
  count = local.generate_token_secret ? 1 : 0

  secret_id = aws_secretsmanager_secret.token[0].id
  # Write-only: the value goes to Secrets Manager only when the version number changes, and
  # Terraform refreshes this resource with ListSecretVersionIds, so a plan never reads it.
  secret_string_wo         = ephemeral.random_password.token[0].result
  secret_string_wo_version = var.token_secret_version
}

################################################################################
# Failed async events
################################################################################

# Events the filter could not handle after Lambda's retries, or that outlived the maximum event
# age, land here (infra/README.md has the redrive runbook).
resource "aws_sqs_queue" "failed_events" {
  name                      = "${var.name}-message-filter-failed"
  message_retention_seconds = var.failed_events_retention_seconds
  # The provider declares the two as ConflictsWith, and an explicit false counts as set: null
  # leaves SSE-SQS out when a customer managed key encrypts the queue.
  sqs_managed_sse_enabled = var.kms_key_arn == null ? true : null
  kms_master_key_id       = var.kms_key_arn

  tags = local.tags
}

################################################################################
# IAM: one role per function, each with only what that function does
################################################################################

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = local.functions

  name               = "${var.name}-${each.value.name}"
  description        = "Execution role of ${var.name}-${each.value.name}"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json

  tags = local.tags
}

data "aws_iam_policy_document" "function" {
  for_each = local.functions

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this[each.key].arn}:*"]
  }

  # What AWSLambdaVPCAccessExecutionRole grants: Lambda manages the function's network
  # interfaces with the execution role, and EC2 offers no narrower resource for these calls.
  statement {
    sid = "ManageVpcNetworkInterfaces"
    actions = [
      "ec2:CreateNetworkInterface",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSubnets",
      "ec2:DeleteNetworkInterface",
      "ec2:AssignPrivateIpAddresses",
      "ec2:UnassignPrivateIpAddresses",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "ReadCacheAuthToken"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.redis_auth_secret_arn]
  }

  dynamic "statement" {
    for_each = each.value.reads_token_secret && local.uses_token_secret ? [local.token_secret_arn] : []

    content {
      sid       = "ReadPlayerTokenSecret"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn != null ? [var.kms_key_arn] : []

    content {
      sid       = "DecryptSecrets"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.publishes) > 0 ? [each.value.publishes] : []

    content {
      sid       = "PublishOwnTopics"
      actions   = ["iot:Publish"]
      resources = [for kind in statement.value : "${local.publish_topic_arn_prefix}/${kind}/*"]
    }
  }

  dynamic "statement" {
    for_each = each.value.invoked_async ? [aws_sqs_queue.failed_events.arn] : []

    content {
      sid       = "SendFailedEvents"
      actions   = ["sqs:SendMessage"]
      resources = [statement.value]
    }
  }

  # Lambda sends to the on-failure destination with the execution role; SendMessage to a queue
  # under a customer managed key needs a data key from that key.
  dynamic "statement" {
    for_each = each.value.invoked_async && var.kms_key_arn != null ? [var.kms_key_arn] : []

    content {
      sid       = "EncryptFailedEvents"
      actions   = ["kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "this" {
  for_each = local.functions

  name   = "${var.name}-${each.value.name}"
  role   = aws_iam_role.this[each.key].id
  policy = data.aws_iam_policy_document.function[each.key].json
}

################################################################################
# Log groups
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  for_each = local.functions

  name              = "/aws/lambda/${var.name}-${each.value.name}"
  retention_in_days = var.log_retention_days

  tags = local.tags
}

################################################################################
# Functions
################################################################################

resource "aws_lambda_function" "this" {
  for_each = local.functions

  function_name = "${var.name}-${each.value.name}"
  description   = each.value.description
  role          = aws_iam_role.this[each.key].arn

  filename         = "${var.packages_dir}/${each.key}/dist/lambda.zip"
  source_code_hash = filebase64sha256("${var.packages_dir}/${each.key}/dist/lambda.zip")
  handler          = "handler.handler"
  runtime          = var.runtime
  architectures    = ["arm64"]

  memory_size                    = each.value.memory_size
  timeout                        = each.value.timeout
  reserved_concurrent_executions = each.value.reserved_concurrency

  environment {
    variables = each.value.environment
  }

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = var.security_group_ids
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this[each.key].name
  }

  tags = local.tags

  depends_on = [aws_iam_role_policy.this]

  lifecycle {
    precondition {
      condition     = length(compact([var.token_secret_arn, var.token_public_key, var.token_jwks_url])) <= 1
      error_message = "Set at most one of token_secret_arn, token_public_key and token_jwks_url."
    }
    precondition {
      condition     = var.token_jwks_url == null || var.internet_egress
      error_message = "token_jwks_url needs internet egress from the functions' private subnets: enable the network's NAT gateway (network.enable_nat_gateway), or use token_public_key. Without it every login fails fetching the JWKS."
    }
    # A plan-time check, not a variable validation, so that `terraform validate` passes before
    # an environment's keys exist.
    precondition {
      condition     = var.generated_token_secret_allowed || length(compact([var.token_secret_arn, var.token_public_key, var.token_jwks_url])) == 1
      error_message = "No player-token verification is configured and generated_token_secret_allowed is false: set token_public_key (node scripts/deploy.mjs keys <env> writes it), token_secret_arn or token_jwks_url."
    }
  }
}

# IoT invokes the filter asynchronously. The filter rides out Redis and Data Plane blips inside
# the invocation (CHAT_RETRY_BUDGET_MS); Lambda's own retries, about 1 and then 2 minutes after a
# failure, are the second line. The maximum age must let both run (infra/README.md explains).
resource "aws_lambda_function_event_invoke_config" "message_filter" {
  function_name                = aws_lambda_function.this["message-filter"].function_name
  maximum_event_age_in_seconds = var.message_filter_maximum_event_age_in_seconds
  maximum_retry_attempts       = var.message_filter_maximum_retry_attempts

  destination_config {
    on_failure {
      destination = aws_sqs_queue.failed_events.arn
    }
  }

  lifecycle {
    precondition {
      condition     = var.retry_budget_ms < var.timeout.message_filter * 1000
      error_message = "retry_budget_ms (${var.retry_budget_ms}) must be below timeout.message_filter (${var.timeout.message_filter} s): after the budget the filter still has to publish the unavailable notice."
    }
  }
}

# IoT invokes the presence function asynchronously too. A replayed lifecycle event changes nothing
# it already changed; the store ignores events older than 15 minutes (PRESENCE_HORIZON_MS of
# @game-chat/chat-store), so the maximum age stays below that.
resource "aws_lambda_function_event_invoke_config" "presence" {
  function_name                = aws_lambda_function.this["presence"].function_name
  maximum_event_age_in_seconds = var.presence_maximum_event_age_in_seconds
  maximum_retry_attempts       = 2

  destination_config {
    on_failure {
      destination = aws_sqs_queue.failed_events.arn
    }
  }

  lifecycle {
    precondition {
      condition     = var.presence_interval_ms < var.timeout.presence * 1000
      error_message = "presence_interval_ms (${var.presence_interval_ms}) must be below timeout.presence (${var.timeout.presence} s): the function that owns a coalesced broadcast waits up to one interval."
    }
  }
}
