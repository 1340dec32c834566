"""Where analysis time goes: seconds per spaCy/Newsbot pipeline component on the English pages.

Run: `.venv/bin/python -m bench.components [--limit N]`. Single process, so the shares are exact;
pair it with `bench.throughput` for the multi-process picture.
"""

from __future__ import annotations

import argparse
import time

from bench.common import english_pages, read_html, write_results
from bot.analysis.nlp import load_nlp, to_analysis
from bot.config import load_settings
from bot.errors import NewsbotError
from bot.extract import extract_article
from bot.models import Page


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    paths = english_pages()[: args.limit or None]
    nlp = load_nlp(load_settings().spacy_model)

    texts: list[str] = []
    t0 = time.perf_counter()
    for p in paths:
        try:
            texts.append(extract_article(Page(url=str(p), final_url=str(p), body=read_html(p))).text)
        except NewsbotError:
            continue
    times = {"extraction": time.perf_counter() - t0, "tokenizer": 0.0} | {name: 0.0 for name in nlp.pipe_names}
    times["to_analysis (incl. summary)"] = 0.0
    for text in texts:
        t = time.perf_counter()
        doc = nlp.make_doc(text)
        times["tokenizer"] += time.perf_counter() - t
        for name, proc in nlp.pipeline:
            t = time.perf_counter()
            doc = proc(doc)
            times[name] += time.perf_counter() - t
        t = time.perf_counter()
        to_analysis(doc)
        times["to_analysis (incl. summary)"] += time.perf_counter() - t

    ours = {k: v for k, v in times.items() if k.startswith("newsbot_") or k.startswith("to_analysis")}
    spacy_time = sum(v for k, v in times.items() if k not in ours and k != "extraction")
    total = sum(times.values())
    words = sum(len(t.split()) for t in texts)
    print(f"{len(texts)} articles, {words:,} words, one process")
    for name, secs in sorted(times.items(), key=lambda kv: -kv[1]):
        print(f"  {name:30} {secs:7.2f} s {100 * secs / total:5.1f} %")
    share = sum(ours.values()) / (times["extraction"] + spacy_time)
    print(f"spaCy's own components: {words / spacy_time:,.0f} words/s; Newsbot's components add {100 * share:.1f} % "
          "to extraction + spaCy")
    write_results("components", {"articles": len(texts), "words": words, "seconds": times, "overhead": share})


if __name__ == "__main__":
    main()
