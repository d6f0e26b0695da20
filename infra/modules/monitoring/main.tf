data "aws_region" "current" {}

locals {
  tags = merge(var.tags, { "game-chat:module" = "monitoring" })

  rule_error_namespace = "GameChat/${var.name}"

  # Every alarm below names its metric, dimensions and source in infra/README.md (Alarms).
  # An alarm watches one metric with exactly these dimensions, or, with `query`, runs a
  # CloudWatch Metrics Insights query instead: for metrics whose other dimension values AWS
  # does not document (ActionType, Protocol), so that no dimension set is guessed.
  # Lambda alarms are keyed (and named) by the function's own name without the stack prefix, so
  # they follow what AWS calls the function, not the package that builds it.
  lambda_alarms = merge([
    for function_name in values(var.function_names) : {
      "${trimprefix(function_name, "${var.name}-")}-errors" = {
        description = "${function_name} returned errors (after async retries this means lost or delayed messages)."
        namespace   = "AWS/Lambda"
        metric      = "Errors"
        dimensions  = { FunctionName = function_name }
        statistic   = "Sum"
        threshold   = 0
        periods     = 1
      }
      "${trimprefix(function_name, "${var.name}-")}-throttles" = {
        description = "${function_name} was throttled: raise its reserved concurrency or the account limit."
        namespace   = "AWS/Lambda"
        metric      = "Throttles"
        dimensions  = { FunctionName = function_name }
        statistic   = "Sum"
        threshold   = 0
        periods     = 1
      }
    }
  ]...)

  cache_alarms = merge([
    for node in var.cache_cluster_ids : {
      "${node}-cpu" = {
        description = "Cache node ${node}: engine CPU high; the chat's Lua scripts queue up."
        namespace   = "AWS/ElastiCache"
        metric      = "EngineCPUUtilization"
        dimensions  = { CacheClusterId = node }
        statistic   = "Average"
        threshold   = var.cache_cpu_percent
        periods     = 3
      }
      "${node}-memory" = {
        description = "Cache node ${node}: memory nearly full; evictions come next."
        namespace   = "AWS/ElastiCache"
        metric      = "DatabaseMemoryUsagePercentage"
        dimensions  = { CacheClusterId = node }
        statistic   = "Average"
        threshold   = var.cache_memory_percent
        periods     = 3
      }
      "${node}-evictions" = {
        description = "Cache node ${node} evicted keys: history, rate limits or mutes were lost early (reports and block lists have no TTL and are never evicted)."
        namespace   = "AWS/ElastiCache"
        metric      = "Evictions"
        dimensions  = { CacheClusterId = node }
        statistic   = "Sum"
        threshold   = 0
        periods     = 1
      }
      # Only replicas report this metric; the primary's missing data is not a breach.
      "${node}-replication-lag" = {
        description = "Cache node ${node}: replica behind the primary; a failover now would lose recent writes."
        namespace   = "AWS/ElastiCache"
        metric      = "ReplicationLag"
        dimensions  = { CacheClusterId = node }
        statistic   = "Maximum"
        threshold   = var.cache_replication_lag_seconds
        periods     = 3
      }
    }
  ]...)

  rule_alarms = merge([
    for key, rule in var.rule_names : {
      "iot-rule-${key}-throttled" = {
        description = "The IoT rules engine throttled messages of rule ${rule}: they never reached the message filter."
        namespace   = "AWS/IoT"
        metric      = "RuleMessageThrottled"
        dimensions  = { RuleName = rule }
        statistic   = "Sum"
        threshold   = 0
        periods     = 1
      }
      "iot-rule-${key}-action-failures" = {
        description = "Rule ${rule} could not invoke the message filter (AWS/IoT Failure); the error action logs each one."
        query       = "SELECT SUM(Failure) FROM SCHEMA(\"AWS/IoT\", ActionType, RuleName) WHERE RuleName = '${rule}'"
        threshold   = 0
        periods     = 1
      }
      "iot-rule-${key}-error-action-failures" = {
        description = "The error action of rule ${rule} failed too (AWS/IoT ErrorActionFailure): a failed message was lost without a log line."
        query       = "SELECT SUM(ErrorActionFailure) FROM SCHEMA(\"AWS/IoT\", ActionType, RuleName) WHERE RuleName = '${rule}'"
        threshold   = 0
        periods     = 1
      }
    }
  ]...)

  filter_function_name = var.function_names["message-filter"]
  # What a dropped event of each asynchronously invoked function loses.
  async_losses = {
    "message-filter" = "filter events: those messages are lost"
    "presence"       = "lifecycle events: some joins or leaves were never counted, and those members stay wrong until they reconnect or their lease (CHAT_PRESENCE_STALE_SECONDS) ends"
  }
  async_alarms = merge(merge([
    for key, lost in local.async_losses : {
      "${key}-async-events-dropped" = {
        description = "Lambda dropped ${lost} (AsyncEventsDropped: maximum event age or retries exhausted with no destination, or the function's concurrency at 0)."
        namespace   = "AWS/Lambda"
        metric      = "AsyncEventsDropped"
        dimensions  = { FunctionName = var.function_names[key] }
        statistic   = "Sum"
        threshold   = 0
        periods     = 1
      }
      "${key}-destination-delivery-failures" = {
        description = "Lambda could not put failed ${lost} into the failed-events queue (DestinationDeliveryFailures): check the queue's key policy and the role."
        namespace   = "AWS/Lambda"
        metric      = "DestinationDeliveryFailures"
        dimensions  = { FunctionName = var.function_names[key] }
        statistic   = "Sum"
        threshold   = 0
        periods     = 1
      }
    }
    ]...), {
    "message-filter-async-event-age" = {
      description = "A filter event waited over ${var.async_event_age_seconds} s in Lambda's queue (AsyncEventAge maximum): the filter is throttled or Lambda is retrying failures, so messages arrive late."
      namespace   = "AWS/Lambda"
      metric      = "AsyncEventAge"
      dimensions  = { FunctionName = local.filter_function_name }
      statistic   = "Maximum"
      # AsyncEventAge is in milliseconds.
      threshold = var.async_event_age_seconds * 1000
      periods   = 1
    }
  })

  other_alarms = {
    "iot-connect-auth-errors" = {
      description = "IoT Core refused more than ${var.connect_auth_errors_per_5_minutes} connects in five minutes (Connect.AuthError): bad signatures or tokens, a key rotation gone wrong, or someone probing."
      query       = "SELECT SUM(\"Connect.AuthError\") FROM SCHEMA(\"AWS/IoT\", Protocol)"
      threshold   = var.connect_auth_errors_per_5_minutes
      periods     = 1
    }
    "failed-events" = {
      description = "Filter events failed every retry or aged out: messages were not delivered. Inspect ${var.failed_events_queue_name} (runbook in infra/README.md)."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = var.failed_events_queue_name }
      statistic   = "Maximum"
      threshold   = 0
      periods     = 1
    }
    "iot-rule-failures" = {
      description = "An IoT topic rule could not invoke the message filter; see ${var.rule_error_log_group_name}."
      namespace   = local.rule_error_namespace
      metric      = "RuleActionFailures"
      dimensions  = {}
      statistic   = "Sum"
      threshold   = 0
      periods     = 1
    }
    "api-5xx" = {
      description = "The history API answered 5xx responses."
      namespace   = "AWS/ApiGateway"
      metric      = "5xx"
      dimensions  = { ApiId = var.api_id }
      statistic   = "Sum"
      threshold   = var.api_5xx_per_5_minutes
      periods     = 1
    }
  }

  alarms = merge(local.lambda_alarms, local.cache_alarms, local.rule_alarms, local.async_alarms, local.other_alarms)
}

