################################################################################
# The history-api package was renamed chat-api: its function's resources move to the new key.
# Their AWS names stay `<name>-history-api` (local.functions["chat-api"].name), so nothing is
# replaced.
################################################################################

moved {
  from = aws_iam_role.this["history-api"]
  to   = aws_iam_role.this["chat-api"]
}

moved {
  from = aws_iam_role_policy.this["history-api"]
  to   = aws_iam_role_policy.this["chat-api"]
}

moved {
  from = aws_cloudwatch_log_group.this["history-api"]
  to   = aws_cloudwatch_log_group.this["chat-api"]
}

moved {
  from = aws_lambda_function.this["history-api"]
  to   = aws_lambda_function.this["chat-api"]
}
