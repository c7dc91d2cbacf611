"""How good is extraction? reelcast vs trafilatura vs readability-lxml on both development corpora.

    python bench/extraction.py [--corpus ../shared/corpus] [--only NAME ...] [--worst 10]

Readability pages (corpus/readability): token-level precision / recall / F1 of each extractor's
text against the page's expected.txt (the metric in the corpus README), and milliseconds per page;
mean and median for the real pages and, separately, the synthetic ones; our worst pages.
trafilatura pages (corpus/trafilatura): the snippet protocol of its README (a 'with' passage found
is a true positive, a 'without' passage found a false positive), summed over the pages.

reelcast's ensemble has fitted weights (bench/train_extractor.py), so it is also scored
cross-validated: fitted on the even-numbered pages of both corpora and scored on the odd ones, then
the other way round; the two halves and their sum are printed beside the full score. Writes a CSV
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

import train_extractor as training  # bench/ is on the path when this runs as a script

from reelcast.errors import ExtractError
from reelcast.extract import Reading
from reelcast.extract.ensemble import Model, default_model
from reelcast.models import Block, BlockKind

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


@dataclass(frozen=True, slots=True)
class Score:
    precision: float
    recall: float
    f1: float


def tokens(text: str) -> Counter[str]:
    return Counter(TOKEN.findall(text.lower()))


def reelcast_blocks(reading: Reading | None, model: Model) -> tuple[Block, ...]:
    if reading is None:
        return ()
    try:
        return reading.article(model).blocks
    except ExtractError:  # "no article here": nothing is narrated
        return ()


def as_text(blocks: tuple[Block, ...]) -> str:
    # The benchmarks' expected text is the body without the headline, so the headline is left out here too;
    # list items are written "- item", as trafilatura writes them.
    return "\n\n".join(f"- {b.text}" if b.kind is BlockKind.LIST_ITEM else b.text for b in blocks)


def trafilatura_text(html: bytes) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=False) or ""


def readability_text(html: bytes) -> str:
    import lxml.html
    from readability import Document

    summary = Document(html).summary(html_partial=True)
    return lxml.html.fromstring(summary).text_content() if summary.strip() else ""


OTHERS: dict[str, Callable[[bytes], str]] = {"trafilatura": trafilatura_text, "readability-lxml": readability_text}
NAMES = ("reelcast", *OTHERS)


@dataclass(slots=True)
class Page:
    """One page of either corpus: its reading by reelcast, and every extractor's text and time."""

    corpus: str
    name: str
    kind: str  # real / synthetic (Readability pages); "snippets" for the trafilatura pages
    index: int  # position in the corpus, sorted by name: even pages and odd pages are the two halves
    reading: Reading | None
    expected: str | dict
    texts: dict[str, str]
    ms: dict[str, float]


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    try:
        result = fn()
    except Exception as exc:  # a competitor crashing on a page scores zero there, and we say so
        print(f"  failed: {exc!r}", file=sys.stderr)
        result = None
    return result, (time.perf_counter() - start) * 1000


def load(corpus: str, name: str, index: int, html: bytes, expected: str | dict) -> Page:
    kind = "snippets" if corpus == "trafilatura" else "synthetic" if name in SYNTHETIC else "real"
    texts, ms = {}, {}
    start = time.perf_counter()
    reading = training.read(html, name)
    texts["reelcast"] = as_text(reelcast_blocks(reading, default_model()))
    ms["reelcast"] = (time.perf_counter() - start) * 1000
    for other, fn in OTHERS.items():
        text, ms[other] = timed(lambda fn=fn: fn(html))
        texts[other] = text or ""
    return Page(corpus, name, kind, index, reading, expected, texts, ms)


# -- cross-validation: fit the ensemble on one half of both corpora, score the other half


def examples(page: Page) -> list[training.Example]:
    if page.corpus == "trafilatura":
        return training.snippet_examples(page.name, page.reading, page.expected)
    return training.expected_examples(page.name, page.reading, page.expected)


