"""Fit the ensemble's model (src/reelcast/extract/ensemble.json) on the development corpora.

    python bench/train_extractor.py [--corpus ../shared/corpus]

Every page of both corpora is read once by both extractors (reelcast.extract.read_page). The blocks
that only one of them chose are the examples: on the trafilatura pages a block holding a passage
that must be in the article is a positive example, one holding a passage that must not be is a
negative one; on the Readability pages a block whose words are (nearly) all in expected.txt is
positive, one whose words mostly are not is negative. The standfirst is kept whatever the model
says, so it is no example. Boosted decision trees (numpy) are fitted
on them, each corpus weighing the same in total. bench/extraction.py uses the same functions to
fit on half of the pages and score the other half.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelcast.errors import ExtractError
from reelcast.extract import Reading, read_page
from reelcast.extract.ensemble import FEATURES, Model, Source, features, model_as_json
from reelcast.models import RawPage

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
MODEL = REPO / "src" / "reelcast" / "extract" / "ensemble.json"
_WORD = re.compile(r"[^\W_]+")
# The trees: few and shallow, so that 470 + 93 pages cannot be learnt by heart.
TREES = 60
DEPTH = 3
LEARNING_RATE = 0.3
LAMBDA = 1.0
MIN_LEAF = 20
BINS = 16


@dataclass(frozen=True, slots=True)
class Example:
    page: str
    corpus: str
    features: tuple[float, ...]
    label: int


def read(html: bytes, name: str) -> Reading | None:
    try:
        return read_page(RawPage(source=name, content=html))
    except ExtractError:
        return None


def _norm(text: str) -> str:
    return " ".join(text.split())


def snippet_examples(name: str, reading: Reading | None, snippets: dict) -> list[Example]:
    """trafilatura pages: the blocks holding a 'with' passage are wanted, those holding a 'without' one are not."""
    if reading is None:
        return []
    rows = features(reading.candidates)
    texts = [_norm(c.block.text) for c in reading.candidates]
    found: list[Example] = []
    for label, key in ((1, "with"), (0, "without")):
        for snippet in snippets[key]:
            wanted = _norm(snippet.removeprefix("- "))
            for i, text in enumerate(texts):
                if wanted in text and reading.candidates[i].source is not Source.LEAD:
                    found.append(Example(name, "trafilatura", rows[i], label))
    return found


def expected_examples(name: str, reading: Reading | None, expected: str) -> list[Example]:
    """Readability pages: a block is wanted when its words are in expected.txt, unwanted when they mostly are not."""
    if reading is None:
        return []
    words = set(_WORD.findall(expected.lower()))
    rows = features(reading.candidates)
    found = []
    for c, row in zip(reading.candidates, rows, strict=True):
        mine = _WORD.findall(c.block.text.lower())
        if not mine or c.source is Source.LEAD:  # kept whatever the model says: nothing to learn from
            continue
        share = sum(w in words for w in mine) / len(mine)
        if share >= 0.9 or share <= 0.5:
            found.append(Example(name, "readability", row, int(share >= 0.9)))
    return found


def fit(examples: Iterable[Example]) -> Model:
    """Gradient-boosted trees on the logistic loss (numpy), each corpus weighing the same in total."""
    examples = list(examples)
    x = np.array([e.features for e in examples], dtype=float)
    y = np.array([e.label for e in examples], dtype=float)
    per_corpus = {c: sum(e.corpus == c for e in examples) for c in {e.corpus for e in examples}}
    weight = np.array([1 / per_corpus[e.corpus] for e in examples])
    weight *= len(examples) / weight.sum()
    rate = np.clip(np.average(y, weights=weight), 1e-3, 1 - 1e-3)
    base = float(np.log(rate / (1 - rate)))
    score = np.full(len(y), base)
    cuts = [np.unique(np.quantile(x[:, f], np.linspace(0, 1, BINS + 1)[1:-1])) for f in range(x.shape[1])]
    trees = []
    for _ in range(TREES):
        p = 1 / (1 + np.exp(-score))
        gradient, hessian = (y - p) * weight, p * (1 - p) * weight
        nodes: list[list] = []
        _grow(x, gradient, hessian, np.arange(len(y)), cuts, DEPTH, nodes)
        tree = tuple((int(f), float(t), int(left), int(right)) for f, t, left, right in nodes)
        trees.append(tree)
        model = Model((tree,))
        score += np.array([model.score(row) for row in x])
    return Model(tuple(trees), base)


def _grow(x, gradient, hessian, rows, cuts, depth, nodes) -> int:
    """Append the subtree for `rows` to `nodes` (leaf values are shrunk Newton steps); return its index."""
    index = len(nodes)
    nodes.append([-1, 0.0, 0, 0])
    g, h = gradient[rows].sum(), hessian[rows].sum()
    nodes[index][1] = LEARNING_RATE * g / (h + LAMBDA)
    if depth == 0 or len(rows) < 2 * MIN_LEAF:
        return index
    best = (0.0, -1, 0.0)
    parent_gain = g * g / (h + LAMBDA)
    for f, thresholds in enumerate(cuts):
        values = x[rows, f]
        for t in thresholds:
            left = values <= t
            n_left = int(left.sum())
            if n_left < MIN_LEAF or len(rows) - n_left < MIN_LEAF:
                continue
            gl, hl = gradient[rows][left].sum(), hessian[rows][left].sum()
            gain = gl * gl / (hl + LAMBDA) + (g - gl) ** 2 / (h - hl + LAMBDA) - parent_gain
            if gain > best[0]:
                best = (gain, f, float(t))
    if best[1] < 0:
        return index
    _, f, t = best
    left_rows, right_rows = rows[x[rows, f] <= t], rows[x[rows, f] > t]
    nodes[index][0], nodes[index][1] = f, t
    nodes[index][2] = _grow(x, gradient, hessian, left_rows, cuts, depth - 1, nodes)
    nodes[index][3] = _grow(x, gradient, hessian, right_rows, cuts, depth - 1, nodes)
    return index


def trafilatura_pages(corpus: Path) -> dict[str, tuple[bytes, dict]]:
    root = corpus / "trafilatura"
    snippets = json.loads((root / "snippets.json").read_text(encoding="utf-8"))
    return {name: ((root / "pages" / f"{name}.html").read_bytes(), snippets[name]) for name in sorted(snippets)}


def readability_pages(corpus: Path, synthetic: frozenset[str]) -> dict[str, tuple[bytes, str]]:
    root = corpus / "readability"
    return {
        f.name: ((f / "source.html").read_bytes(), (f / "expected.txt").read_text(encoding="utf-8"))
        for f in sorted(root.iterdir())
        if (f / "expected.txt").is_file() and f.name not in synthetic
    }


def main(argv: list[str] | None = None) -> int:
    from extraction import SYNTHETIC  # bench/ is on the path when this runs as a script

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    examples: list[Example] = []
    for name, (html, snippets) in trafilatura_pages(args.corpus).items():
        examples += snippet_examples(name, read(html, name), snippets)
    for name, (html, expected) in readability_pages(args.corpus, SYNTHETIC).items():
        examples += expected_examples(name, read(html, name), expected)
    model = fit(examples)
    about = {
        "about": "Logistic model of reelcast.extract.ensemble, fitted by bench/train_extractor.py",
        "examples": len(examples),
    }
    MODEL.write_text(model_as_json(model, about) + "\n", encoding="utf-8")
    print(f"{len(examples)} examples; weights written to {MODEL.relative_to(REPO)}")
    used = {FEATURES[f] for tree in model.trees for f, *_ in tree if f >= 0}
    print(f"{len(model.trees)} trees over {len(used)} of {len(FEATURES)} features")
    return 0


if __name__ == "__main__":
    sys.exit(main())
