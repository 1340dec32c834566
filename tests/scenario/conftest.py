"""PostgreSQL fixtures for the scenario tests that need a real server (skipped where none runs)."""

from tests.store_fixtures import postgres_server, postgres_url

__all__ = ["postgres_server", "postgres_url"]
