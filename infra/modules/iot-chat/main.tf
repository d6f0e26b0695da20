data "aws_caller_identity" "current" {}

data "aws_iot_endpoint" "data_ats" {
  endpoint_type = "iot:Data-ATS"
}

locals {
  tags = merge(var.tags, { "game-chat:module" = "iot-chat" })

  rules_dir = coalesce(var.rules_dir, "${path.module}/../../rules")
  # Rule key => SQL file; the filter tells send from whisper by the topic. `presence-*.sql` files
  # (IoT Core's lifecycle events) go to the presence function, the others to the filter: the same
  # rule the local stack applies to infra/rules.
  rules = {
    send                   = "chat-send.sql"
    whisper                = "chat-whisper.sql"
    presence_connections   = "presence-connections.sql"
    presence_subscriptions = "presence-subscriptions.sql"
  }
  rule_functions = {
    for key, file in local.rules : key => (
      startswith(file, "presence-")
      ? { name = var.presence_function_name, arn = var.presence_function_arn }
      : { name = var.message_filter_function_name, arn = var.message_filter_function_arn }
    )
  }
  # Null while a new domain configuration's name is not known yet (provider builds that do not
  # mark domain_name as computed leave it null in the plan); the outputs stay null then instead
  # of failing on "wss://${null}".
  mqtt_host = var.create_domain_configuration ? one(aws_iot_domain_configuration.this[*].domain_name) : data.aws_iot_endpoint.data_ats.endpoint_address
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
# Topic rules → message filter, lifecycle rules → presence
################################################################################

resource "aws_iot_topic_rule" "this" {
  for_each = local.rules

  name        = replace("${var.name}_${each.key}", "-", "_")
  description = startswith(each.value, "presence-") ? "IoT lifecycle events (${each.key}) to the presence function" : "Chat ${each.key} messages to the message filter"
  enabled     = true
  sql         = trimspace(templatefile("${local.rules_dir}/${each.value}", { topic_prefix = var.topic_prefix }))
  sql_version = "2016-03-23"

  lambda {
    function_arn = local.rule_functions[each.key].arn
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
  function_name  = local.rule_functions[each.key].name
  principal      = "iot.amazonaws.com"
  source_arn     = aws_iot_topic_rule.this[each.key].arn
  source_account = data.aws_caller_identity.current.account_id
}

################################################################################
# Custom authorizer
################################################################################

# Token signing on: IoT Core checks the signature (base64 RSA-SHA256 of the token, from the
# x-amz-customauthorizer-signature parameter) against these public keys before it invokes the
# function, so junk connects cannot use up the authorizer's concurrency. AWS cannot switch
# signing on for an existing authorizer, and the provider neither sends signing_disabled on
# update nor replaces the resource when it or the name changes: hence a new resource address
# and a new name; the unsigned "this" authorizer of earlier versions is destroyed.
resource "aws_iot_authorizer" "signed" {
  name                      = var.authorizer_name
  authorizer_function_arn   = var.authorizer_function_arn
  signing_disabled          = false
  token_key_name            = var.authorizer_token_key_name
  token_signing_public_keys = var.authorizer_signing_public_keys
  status                    = "ACTIVE"
  enable_caching_for_http   = false

  tags = local.tags

  lifecycle {
    # A plan-time check, so `terraform validate` passes before the environment's keys exist.
    precondition {
      condition     = length(var.authorizer_signing_public_keys) >= 1
      error_message = "authorizer_signing_public_keys is empty: IoT Core needs a public key to check token signatures. Run node scripts/deploy.mjs keys <env> (infra/README.md, Signed connects)."
    }
  }
}

resource "aws_lambda_permission" "authorizer" {
  statement_id   = "AllowIotAuthorizer"
  action         = "lambda:InvokeFunction"
  function_name  = var.authorizer_function_name
  principal      = "iot.amazonaws.com"
  source_arn     = aws_iot_authorizer.signed.arn
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_iot_domain_configuration" "this" {
  count = var.create_domain_configuration ? 1 : 0

  name         = "${var.name}-chat"
  service_type = "DATA"

  authorizer_config {
    default_authorizer_name   = aws_iot_authorizer.signed.name
    allow_authorizer_override = true
  }

  tags = local.tags

  depends_on = [aws_lambda_permission.authorizer]

  lifecycle {
    # Provider builds without hashicorp/terraform-provider-aws#41985 plan domain_name as null
    # after the create and would replace the configuration on every apply (#41819).
    ignore_changes = [domain_name]
  }
}

check "domain_configuration_host" {
  assert {
    condition     = !var.create_domain_configuration || local.mqtt_host != null
    error_message = "The domain configuration's domain_name is not known yet, so websocket_url and mqtt_host are null in this plan; they are filled in by the apply."
  }
}
