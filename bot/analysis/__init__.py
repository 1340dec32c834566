"""Pure analysis: article text in, `bot.models.Analysis` out. spaCy components registered by
name (see `nlp.py`) write their results to `doc._`; `to_analysis` turns a Doc into dataclasses."""
