"""Newsbot's default settings and lexicons.

Installed as the package `bot.defaults` (pyproject maps it to this folder) and read through
`importlib.resources`, so an installed Newsbot finds them from any directory; a user file named by
`NEWSBOT_CONFIG` overrides the settings.
"""
