data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  tags = merge(var.tags, { "game-chat:module" = "chat-functions" })

  region     = data.aws_region.current.region
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # Player tokens: a given HS256 secret, a public key, a JWKS URL, or else a generated HS256 secret.
  generate_token_secret = var.token_secret_arn == null && var.token_public_key == null && var.token_jwks_url == null
  # Known at plan time even when the generated secret's ARN is not yet.
  uses_token_secret = local.generate_token_secret || var.token_secret_arn != null
  token_secret_arn  = local.generate_token_secret ? one(aws_secretsmanager_secret.token[*].arn) : var.token_secret_arn
  token_environment = (
    local.uses_token_secret ? tomap({ CHAT_TOKEN_SECRET_ARN = local.token_secret_arn }) :
    var.token_public_key != null ? tomap({ CHAT_TOKEN_PUBLIC_KEY = var.token_public_key }) :
    tomap({ CHAT_TOKEN_JWKS_URL = var.token_jwks_url })
  )

  common_environment = {
    NODE_OPTIONS               = "--enable-source-maps"
    REDIS_URL                  = var.redis_url
    CHAT_REDIS_AUTH_SECRET_ARN = var.redis_auth_secret_arn
    CHAT_REDIS_KEY_PREFIX      = var.redis_key_prefix
    CHAT_TOPIC_PREFIX          = var.topic_prefix
  }
  history_environment = {
    IOT_DATA_ENDPOINT    = "https://${var.iot_data_endpoint_address}"
    CHAT_HISTORY_SECONDS = tostring(var.history_seconds)
    CHAT_HISTORY_MAX     = tostring(var.history_max)
    CHAT_MAX_TEXT        = tostring(var.max_text)
    CHAT_PROFANITY       = var.profanity
  }

  # The three functions, keyed by their package name (packages/<key>, dist/lambda/<key>.zip).
  functions = {
    "message-filter" = {
      description          = "IoT rule action: checks, stores and republishes chat messages"
      memory_size          = var.memory_size.message_filter
      timeout              = var.timeout.message_filter
      reserved_concurrency = var.reserved_concurrency.message_filter
      publishes            = true
      reads_token_secret   = false
      invoked_async        = true
      environment = merge(local.common_environment, local.history_environment, {
        CHAT_RATE_BURST              = tostring(var.rate_burst)
        CHAT_RATE_PER_SECOND         = tostring(var.rate_per_second)
        CHAT_CHANNEL_RATE_PER_SECOND = tostring(var.channel_rate_per_second)
      })
    }
    "history-api" = {
      description          = "HTTP API: channel history, announcements, deletes and mutes"
      memory_size          = var.memory_size.history_api
      timeout              = var.timeout.history_api
      reserved_concurrency = var.reserved_concurrency.history_api
      publishes            = true
      reads_token_secret   = true
      invoked_async        = false
      environment = merge(local.common_environment, local.history_environment, local.token_environment, {
        CHAT_HISTORY_REQUIRE_AUTH = tostring(var.history_require_auth)
        CHAT_CORS_ORIGINS         = join(",", var.cors_origins)
      })
    }
    "authorizer" = {
      description          = "IoT custom authorizer: player token in, IoT policy out"
      memory_size          = var.memory_size.authorizer
      timeout              = var.timeout.authorizer
      reserved_concurrency = var.reserved_concurrency.authorizer
      publishes            = false
      reads_token_secret   = true
      invoked_async        = false
      environment          = merge(local.common_environment, local.token_environment)
    }
  }

  # Only the two chat topics the filter owns; never send/* or whisper/*, which would loop the rules.
  publish_topic_arns = [
    for kind in ["room", "inbox"] :
    "arn:${local.partition}:iot:${local.region}:${local.account_id}:topic/${var.topic_prefix}/${kind}/*"
  ]
}

################################################################################
# Generated player-token secret (when no other verification is configured)
################################################################################

resource "random_password" "token" {
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

  secret_id     = aws_secretsmanager_secret.token[0].id
  secret_string = random_password.token[0].result
}

################################################################################
# Failed async events
################################################################################

# Events the filter could not handle after its retries (or that aged past a minute) land here.
resource "aws_sqs_queue" "failed_events" {
  name                      = "${var.name}-message-filter-failed"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = var.kms_key_arn == null
  kms_master_key_id         = var.kms_key_arn

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

  name               = "${var.name}-${each.key}"
  description        = "Execution role of ${var.name}-${each.key}"
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
    for_each = each.value.publishes ? [local.publish_topic_arns] : []

    content {
      sid       = "PublishRoomAndInbox"
      actions   = ["iot:Publish"]
      resources = statement.value
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
}

resource "aws_iam_role_policy" "this" {
  for_each = local.functions

  name   = "${var.name}-${each.key}"
  role   = aws_iam_role.this[each.key].id
  policy = data.aws_iam_policy_document.function[each.key].json
}

################################################################################
# Log groups
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  for_each = local.functions

  name              = "/aws/lambda/${var.name}-${each.key}"
  retention_in_days = var.log_retention_days

  tags = local.tags
}

################################################################################
# Functions
################################################################################

resource "aws_lambda_function" "this" {
  for_each = local.functions

  function_name = "${var.name}-${each.key}"
  description   = each.value.description
  role          = aws_iam_role.this[each.key].arn

  filename         = "${var.artifacts_dir}/${each.key}.zip"
  source_code_hash = filebase64sha256("${var.artifacts_dir}/${each.key}.zip")
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
  }
}

# IoT invokes the filter asynchronously. History lives 30 s, so an event older than a minute is
# useless: drop it to the queue instead of retrying for hours.
resource "aws_lambda_function_event_invoke_config" "message_filter" {
  function_name                = aws_lambda_function.this["message-filter"].function_name
  maximum_event_age_in_seconds = 60
  maximum_retry_attempts       = 2

  destination_config {
    on_failure {
      destination = aws_sqs_queue.failed_events.arn
    }
  }
}
