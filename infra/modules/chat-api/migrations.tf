################################################################################
# Renamed from the history-api module (the package is now chat-api): the same resources under
# new addresses, so that Terraform moves them instead of replacing them.
################################################################################

moved {
  from = aws_apigatewayv2_integration.history
  to   = aws_apigatewayv2_integration.this
}
