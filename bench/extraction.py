"""How good is extraction? reelcast vs trafilatura vs readability-lxml on the Readability test corpus.

    python bench/extraction.py [--corpus ../shared/corpus] [--only NAME ...] [--worst 10]

For every page: token-level precision / recall / F1 of each extractor's text against the page's
expected.txt (the metric in the corpus README), and milliseconds per page. Prints mean and median per
extractor for the real pages and, separately, the synthetic ones; lists the worst pages; writes a CSV
to bench/results/. Needs the bench extras: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reelcast.errors import ExtractError
from reelcast.extract import extract
from reelcast.models import RawPage

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
RESULTS = REPO / "bench" / "results"

# From the corpus README: small pages made to test one feature. The rest are real captures.
SYNTHETIC = frozenset(
    """
003-metadata-preferred 004-metadata-space-separated-properties 005-unescape-html-entities base-url
base-url-base-element base-url-base-element-relative basic-tags-cleaning comment-inside-script-parsing
data-url-image dev418 embedded-videos hidden-nodes invalid-attributes js-link-replacement lazy-image-3
metadata-content-missing missing-paragraphs normalize-spaces ol parsely-metadata remove-aria-hidden
remove-extra-brs remove-extra-paragraphs remove-script-tags reordering-paragraphs replace-brs
replace-font-tags rtl-1 rtl-2 rtl-3 rtl-4 social-buttons style-tags-removal svg-parsing
title-and-h1-discrepancy title-en-dash visibility-hidden
""".split()
)

# Each CJK ideograph, kana or hangul syllable is a token; otherwise runs of word characters minus "_".
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
TOKEN = re.compile(f"[{CJK}]|[^\\W_{CJK}]+")

Extractor = Callable[[bytes, str], str]


@dataclass(frozen=True, slots=True)
class Score:
    precision: float
    recall: float
    f1: float


def tokens(text: str) -> Counter[str]:
    return Counter(TOKEN.findall(text.lower()))


def score(extracted: str, expected: str) -> Score:
    got, want = tokens(extracted), tokens(expected)
    overlap = sum((got & want).values())
    if not got or not want:
        same = not got and not want
        return Score(float(same), float(same), float(same))
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return Score(precision, recall, f1)


def reelcast_text(html: bytes, name: str) -> str:
    # expected.txt is the article body without its headline, so the headline is left out here too.
    article = extract(RawPage(source=name, content=html))
    return "\n\n".join(block.text for block in article.blocks)


def trafilatura_text(html: bytes, name: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=False) or ""


def readability_text(html: bytes, name: str) -> str:
    import lxml.html
    from readability import Document

    summary = Document(html).summary(html_partial=True)
    return lxml.html.fromstring(summary).text_content() if summary.strip() else ""


EXTRACTORS: dict[str, Extractor] = {
    "reelcast": reelcast_text,
    "trafilatura": trafilatura_text,
    "readability-lxml": readability_text,
}


@dataclass(frozen=True, slots=True)
class Row:
    page: str
    kind: str
    extractor: str
    score: Score
    ms: float
    refused: bool = False  # the extractor said "no article here" (reelcast's ExtractError)


def run_page(folder: Path, names: list[str]) -> list[Row]:
    html = (folder / "source.html").read_bytes()
    expected = (folder / "expected.txt").read_text(encoding="utf-8")
    kind = "synthetic" if folder.name in SYNTHETIC else "real"
    rows = []
    for name in names:
        start = time.perf_counter()
        refused = False
        try:
            text = EXTRACTORS[name](html, folder.name)
        except ExtractError:
            text, refused = "", True
        except Exception as exc:  # a competitor crashing on a page scores zero there, and we say so
            print(f"  {name} failed on {folder.name}: {exc!r}", file=sys.stderr)
            text = ""
        ms = (time.perf_counter() - start) * 1000
        rows.append(Row(folder.name, kind, name, score(text, expected), ms, refused))
    return rows


def summarise(rows: list[Row], names: list[str], kind: str) -> list[str]:
    lines = [
        f"{kind} pages ({len({r.page for r in rows if r.kind == kind})})",
        f"  {'extractor':<17} {'mean F1':>8} {'median':>8} {'min':>6} {'P':>6} {'R':>6} {'<0.80':>6} {'ms/page':>8}",
    ]
    for name in names:
        mine = [r for r in rows if r.kind == kind and r.extractor == name]
        if not mine:
            continue
        f1s = [r.score.f1 for r in mine]
        lines.append(
            f"  {name:<17} {statistics.mean(f1s):8.3f} {statistics.median(f1s):8.3f} {min(f1s):6.3f} "
            f"{statistics.mean(r.score.precision for r in mine):6.3f} "
            f"{statistics.mean(r.score.recall for r in mine):6.3f} "
            f"{sum(f < 0.8 for f in f1s):6d} {statistics.mean(r.ms for r in mine):8.1f}"
        )
    return lines


def worst(rows: list[Row], count: int) -> list[str]:
    ours = sorted((r for r in rows if r.extractor == "reelcast"), key=lambda r: (r.kind != "real", r.score.f1))[:count]
    others = {(r.page, r.extractor): r.score.f1 for r in rows}
    lines = [
        f"worst {len(ours)} pages for reelcast, real first (F1, precision, recall; trafilatura and readability-lxml F1)"
    ]
    for r in ours:
        lines.append(
            f"  {r.page:<40} {r.kind:<9} F1 {r.score.f1:.3f}  P {r.score.precision:.3f}  R {r.score.recall:.3f}"
            f"   traf {others.get((r.page, 'trafilatura'), float('nan')):.3f}"
            f"   rdlx {others.get((r.page, 'readability-lxml'), float('nan')):.3f}"
            + ("   (refused: no article)" if r.refused else "")
        )
    return lines


def write_csv(rows: list[Row]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"extraction-{datetime.now():%Y%m%d-%H%M%S}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["page", "kind", "extractor", "precision", "recall", "f1", "ms", "refused"])
        for r in rows:
            out.writerow(
                [
                    r.page,
                    r.kind,
                    r.extractor,
                    f"{r.score.precision:.4f}",
                    f"{r.score.recall:.4f}",
                    f"{r.score.f1:.4f}",
                    f"{r.ms:.1f}",
                    int(r.refused),
                ]
            )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="folder holding readability/ (default: %(default)s)"
    )
    parser.add_argument("--only", nargs="*", help="page folder names to run (default: all)")
    parser.add_argument("--extractors", nargs="*", default=list(EXTRACTORS), choices=list(EXTRACTORS))
    parser.add_argument("--worst", type=int, default=10, help="how many of our worst pages to list")
    args = parser.parse_args(argv)

    root = args.corpus / "readability"
    if not root.is_dir():
        print(f"no corpus at {root}; pass --corpus", file=sys.stderr)
        return 2
    folders = sorted(p for p in root.iterdir() if (p / "expected.txt").is_file())
    if args.only:
        folders = [f for f in folders if f.name in set(args.only)]
    warnings.filterwarnings("ignore")
    rows: list[Row] = []
    for folder in folders:
        rows.extend(run_page(folder, args.extractors))

    for kind in ("real", "synthetic"):
        print("\n".join(summarise(rows, args.extractors, kind)))
    print("\n".join(worst(rows, args.worst)))
    refused = sorted(r.page for r in rows if r.refused)
    if refused:
        print(f"refused as 'no article' by reelcast: {', '.join(refused)}")
    print(f"CSV: {write_csv(rows).relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
