data "aws_caller_identity" "current" {}

data "aws_iot_endpoint" "data_ats" {
  endpoint_type = "iot:Data-ATS"
}

locals {
  tags = merge(var.tags, { "game-chat:module" = "iot-chat" })

  rules_dir = coalesce(var.rules_dir, "${path.module}/../../rules")
  # Rule key => SQL file; the filter tells send from whisper by the topic.
  rules = {
    send    = "chat-send.sql"
    whisper = "chat-whisper.sql"
  }
  authorizer_name = "${var.name}-authorizer"
  mqtt_host       = var.create_domain_configuration ? one(aws_iot_domain_configuration.this[*].domain_name) : data.aws_iot_endpoint.data_ats.endpoint_address
}

################################################################################
# Error action: failed Lambda invocations go to a log group
################################################################################

resource "aws_cloudwatch_log_group" "rule_errors" {
  name              = "/game-chat/${var.name}/iot-rule-errors"
  retention_in_days = var.error_log_retention_days

  tags = local.tags
}

data "aws_iam_policy_document" "assume_iot" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["iot.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "rule_errors" {
  name               = "${var.name}-iot-rule-errors"
  description        = "Lets the chat topic rules' error action write to its log group"
  assume_role_policy = data.aws_iam_policy_document.assume_iot.json

  tags = local.tags
}

data "aws_iam_policy_document" "rule_errors" {
  statement {
    sid       = "WriteRuleErrors"
    actions   = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.rule_errors.arn}:*"]
  }
}

resource "aws_iam_role_policy" "rule_errors" {
  name   = "${var.name}-iot-rule-errors"
  role   = aws_iam_role.rule_errors.id
  policy = data.aws_iam_policy_document.rule_errors.json
}

################################################################################
# Topic rules → message filter
################################################################################

resource "aws_iot_topic_rule" "this" {
  for_each = local.rules

  name        = replace("${var.name}_${each.key}", "-", "_")
  description = "Chat ${each.key} messages to the message filter"
  enabled     = true
  sql         = trimspace(templatefile("${local.rules_dir}/${each.value}", { topic_prefix = var.topic_prefix }))
  sql_version = "2016-03-23"

  lambda {
    function_arn = var.message_filter_function_arn
  }

  error_action {
    cloudwatch_logs {
      log_group_name = aws_cloudwatch_log_group.rule_errors.name
      role_arn       = aws_iam_role.rule_errors.arn
    }
  }

  tags = local.tags

  depends_on = [aws_iam_role_policy.rule_errors]
}

resource "aws_lambda_permission" "rule" {
  for_each = local.rules

  statement_id   = "AllowIotRule-${each.key}"
  action         = "lambda:InvokeFunction"
  function_name  = var.message_filter_function_name
  principal      = "iot.amazonaws.com"
  source_arn     = aws_iot_topic_rule.this[each.key].arn
  source_account = data.aws_caller_identity.current.account_id
}

################################################################################
# Custom authorizer
################################################################################

# Signing off: the player token is a JWT that the function verifies itself; browsers cannot sign
# a second time with an IoT token-signing key.
resource "aws_iot_authorizer" "this" {
  name                    = local.authorizer_name
  authorizer_function_arn = var.authorizer_function_arn
  signing_disabled        = true
  status                  = "ACTIVE"
  enable_caching_for_http = false

  tags = local.tags
}

resource "aws_lambda_permission" "authorizer" {
  statement_id   = "AllowIotAuthorizer"
  action         = "lambda:InvokeFunction"
  function_name  = var.authorizer_function_name
  principal      = "iot.amazonaws.com"
  source_arn     = aws_iot_authorizer.this.arn
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_iot_domain_configuration" "this" {
  count = var.create_domain_configuration ? 1 : 0

  name         = "${var.name}-chat"
  service_type = "DATA"

  authorizer_config {
    default_authorizer_name   = aws_iot_authorizer.this.name
    allow_authorizer_override = true
  }

  tags = local.tags

  depends_on = [aws_lambda_permission.authorizer]
}