def cross_validate(pages: list[Page]) -> dict[tuple[str, str], str]:
    """(page name, half) -> reelcast's text with a model fitted on the other half; half is 'odd' or 'even'."""
    texts: dict[tuple[str, str], str] = {}
    for held_out in (0, 1):
        model = training.fit(e for p in pages if p.index % 2 != held_out for e in examples(p))
        for p in pages:
            if p.index % 2 == held_out:
                texts[(p.corpus, p.name)] = as_text(reelcast_blocks(p.reading, model))
    return texts


# -- the two metrics


def score(extracted: str, expected: str) -> Score:
    got, want = tokens(extracted), tokens(expected)
    overlap = sum((got & want).values())
    if not got or not want:
        same = not got and not want
        return Score(float(same), float(same), float(same))
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return Score(precision, recall, f1)


@dataclass(frozen=True, slots=True)
class Snippets:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0

    def __add__(self, other: Snippets) -> Snippets:
        return Snippets(self.tp + other.tp, self.fn + other.fn, self.fp + other.fp, self.tn + other.tn)

    def row(self) -> str:
        p = self.tp / max(self.tp + self.fp, 1)
        r = self.tp / max(self.tp + self.fn, 1)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        accuracy = (self.tp + self.tn) / max(self.tp + self.tn + self.fp + self.fn, 1)
        return f"{p:6.3f} {r:6.3f} {f1:6.3f} {accuracy:8.3f}"


def snippet_score(text: str, snippets: dict) -> Snippets:
    flat = " ".join(text.split())
    found = {key: [" ".join(s.split()) in flat for s in snippets[key]] for key in ("with", "without")}
    return Snippets(
        sum(found["with"]), found["with"].count(False), sum(found["without"]), found["without"].count(False)
    )


# -- the tables


def _ms(pages: list[Page], name: str) -> str:
    times = [p.ms[name] for p in pages]
    return f"{statistics.median(times):7.1f} {statistics.mean(times):7.1f}"


def readability_table(pages: list[Page], cv: dict[tuple[str, str], str], kind: str) -> list[str]:
    mine = [p for p in pages if p.corpus == "readability" and p.kind == kind]
    if not mine:
        return []
    lines = [
        f"Readability {kind} pages ({len(mine)}): token metric",
        f"  {'extractor':<34} {'mean F1':>8} {'median':>7} {'min':>6} {'P':>6} {'R':>6} {'<0.80':>6}"
        f" {'ms/page median mean':>20}",
    ]

    def row(label: str, scores: list[Score], timing: str = "") -> str:
        f1s = [s.f1 for s in scores]
        return (
            f"  {label:<34} {statistics.mean(f1s):8.3f} {statistics.median(f1s):7.3f} {min(f1s):6.3f} "
            f"{statistics.mean(s.precision for s in scores):6.3f} {statistics.mean(s.recall for s in scores):6.3f} "
            f"{sum(f < 0.8 for f in f1s):6d} {timing:>20}"
        )

    for name in NAMES:
        lines.append(row(name, [score(p.texts[name], p.expected) for p in mine], _ms(mine, name)))
    if kind == "real":
        for half, parity in (("odd pages, fitted on even", 1), ("even pages, fitted on odd", 0)):
            half_pages = [p for p in mine if p.index % 2 == parity]
            full = [score(p.texts["reelcast"], p.expected) for p in half_pages]
            lines.append(row(f"  reelcast full, {half.split(',')[0]}", full))
            lines.append(row(f"  reelcast cv, {half}", [score(cv[(p.corpus, p.name)], p.expected) for p in half_pages]))
        lines.append(row("reelcast cross-validated, all", [score(cv[(p.corpus, p.name)], p.expected) for p in mine]))
    return lines


def snippet_table(pages: list[Page], cv: dict[tuple[str, str], str]) -> list[str]:
    mine = [p for p in pages if p.corpus == "trafilatura"]
    if not mine:
        return []
    lines = [
        f"trafilatura pages ({len(mine)}): snippet protocol, summed over pages",
        f"  {'extractor':<34} {'P':>6} {'R':>6} {'F1':>6} {'accuracy':>8} {'ms/page median mean':>20}",
    ]

    def total(texts: list[str], subset: list[Page]) -> Snippets:
        return sum((snippet_score(t, p.expected) for t, p in zip(texts, subset, strict=True)), Snippets())

    for name in NAMES:
        lines.append(f"  {name:<34} {total([p.texts[name] for p in mine], mine).row()} {_ms(mine, name):>20}")
    for half, parity in (("odd pages, fitted on even", 1), ("even pages, fitted on odd", 0)):
        sub = [p for p in mine if p.index % 2 == parity]
        lines.append(
            f"  {'  reelcast full, ' + half.split(',')[0]:<34} {total([p.texts['reelcast'] for p in sub], sub).row()}"
        )
        lines.append(f"  {'  reelcast cv, ' + half:<34} {total([cv[(p.corpus, p.name)] for p in sub], sub).row()}")
    lines.append(f"  {'reelcast cross-validated, all':<34} {total([cv[(p.corpus, p.name)] for p in mine], mine).row()}")
    return lines


