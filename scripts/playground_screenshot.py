"""Regenerate docs/playground-seed.png, the README's "What it looks like": the seed story's reply
as `newsbot playground` renders it, photographed by headless Chromium (Debian's `chromium`).

Run: `.venv/bin/python scripts/playground_screenshot.py [--out docs/playground-seed.png]`.
Serves tests/data/articles on a loopback port, starts the real `newsbot playground` with no
Slack settings, and screenshots `/?url=<the seed story>`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
ARTICLES = REPO / "tests" / "data" / "articles"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default=str(REPO / "docs" / "playground-seed.png"))
    p.add_argument("--size", default="900,800", help="window width,height")
    args = p.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("needs Debian's chromium: apt-get install chromium", file=sys.stderr)
        return 2
    handler = partial(SimpleHTTPRequestHandler, directory=str(ARTICLES))
    files = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=files.serve_forever, daemon=True).start()
    seed = f"http://127.0.0.1:{files.server_port}/pharma-manufacturing.html"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSBOT_"))}
    env |= {"PORT": str(port), "NEWSBOT_ALLOW_PRIVATE_URLS": "1", "NEWSBOT_WORKERS": "1"}
    newsbot = Path(sys.executable).with_name("newsbot")
    proc = subprocess.Popen([str(newsbot), "playground"], env=env, stdout=subprocess.DEVNULL)
    try:
        page = f"http://127.0.0.1:{port}/?url={quote(seed, safe='')}"
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            f"--window-size={args.size}", f"--user-data-dir={profile}", f"--screenshot={out}", page],
                           check=True, capture_output=True, timeout=300)
        print(f"wrote {out}")
        return 0
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        files.shutdown()


if __name__ == "__main__":
    sys.exit(main())