################################################################################
# Notifications
################################################################################

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.kms_key_arn

  tags = local.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_email_addresses)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

################################################################################
# IoT rule failures: a metric from the error action's log group
################################################################################

resource "aws_cloudwatch_log_metric_filter" "rule_failures" {
  name           = "${var.name}-iot-rule-failures"
  log_group_name = var.rule_error_log_group_name
  # Every event the error action writes is one failed rule action.
  pattern = ""

  metric_transformation {
    name          = "RuleActionFailures"
    namespace     = local.rule_error_namespace
    value         = "1"
    default_value = "0"
  }
}

################################################################################
# Alarms
################################################################################

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name        = "${var.name}-${each.key}"
  alarm_description = each.value.description
  # A query alarm names no metric of its own: its only metric is the query.
  namespace           = try(each.value.namespace, null)
  metric_name         = try(each.value.metric, null)
  dimensions          = try(each.value.dimensions, null)
  statistic           = try(each.value.statistic, null)
  period              = can(each.value.query) ? null : 300
  evaluation_periods  = each.value.periods
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"

  dynamic "metric_query" {
    for_each = can(each.value.query) ? [each.value.query] : []

    content {
      id          = "q"
      expression  = metric_query.value
      period      = 300
      return_data = true
    }
  }

  actions_enabled = var.alarm_actions_enabled
  alarm_actions   = [aws_sns_topic.alarms.arn]
  ok_actions      = [aws_sns_topic.alarms.arn]

  tags = local.tags
}

