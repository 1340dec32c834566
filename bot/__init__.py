"""Newsbot: reads every article link shared in Slack and replies with its quotes, organizations and themes."""

__version__ = "0.1.0"
