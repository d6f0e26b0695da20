locals {
  tags = merge(var.tags, { "game-chat:module" = "chat-api" })

  # The HTTP API's route table, route key => who may call it (packages/protocol/src/http.ts,
  # contract §5); a static test keeps the two equal.
  routes = {
    "GET /channels/{channel}/messages"               = "player"
    "POST /channels/{channel}/announcements"         = "moderator"
    "DELETE /channels/{channel}/messages/{id}"       = "moderator"
    "PUT /players/{playerId}/mute"                   = "moderator"
    "DELETE /players/{playerId}/mute"                = "moderator"
    "GET /channels/{channel}/presence"               = "player"
    "GET /occupancy"                                 = "player"
    "PUT /players/me/blocks/{playerId}"              = "player"
    "DELETE /players/me/blocks/{playerId}"           = "player"
    "GET /players/me/blocks"                         = "player"
    "POST /channels/{channel}/messages/{id}/reports" = "player"
    "GET /reports"                                   = "moderator"
    "POST /reports/{reportId}/resolution"            = "moderator"
    "PUT /channels/{channel}/slow-mode"              = "moderator"
    "DELETE /channels/{channel}/slow-mode"           = "moderator"
  }

  # Moderator actions are rare, and announcements and slow-mode changes reach whole rooms: their
  # own lower limits keep a leaked moderator token or a runaway tool from using the stage's whole
  # budget on them (review m7).
  moderator_routes = toset([for key, access in local.routes : key if access == "moderator"])

  # Same as CORS_ALLOW_METHODS, CORS_ALLOW_HEADERS and CORS_MAX_AGE_SECONDS in protocol/src/http.ts.
  cors_allow_methods = ["GET", "POST", "PUT", "DELETE", "OPTIONS"]
  cors_allow_headers = ["authorization", "content-type"]
  cors_max_age       = 600
}

################################################################################
# API, integration and routes
################################################################################

# The API, its log group and the permission keep the names they were deployed with before the
# module was renamed from history-api (migrations.tf): renaming them would replace them.
resource "aws_apigatewayv2_api" "this" {
  name          = "${var.name}-history"
  description   = "Chat history and moderation (contract §5)"
  protocol_type = "HTTP"

  cors_configuration {
    allow_origins = var.cors_allow_origins
    allow_methods = local.cors_allow_methods
    allow_headers = local.cors_allow_headers
    max_age       = local.cors_max_age
  }

  tags = local.tags
}

resource "aws_apigatewayv2_integration" "this" {
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = var.function_invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = var.integration_timeout_ms
}

resource "aws_apigatewayv2_route" "this" {
  for_each = local.routes

  api_id    = aws_apigatewayv2_api.this.id
  route_key = each.key
  target    = "integrations/${aws_apigatewayv2_integration.this.id}"
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowHistoryApi"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/*/*"
}

################################################################################
# $default stage with throttling and access logs
################################################################################

resource "aws_cloudwatch_log_group" "access" {
  name              = "/game-chat/${var.name}/history-api-access"
  retention_in_days = var.access_log_retention_days

  tags = local.tags
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true

  # Route settings name routes, which must exist first.
  depends_on = [aws_apigatewayv2_route.this]

  default_route_settings {
    throttling_rate_limit    = var.throttling_rate_limit
    throttling_burst_limit   = var.throttling_burst_limit
    detailed_metrics_enabled = var.detailed_metrics_enabled
  }

  dynamic "route_settings" {
    for_each = local.moderator_routes

    content {
      route_key                = route_settings.value
      throttling_rate_limit    = var.moderator_throttling_rate_limit
      throttling_burst_limit   = var.moderator_throttling_burst_limit
      detailed_metrics_enabled = var.detailed_metrics_enabled
    }
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      ip                 = "$context.identity.sourceIp"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      latencyMs          = "$context.responseLatency"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
    })
  }

  tags = local.tags
}
