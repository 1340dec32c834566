"""Settings: the environment beats config/newsbot.toml, bad values become one readable error,
and the README documents every variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.errors import ConfigError
from bot.paths import CONFIG_DIR, REPO_ROOT


def _env_name(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    return alias.choices[0]  # type: ignore[union-attr]


def test_defaults_come_from_the_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = tmp_path / "newsbot.toml"
    cfg.write_text('max_bytes = 1234\nport = 4321\ndefault_timezone = "Europe/Paris"\n')
    monkeypatch.setenv("NEWSBOT_CONFIG", str(cfg))
    monkeypatch.delenv("PORT", raising=False)
    s = load_settings()
    assert (s.max_bytes, s.port, s.default_timezone) == (1234, 4321, "Europe/Paris")


def test_user_file_overrides_only_its_own_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import tomllib

    packaged = tomllib.loads((CONFIG_DIR / "newsbot.toml").read_text("utf8"))
    cfg = tmp_path / "mine.toml"
    cfg.write_text(f"digest_max_articles = {packaged['digest_max_articles'] + 7}\n")
    monkeypatch.setenv("NEWSBOT_CONFIG", str(cfg))
    monkeypatch.delenv("NEWSBOT_DIGEST_MAX_ARTICLES", raising=False)
    monkeypatch.delenv("NEWSBOT_MAX_BYTES", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    s = load_settings()
    assert s.digest_max_articles == packaged["digest_max_articles"] + 7
    assert s.max_bytes == packaged["max_bytes"]  # everything else still from the packaged defaults


def test_missing_user_file_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEWSBOT_CONFIG", str(tmp_path / "typo.toml"))
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "typo.toml" in info.value.message


def test_environment_overrides_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = tmp_path / "newsbot.toml"
    cfg.write_text("port = 4321\nallow_private_urls = false\nscheduler = true\n")
    monkeypatch.setenv("NEWSBOT_CONFIG", str(cfg))
    monkeypatch.setenv("PORT", "5555")
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", "1")
    monkeypatch.setenv("NEWSBOT_SCHEDULER", "off")
    s = load_settings()
    assert s.port == 5555
    assert s.allow_private_urls is True
    assert s.scheduler is False


def test_invalid_value_is_one_readable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_MAX_BYTES", "lots")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "NEWSBOT_MAX_BYTES" in info.value.message  # named as the user would set it


def test_private_urls_are_refused_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NEWSBOT_ALLOW_PRIVATE_URLS", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    assert load_settings().allow_private_urls is False


def test_readme_documents_every_setting() -> None:
    readme = (REPO_ROOT / "README.md").read_text("utf8")
    missing = [_env_name(f) for f in Settings.model_fields if f"`{_env_name(f)}`" not in readme]
    assert not missing, f"README configuration table lacks: {missing}"


def test_config_file_keys_are_settings() -> None:
    import tomllib

    data = tomllib.loads((CONFIG_DIR / "newsbot.toml").read_text("utf8"))
    unknown = set(data) - set(Settings.model_fields)
    assert not unknown, f"config/newsbot.toml has keys Settings does not know: {unknown}"


@pytest.mark.parametrize(
    ("env", "value", "fragment"),
    [
        ("NEWSBOT_LOG_LEVEL", "verbose", "NEWSBOT_LOG_LEVEL"),
        ("NEWSBOT_TIMEZONE", "Mars/Olympus", "unknown time zone"),
    ],
)
def test_bad_log_level_or_zone_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, fragment: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert fragment in info.value.message


def test_log_level_is_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_LOG_LEVEL", "debug")
    assert load_settings().log_level == "DEBUG"


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"slack_client_id": "1.2"}, ["SLACK_CLIENT_SECRET", "Client Secret"]),
        ({"slack_client_secret": "s" * 16}, ["SLACK_CLIENT_ID", "Client ID"]),
        ({"slack_bot_token": "xoxb-1", "slack_client_id": "1.2"}, ["both set", "SLACK_BOT_TOKEN"]),
        ({"slack_client_id": "1.2", "slack_client_secret": "s" * 16, "slack_app_token": "xapp-1"},
         ["HTTP mode only", "/slack/install"]),
    ],
    ids=["id-without-secret", "secret-without-id", "token-and-oauth", "oauth-with-socket-mode"],
)
def test_workspace_credentials_that_do_not_fit_together_are_explained(given: dict[str, str], says: list[str]) -> None:
    from bot.server import check_settings

    settings = load_settings(slack_signing_secret="sig", **given)
    with pytest.raises(ConfigError) as err:
        check_settings(settings)
    assert all(words in str(err.value) for words in says), str(err.value)


def test_many_workspaces_need_the_id_and_secret_and_no_bot_token() -> None:
    oauth = {"slack_client_id": "1.2", "slack_client_secret": "s" * 16}
    assert load_settings(**oauth).many_workspaces
    assert not load_settings(slack_bot_token="xoxb-1", **oauth).many_workspaces
    assert not load_settings(slack_client_id="1.2").many_workspaces
