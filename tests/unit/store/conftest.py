from tests.store_fixtures import analyzed_articles, database_url, postgres_server, postgres_url, sqlite_url

__all__ = ["analyzed_articles", "database_url", "postgres_server", "postgres_url", "sqlite_url"]
