SELECT * FROM '$aws/events/subscriptions/+/+'