def worst(pages: list[Page], count: int) -> list[str]:
    real = [p for p in pages if p.corpus == "readability" and p.kind == "real"]
    scored = sorted(real, key=lambda p: score(p.texts["reelcast"], p.expected).f1)[:count]
    lines = [f"worst {len(scored)} Readability real pages for reelcast (F1, P, R; trafilatura and readability-lxml F1)"]
    for p in scored:
        s = score(p.texts["reelcast"], p.expected)
        lines.append(
            f"  {p.name:<40} F1 {s.f1:.3f}  P {s.precision:.3f}  R {s.recall:.3f}"
            f"   traf {score(p.texts['trafilatura'], p.expected).f1:.3f}"
            f"   rdlx {score(p.texts['readability-lxml'], p.expected).f1:.3f}"
            + ("   (refused: no article)" if p.reading is None else "")
        )
    return lines


def write_csv(pages: list[Page], cv: dict[tuple[str, str], str]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"extraction-{datetime.now():%Y%m%d-%H%M%S}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["corpus", "page", "kind", "extractor", "precision", "recall", "f1", "tp", "fn", "fp", "tn", "ms"])
        for p in pages:
            for name, text in [*p.texts.items(), ("reelcast-cv", cv[(p.corpus, p.name)])]:
                ms = f"{p.ms[name]:.1f}" if name in p.ms else ""
                if p.corpus == "trafilatura":
                    s = snippet_score(text, p.expected)
                    out.writerow([p.corpus, p.name, p.kind, name, "", "", "", s.tp, s.fn, s.fp, s.tn, ms])
                else:
                    t = score(text, p.expected)
                    row = [p.corpus, p.name, p.kind, name, f"{t.precision:.4f}", f"{t.recall:.4f}", f"{t.f1:.4f}"]
                    out.writerow([*row, "", "", "", "", ms])
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="folder holding readability/ and trafilatura/ (%(default)s)"
    )
    parser.add_argument("--only", nargs="*", help="page names to run, in either corpus (default: all)")
    parser.add_argument("--worst", type=int, default=10, help="how many of our worst Readability pages to list")
    args = parser.parse_args(argv)
    for part in ("readability", "trafilatura"):
        if not (args.corpus / part).is_dir():
            print(f"no corpus at {args.corpus / part}; pass --corpus", file=sys.stderr)
            return 2
    warnings.filterwarnings("ignore")
    wanted = set(args.only or ())
    pages: list[Page] = []
    # Every Readability folder keeps its place in the sorted list, so the halves do not depend on --only.
    readability = training.readability_pages(args.corpus, frozenset())
    for index, (name, (html, expected)) in enumerate(readability.items()):
        if not wanted or name in wanted:
            pages.append(load("readability", name, index, html, expected))
    for index, (name, (html, snippets)) in enumerate(training.trafilatura_pages(args.corpus).items()):
        if not wanted or name in wanted:
            pages.append(load("trafilatura", name, index, html, snippets))
    # Synthetic pages are feature tests, never examples to fit on.
    fitted = [p for p in pages if p.kind != "synthetic"]
    cv = cross_validate(fitted)
    for p in pages:
        cv.setdefault((p.corpus, p.name), p.texts["reelcast"])
    for table in (
        readability_table(pages, cv, "real"),
        readability_table(pages, cv, "synthetic"),
        snippet_table(pages, cv),
        worst(pages, args.worst),
    ):
        if table:
            print("\n".join(table) + "\n")
    print(f"CSV: {write_csv(pages, cv).relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
