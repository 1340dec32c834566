"""`newsbot` command line: analyze | extract | eval | check | migrate | serve | web | worker | clock | playground."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from collections.abc import Sequence

from bot.config import Settings, load_settings
from bot.errors import ConfigError, ModelError, NewsbotError
from bot.logs import configure as configure_logging

URL_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="newsbot", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for name, help_ in (
        ("analyze", "fetch, extract and analyze articles (quotes, organizations, themes)"),
        ("extract", "fetch and extract articles (metadata and main text, no NLP)"),
    ):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("targets", nargs="+", metavar="TARGET", help="http(s) URL or local .html[.gz] file")
        sp.add_argument("--json", action="store_true", help="one JSON object per target per line")

    ev = sub.add_parser("eval", help="score analysis quality against the gold sets in ../shared")
    ev.add_argument(
        "suites", nargs="*", metavar="SUITE", help="extraction quotes ner themes seed newsroom (default: all)"
    )
    ev.add_argument("--json", metavar="FILE", help="also write the figures as JSON to FILE ('-' = stdout)")
    ev.add_argument("--fast", action="store_true", help="a small deterministic subset (what CI runs)")
    ev.add_argument(
        "--shared", metavar="DIR", help="the shared data folder (default: $NEWSBOT_EVAL_DATA, else ../shared)"
    )
    ev.add_argument(
        "--if-found", action="store_true", help="without the shared data, say so in one line and exit 0 (make test)"
    )
    ev.add_argument("--check", action="store_true", help="exit 1 if a figure falls below config/eval_floors.toml")

    ck = sub.add_parser("check", help="check the settings and the Slack app before going live (exit 1 on a problem)")
    ck.add_argument(
        "--fetch-url", metavar="URL", help="the page fetched to prove outbound access (default: https://example.com/)"
    )
    sub.add_parser("migrate", help="bring the database schema up to date (serve also does it at start-up)")
    sub.add_parser("serve", help="run the Slack bot in one process (HTTP, or Socket Mode with SLACK_APP_TOKEN)")
    sub.add_parser("web", help="PostgreSQL: only verify, record and queue Slack's requests (no analysis)")
    sub.add_parser("worker", help="PostgreSQL: only answer queued links (run one or more)")
    sub.add_parser("clock", help="run only the digest scheduler")
    sub.add_parser("playground", help="a local page showing the reply Newsbot would post for a link (no Slack needed)")
    return p


async def _read_all(targets: Sequence[str], settings: Settings, *, analyze: bool, as_json: bool) -> int:
    from bot.compose import reading
    from bot.fetch import read_local
    from bot.links import normalize_url
    from bot.models import Page
    from bot.pipeline import read_target
    from bot.report import to_json, to_text

    failed = 0
    async with reading(settings, workers=min(settings.workers, len(targets))) as (fetcher, analyzer):

        async def load(target: str) -> Page:
            if URL_SCHEME.match(target):
                return await fetcher.fetch(normalize_url(target))
            return await asyncio.to_thread(read_local, target, settings.max_bytes)

        tasks = [asyncio.create_task(read_target(t, load, analyzer, analyze=analyze)) for t in targets]
        for i, task in enumerate(tasks, 1):  # print in the order given, as soon as each is ready
            report = await task
            failed += not report.ok
            if len(targets) > 1:
                status = "ok" if report.ok else report.failure.code  # type: ignore[union-attr]
                print(f"[{i}/{len(targets)}] {status} {report.target}", file=sys.stderr)
            if as_json:
                obj = to_json(report, with_analysis=analyze, with_text=not analyze)
                print(json.dumps(obj, ensure_ascii=False), flush=True)
            else:
                print(to_text(report), flush=True)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings)
        if args.command in ("analyze", "extract"):
            return asyncio.run(
                _read_all(args.targets, settings, analyze=args.command == "analyze", as_json=args.json)
            )
        if args.command == "eval":
            from bot.evaluate.runner import run_eval

            return run_eval(
                args.suites,
                settings=settings,
                json_path=args.json,
                fast=args.fast,
                shared=args.shared,
                check=args.check,
                if_found=args.if_found,
            )
        if args.command == "check":
            from bot.check import DEFAULT_FETCH_URL, render, run_checks

            findings = asyncio.run(run_checks(settings, fetch_url=args.fetch_url or DEFAULT_FETCH_URL))
            print(render(findings))
            return 0 if all(f.ok for f in findings) else 1
        if args.command == "migrate":
            from bot.store.engine import migrate_url

            print(asyncio.run(migrate_url(settings.database_url)))
            return 0
        if args.command in ("serve", "web"):
            from bot.server import serve

            return serve(settings, role=args.command)
        if args.command == "worker":
            from bot.processes import run_worker

            return run_worker(settings)
        if args.command == "playground":
            from bot import playground

            return playground.run(settings)
        if args.command == "clock":
            from bot.schedule.clock import run_clock

            return run_clock(settings)
    except (ConfigError, ModelError) as exc:
        print(f"newsbot: {exc.message}", file=sys.stderr)
        return 2
    except NewsbotError as exc:
        print(f"newsbot: {exc.code}: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