################################################################################
# Dashboard
################################################################################

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = "${var.name}-chat"
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title  = "Lambda invocations and errors"
          region = data.aws_region.current.region
          stat   = "Sum"
          period = 60
          metrics = flatten([
            for function_name in values(var.function_names) : [
              ["AWS/Lambda", "Invocations", "FunctionName", function_name],
              ["AWS/Lambda", "Errors", "FunctionName", function_name],
            ]
          ])
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title   = "Lambda duration p95 (ms)"
          region  = data.aws_region.current.region
          stat    = "p95"
          period  = 60
          metrics = [for function_name in values(var.function_names) : ["AWS/Lambda", "Duration", "FunctionName", function_name]]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title  = "Cache CPU and memory (%)"
          region = data.aws_region.current.region
          stat   = "Average"
          period = 60
          metrics = flatten([
            for node in var.cache_cluster_ids : [
              ["AWS/ElastiCache", "EngineCPUUtilization", "CacheClusterId", node],
              ["AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "CacheClusterId", node],
            ]
          ])
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title  = "Cache evictions and replication lag"
          region = data.aws_region.current.region
          stat   = "Maximum"
          period = 60
          metrics = flatten([
            for node in var.cache_cluster_ids : [
              ["AWS/ElastiCache", "Evictions", "CacheClusterId", node],
              ["AWS/ElastiCache", "ReplicationLag", "CacheClusterId", node],
            ]
          ])
        }
      },
      {
        type = "metric", x = 0, y = 12, width = 12, height = 6
        properties = {
          title  = "History API requests and errors"
          region = data.aws_region.current.region
          stat   = "Sum"
          period = 60
          metrics = [
            ["AWS/ApiGateway", "Count", "ApiId", var.api_id],
            ["AWS/ApiGateway", "4xx", "ApiId", var.api_id],
            ["AWS/ApiGateway", "5xx", "ApiId", var.api_id],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 12, width = 12, height = 6
        properties = {
          title  = "Lost messages: failed events, rule failures, dropped async events"
          region = data.aws_region.current.region
          stat   = "Sum"
          period = 60
          metrics = [
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.failed_events_queue_name, { stat = "Maximum" }],
            [local.rule_error_namespace, "RuleActionFailures"],
            ["AWS/Lambda", "AsyncEventsDropped", "FunctionName", local.filter_function_name],
            ["AWS/Lambda", "DestinationDeliveryFailures", "FunctionName", local.filter_function_name],
          ]
        }
      },
    ]
  })
}
