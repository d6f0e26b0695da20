################################################################################
# The history-api module was renamed chat-api (after its package): its resources move with it,
# keeping their AWS names, so nothing is replaced.
################################################################################

moved {
  from = module.history_api
  to   = module.chat_api
}
