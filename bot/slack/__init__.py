"""Slack-facing parts: pure Block Kit builders (`blocks`) and the Web API client factory (`client`)."""
