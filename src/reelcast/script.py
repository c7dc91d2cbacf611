"""Article -> Script: the narrated sections, each paragraph made ready for the ear.

Sections follow the article's headings; a headingless article is cut at paragraph boundaries into
sections of similar length (150-400 words by default). The intro and outro come from the show's
templates. Pure: no disk, network or subprocess.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from reelcast.config import ScriptSettings
from reelcast.errors import ScriptError
from reelcast.language import configured, pack, pack_or_english, primary, same_language
from reelcast.models import Article, Block, BlockKind, Paragraph, Script, Section, SectionKind, Sentence
from reelcast.speakable import Lexicon, speakable, split_sentences

_SPOILER = re.compile(r"\bspoilers?\b", re.I)
_TITLE_WORDS = 7


def build_script(
    article: Article,
    settings: ScriptSettings,
    show_title: str,
    lexicon: Lexicon | None = None,
    language: str = "en",
    show_language: str | None = None,
) -> Script:
    """The narration of `article` in `language` (its frame, titles and number words), for a show
    whose own language is `show_language` (the one `[script] intro` and `outro` are written in)."""
    body = [b for b in article.blocks if b.text.strip()]
    if not any(b.kind is not BlockKind.HEADING for b in body):
        raise ScriptError(f"{article.source}: the article has no paragraphs to narrate")
    words = pack_or_english(language).script
    intro, outro = frame_templates(settings, language, show_language or language)

    def ready(texts: Iterable[str]) -> tuple[Paragraph, ...]:
        return tuple(p for p in (written_paragraph(t, lexicon, language) for t in texts) if p.sentences)

    fields = template_fields(article, show_title, words)
    intro_title, outro_title = words["intro_title"], words["outro_title"]
    sections = [Section(0, SectionKind.INTRO, intro_title, ready([_fill(intro, fields, "intro")]))]
    parts = split_sections(body, settings.min_words, settings.max_words, words["part"])
    titles = chapter_titles(parts, article, language, words["part"])
    for title, (_, blocks) in zip(titles, parts, strict=True):
        body_paragraphs = ready(narration(blocks, words))
        if article.rating:  # the intro announces it: a "Rating: 4/5" line in the text is not said again
            body_paragraphs = tuple(p for p in (_without_rating(p) for p in body_paragraphs) if p.sentences)
        sections.append(Section(len(sections), SectionKind.BODY, title, body_paragraphs))
    sections.append(Section(len(sections), SectionKind.OUTRO, outro_title, ready([_fill(outro, fields, "outro")])))
    return Script(title=article.title, sections=tuple(s for s in sections if s.paragraphs), language=language)


def paragraph(text: str) -> Paragraph:
    """A speech-ready text as the paragraph its sentences make: the one place sentences are split."""
    return Paragraph(tuple(Sentence(s) for s in split_sentences(text)))


def written_paragraph(text: str, lexicon: Lexicon | None = None, language: str = "en") -> Paragraph:
    """A paragraph as written -> its sentences, each in both forms: split on the written text (so a
    transcript shows "$190 million" and "Chloé Zhao"), each sentence then made speakable on its own."""

    def said(written: str) -> list[str]:
        return split_sentences(speakable(written, lexicon, language))

    pieces: list[str] = []
    for piece in split_sentences(" ".join(text.split())):
        # A full stop that the speech rules read as part of a word is no sentence end: German's
        # "am 18. Oktober" ("am achtzehnten Oktober"). Kept where the spoken text keeps it.
        if pieces and len(said(f"{pieces[-1]} {piece}")) < len(said(pieces[-1])) + len(said(piece)):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    sentences = []
    for written in pieces:
        spoken = speakable(written, lexicon, language)
        if not spoken:
            continue  # nothing to hear (a line of emoji): nothing to show either
        if spoken[0].islower() and not written[0].islower():
            # "108 minutes." became "one hundred eight minutes.": a sentence starts with a capital
            spoken = spoken[0].upper() + spoken[1:]
        sentences.append(Sentence(spoken, written))
    return Paragraph(tuple(sentences))


_RATING_SENTENCE = re.compile(
    r"^(?:(?:our|my|the)\s+)?(?:(?:rating|verdict|score|grade|note|wertung|nota|puntuación|valutazione)\s*[:\-–—]?\s*)?"
    r"(?:[★☆✩⭐½]+|\d+(?:[.,]\d)?\s*(?:/|out of|sur|von|de|su|van)\s*\d+)(?:\s*(?:stars?|étoiles|sterne))?\s*[.!]?$",
    re.IGNORECASE,
)


def _without_rating(paragraph: Paragraph) -> Paragraph:
    """`paragraph` without sentences that are only a rating ("Rating: 4/5", "★★★★☆")."""
    return Paragraph(tuple(s for s in paragraph.sentences if not _RATING_SENTENCE.match(s.shown.strip())))


def check_length(article: Article, settings: ScriptSettings, rate_wpm: int, config: str = "reelcast.toml") -> None:
    """Refuse an article too long to narrate, before any work on it: its words, and the minutes they
    would take at `rate_wpm`. `config` names the file where the limits can be raised."""
    words = sum(len(block.text.split()) for block in article.blocks)
    minutes = words / rate_wpm
    if words > settings.max_article_words:
        raise ScriptError(
            f"{article.source} has {words:,} words (about {_duration(minutes)} of audio), over the limit of "
            f"{settings.max_article_words:,}; is it one review? To narrate it anyway, raise "
            f"max_article_words under [script] in {config}"
        )
    if minutes > settings.max_audio_minutes:
        raise ScriptError(
            f"{article.source} would take about {_duration(minutes)} to narrate ({words:,} words at {rate_wpm} "
            f"words per minute), over the limit of {settings.max_audio_minutes} minutes; to narrate it anyway, "
            f"raise max_audio_minutes under [script] in {config} (or [speech] rate)"
        )


def _duration(minutes: float) -> str:
    hours, rest = divmod(round(minutes), 60)
    return f"{hours} h {rest} min" if hours else f"{max(1, rest)} min"


def frame_templates(settings: ScriptSettings, language: str, show_language: str) -> tuple[str, str]:
    """The intro and outro for a review in `language`: [script.intros] for it, else [script] intro
    when it is the show's language, else the shipped template; a language with none is an error."""
    found = pack(language)
    chosen = []
    for name in ("intro", "outro"):
        template = configured(getattr(settings, f"{name}s"), language)
        if template is None and same_language(language, show_language):
            template = getattr(settings, name)
        if template is None and found is not None:
            template = found.script[name]
        if template is None:
            raise ScriptError(
                f"reelcast has no {name} in language '{language}'; add [script.{name}s] "
                f"{primary(language)} = \"...\" to reelcast.toml (see README, Languages), "
                f"or refuse the language with [show] languages"
            )
        chosen.append(template)
    return chosen[0], chosen[1]


def template_fields(article: Article, show_title: str, words: Mapping[str, str] | None = None) -> dict[str, str]:
    """The values intro and outro templates may use (TEMPLATE_FIELDS), in the words of a language pack.

    Each thing is said once: the title without the page's tail ("- Movie Review", "| Site"), and
    when that title is the film's own, the film line gives only its credits."""
    words = words or pack_or_english("en").script
    site = article.site_name or _domain(article.canonical_url) or ""
    title = spoken_title(article.title, site, _domain(article.canonical_url))
    film = ""
    if article.film:
        names_film = _plain(article.film.title) in _plain(title)
        # The film's title as the review gives it: titles are never translated.
        parts = [] if names_film else [article.film.title]
        if article.film.year and not (names_film and str(article.film.year) in title):
            parts.append(str(article.film.year))
        if article.film.director:
            parts.append(words["directed_by"].format(director=article.film.director))
        if article.film.cast:
            parts.append(words["starring"].format(cast=_and_join(article.film.cast[:3], words["and"])))
        if names_film and parts and not parts[0].isdigit():
            film = _capitalised(", ".join(parts)) + "."  # "Directed by Mike Figgis, starring ..."
        elif names_film and parts:  # the title names the film but not its year
            title = f"{title}, {parts[0]}"
            film = _capitalised(", ".join(parts[1:])) + "." if parts[1:] else ""
        elif parts:
            film = words["film"].format(film=", ".join(parts))
    rating = ""
    if article.rating:
        rating = words["rating"].format(value=_number(article.rating.value), best=_number(article.rating.best))
    return {
        "show": show_title,
        "title": title,
        "author": article.byline or words["unnamed_author"],
        # said once: a show named after the site ("ReelRundown Reviews") does not add "for ReelRundown"
        "site": words["site"].format(site=site) if site and _plain(site) not in _plain(show_title) else "",
        "film": film,
        "rating": rating,
        "link": _domain(article.canonical_url) or "",
    }


# A page's title often ends (or starts) with what kind of page it is and whose site: "- Movie
# Review", "| ReelRundown". These words say "a review" in the languages reelcast has packs for.
_KIND_WORDS = frozenset(
    "movie movies film films tv series review reviews critique critiques kritik filmkritik rezension "
    "crítica critica reseña recensione recensie filmrecensie resenha análise de du la le of the".split()
)
_TITLE_SEPARATOR = re.compile(r"\s+(?:[-–—|·•]|::)\s+")
# What a page puts before or after the film's name to say the page is a review ("Review:",
# "Film review –", "Nomadland review", "Critique : ...", "Kritik zu ..."), in the languages reelcast
# has packs for; with the words that may tie such a label to the name ("Review of", "Critique de").
REVIEW_LABELS = (
    "review", "reviews", "film review", "movie review", "tv review", "a review", "our review", "review roundup",
    "critique", "la critique", "notre critique", "critique du film", "critique de film", "critique cinéma",
    "kritik", "filmkritik", "rezension", "filmrezension", "unsere kritik",
    "crítica", "reseña", "crítica de cine", "reseña de cine", "crítica de la película",
    "recensione", "la recensione", "recensione del film", "critica",
    "resenha", "análise", "crítica de cinema", "crítica do filme",
    "recensie", "filmrecensie", "filmreview",
)
_LABEL_TIES = ("of", "de", "du", "des", "de la", "d'", "zu", "zum", "von", "del", "di", "della", "do", "da", "van")
_LABEL = "|".join(sorted((re.escape(label) for label in REVIEW_LABELS), key=len, reverse=True))
_TIE = "|".join(sorted((re.escape(tie) for tie in _LABEL_TIES), key=len, reverse=True))
_QUOTES = "'\"‘’“”«»„"
_LEADING_LABEL = re.compile(rf"^\s*(?:{_LABEL})\s*(?:[:：|\-–—]\s*|\s(?:{_TIE})(?:\s+|(?<=')))", re.I)
_TRAILING_LABEL = re.compile(rf"\s*(?:[:|,\-–—]\s*)?[(\[]?(?<![\w])(?:{_LABEL})[)\]]?\s*$", re.I)
_INNER_LABEL = re.compile(rf"^(?P<name>.+?)\s+(?:{_LABEL})(?P<rest>\s*[:|\-–—]\s+.+)$", re.I)


def spoken_title(title: str, site: str = "", domain: str | None = None) -> str:
    """`title` without the parts a page adds around it: parts naming the site, or only the kind
    of page. The first part that is neither is kept whole (a title may contain " - " too)."""
    parts = _TITLE_SEPARATOR.split(title.strip())
    names = {_plain(n) for n in (site, domain, (domain or "").split(".")[0]) if n}

    def is_tail(part: str) -> bool:
        plain = _plain(part)
        return not plain or plain in names or all(w in _KIND_WORDS for w in part.lower().split())

    while len(parts) > 1 and is_tail(parts[-1]):
        parts.pop()
    while len(parts) > 1 and is_tail(parts[0]):
        parts.pop(0)
    return without_review_label(" - ".join(parts))


def without_review_label(title: str) -> str:
    """`title` without the label that says it is a review ("Review: Heat", "Heat review", "Film
    review – Heat", "Critique : Heat", "Heat (Kritik)"), the film's name kept; a name left whole in
    quotes loses them. A title that is nothing but a label is kept as it is."""
    bare = _LEADING_LABEL.sub("", title, count=1)
    bare = _TRAILING_LABEL.sub("", bare, count=1)
    if inner := _INNER_LABEL.match(bare):  # "Nomadland review – Frances McDormand is superb"
        bare = inner["name"] + inner["rest"]
    bare = bare.strip(" :|-–—")
    if len(bare) > 2 and bare[0] in _QUOTES and bare[-1] in _QUOTES and not any(q in bare[1:-1] for q in _QUOTES):
        bare = bare[1:-1].strip()
    # nothing but a label, or an article left of a name that is one ("The Review"): kept whole
    left = bare.casefold().split()
    return bare if left and not all(w in _KIND_WORDS or w in _ARTICLES for w in left) else title


_ARTICLES = frozenset("a an the le la les l' un une der die das ein eine el los las il lo gli o os as het een".split())


def episode_title(article: Article) -> str:
    """The episode's title: the page's, without what the page adds around it (its site, "Movie
    Review", "Review:"), as the intro says it."""
    return spoken_title(article.title, article.site_name or _domain(article.canonical_url) or "",
                        _domain(article.canonical_url))


def _plain(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fill(template: str, fields: dict[str, str], name: str) -> str:
    try:
        return " ".join(template.format(**fields).split())
    except (KeyError, IndexError, ValueError) as exc:
        known = ", ".join("{" + k + "}" for k in fields)
        raise ScriptError(f"the {name} template {template!r} is invalid ({exc}); it may use {known}") from exc


def split_sections(
    blocks: Sequence[Block], min_words: int, max_words: int, part: str = "part {n}"
) -> list[tuple[str, list[Block]]]:
    """Group blocks into (title, blocks) sections: at headings, then long runs cut to length."""
    runs: list[tuple[str | None, list[Block]]] = [(None, [])]
    for block in blocks:
        if block.kind is BlockKind.HEADING:
            runs.append((block.text, [block]))
        else:
            runs[-1][1].append(block)

    sections: list[tuple[str, list[Block]]] = []
    for heading, run in runs:
        if not any(b.kind is not BlockKind.HEADING for b in run):
            continue
        parts = _cut(run, min_words, max_words)
        for n, cut in enumerate(parts):  # not `part`: that is the "part {n}" words of the language
            title = heading or ""  # no heading: chapter_titles names it by what it discusses
            if heading and len(parts) > 1:
                title = f"{heading} ({part.format(n=n + 1)})"
            sections.append((title, cut))
    return sections


def _cut(blocks: list[Block], min_words: int, max_words: int) -> list[list[Block]]:
    """Cut at paragraph boundaries into sections of about equal length, none over max_words if it can be helped."""
    words = [len(b.text.split()) for b in blocks]
    total = sum(words)
    count = max(1, math.ceil(total / max_words))
    if count > 1 and total / count < min_words:
        count = max(1, total // min_words)
    parts: list[list[Block]] = [[]]
    done = 0
    for block, n in zip(blocks, words, strict=True):
        boundary = total * len(parts) / count
        # start a new part when this paragraph would carry the current one past its share
        if parts[-1] and len(parts) < count and done + n / 2 > boundary and block.kind is not BlockKind.HEADING:
            parts.append([])
        parts[-1].append(block)
        done += n
    return parts


def narration(blocks: Sequence[Block], words: Mapping[str, str] | None = None) -> list[str]:
    """The paragraphs a listener hears for these blocks: headings announced, lists as items, quotes framed."""
    words = words or pack_or_english("en").script
    out: list[str] = []
    items: list[str] = []

    def flush_items() -> None:
        if items:
            out.append(" ".join(_sentence(i) for i in items))
            items.clear()

    for block in blocks:
        if block.kind is BlockKind.LIST_ITEM:
            items.append(block.text)
            continue
        flush_items()
        if block.kind is BlockKind.HEADING:
            if _SPOILER.search(block.text):
                out.append(f"{words['spoiler']} {_sentence(block.text)} {words['spoiler_skip']}")
            else:
                out.append(_sentence(block.text))
        elif block.kind is BlockKind.QUOTE:
            out.append(f"{words['quote']} {_sentence(block.text)} {words['end_quote']}")
        else:
            out.append(block.text)
    flush_items()
    return out


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?" else f"{text}."


# What a part of a review discusses is found by the words it uses most: each language pack's
# [chapters] topics (languages/*.toml). Data, not code: add a topic or a word as a line there.
# A capitalised word, or a run of them (with the particles of names between): a name, inside a
# sentence. Latin-1's capitals too (Émile, Ödön); after French and Italian elision as well (d'Héloïse).
_NAME = re.compile(r"(?:(?<![\w'’])|(?<=(?<!\w)[dlDL]['’]))[A-ZÀ-ÖØ-Þ][\w-]+"
                   r"(?:\s+(?:(?:de|da|van|von|del|la|le)\s+)?[A-ZÀ-ÖØ-Þ][\w-]+)*")
_ONE_WORD_NAME = 3  # a single capitalised word inside sentences this often is a name ("Ben", "Sera")
_NAME_WORDS = 4  # a name is at most this long ("Paul Thomas Anderson", "Leaving Las Vegas")


@dataclass(frozen=True, slots=True)
class _ChapterWords:
    """A language pack's [chapters]: how a headingless part of a review is named in that language."""

    topics: dict[str, re.Pattern[str]]  # topic title -> its words (a whole lower-case word matches)
    verdict: str | None
    title: str  # "{topic}: {names}"
    and_word: str | None  # between two names; None: a comma
    nouns_after: frozenset[str]  # (German) a capitalised word after one of these is a noun
    not_names: frozenset[str]

    @classmethod
    def of(cls, language: str) -> _ChapterWords:
        found = pack(language)
        data = found.chapters if found else {}
        topics = {topic: re.compile("|".join(fnmatch.translate(w.casefold()) for w in words))
                  for topic, words in data.get("topics", {}).items()}
        return cls(topics, data.get("verdict"), data.get("title", "{topic}: {names}"),
                   found.script["and"] if found else None,
                   frozenset(w.casefold() for w in data.get("nouns_after", ())),
                   frozenset(w.casefold() for w in data.get("not_names", ())))

    def pair(self, a: str, b: str) -> str:
        return f"{a} {self.and_word} {b}" if self.and_word else f"{a}, {b}"

    def is_noun(self, word: str, before: str) -> bool:
        """Whether a capitalised `word` (after the word `before`) is a common noun, not a name."""
        if not self.nouns_after:
            return False
        plain = word.casefold()
        return (before.strip(".,;:!?\"'“”„«»()").casefold() in self.nouns_after or plain in self.not_names
                or any(p.fullmatch(plain) for p in self.topics.values()))


def chapter_titles(
    parts: Sequence[tuple[str, Sequence[Block]]], article: Article, language: str = "en", part: str = "part {n}"
) -> list[str]:
    """A title for every part: its heading, or (none) a short one that says what it discusses -
    the verdict for the last of several, else its main topic and the people or films it names most,
    in the review's language (its pack's [chapters]). Titles are distinct; none is a cut-off
    sentence. Offline and deterministic."""
    words = _ChapterWords.of(language)
    known = _known_names(article)
    titles: list[str] = []
    for n, (heading, blocks) in enumerate(parts):
        if heading:
            titles.append(heading)
            continue
        text = " ".join(b.text for b in blocks if b.kind is not BlockKind.HEADING)
        names = _names_in(text, known, article.film.title if article.film else article.title, words)
        topics = _topics_in(text, words.topics)
        candidates: list[str] = []
        if n == len(parts) - 1 and len(parts) > 1 and words.verdict:
            candidates.append(words.verdict)
        pair = words.pair(names[0], names[1]) if len(names) > 1 else ""
        for topic in topics:
            candidates += [words.title.format(topic=topic, names=pair)] if pair else []
            candidates += [words.title.format(topic=topic, names=name) for name in names[:2]] + [topic]
        candidates += [words.pair(a, b) for a, b in zip(names, names[1:], strict=False)]
        candidates += names
        fresh = next((c for c in candidates if c not in titles), None)
        titles.append(fresh or _capitalised(part.format(n=n + 1)))  # nothing to name it by: "Part 2"
    return titles


def _known_names(article: Article) -> list[str]:
    film = article.film
    return [*(film.cast if film else ()), *([film.director] if film and film.director else ())]


def _names_in(text: str, known: Sequence[str], film: str = "", words: _ChapterWords | None = None) -> list[str]:
    """The names `text` uses, most mentioned first: known people (cast, director; a surname
    alone counts) and runs of capitalised words inside sentences (characters, other films)."""
    counts: dict[str, int] = {}
    for name in known:
        surname = name.split()[-1]
        found = len(re.findall(rf"(?<!\w){re.escape(surname)}(?!\w)", text))
        if found:
            counts[name] = found + 1  # the critic's own subjects before incidental names
    for match in _NAME.finditer(text):
        run, before = match.group(), text[: match.start()]
        if _starts_a_sentence(text, match.start()):
            if words is None or not words.nouns_after or " " not in run:
                continue  # a capital that only starts a sentence
            first, run = run.split(None, 1)  # German: "Die Regie von Anne Vidal" still names her
            before = first
        for name in _without_nouns(run, before, words):
            if len(name.split()) > _NAME_WORDS or name in film:
                continue  # the reviewed film is what every part is about: it names none
            if not any(name in k for k in known):
                counts[name] = counts.get(name, 0) + 1
    names = [k for k in counts if k in known or " " in k or counts[k] >= _ONE_WORD_NAME]
    return sorted(names, key=lambda k: -counts[k])


def _without_nouns(run: str, before: str, words: _ChapterWords | None) -> list[str]:
    """The names in a run of capitalised words, once the language's common nouns are taken out
    (German: "Krankenschwester Lea" names Lea); elsewhere the run whole."""
    if words is None or not words.nouns_after:
        return [run]
    previous = (before.split() or [""])[-1]
    names: list[list[str]] = [[]]
    for word in run.split():
        if word[:1].isupper() and words.is_noun(word, previous):
            names.append([])
        else:
            names[-1].append(word)
        previous = word
    found = []
    for name in names:
        while name and not name[0][:1].isupper():  # "von Anne Vidal": the particle was the noun's
            name = name[1:]
        while name and not name[-1][:1].isupper():
            name = name[:-1]
        if name:
            found.append(" ".join(name))
    return found


def _starts_a_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?\"“”„«»"


def _topics_in(text: str, topics: Mapping[str, re.Pattern[str]]) -> list[str]:
    words = re.findall(r"\w+", text.casefold())
    scores = {topic: sum(1 for w in words if pattern.fullmatch(w)) for topic, pattern in topics.items()}
    return [t for t in sorted(scores, key=lambda t: -scores[t]) if scores[t] >= 2]


def _and_join(names: Sequence[str], and_word: str = "and") -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {and_word} {names[-1]}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def site_domain(url: str | None) -> str | None:
    """The host of `url` without "www.": how a site is named when it gives no name."""
    return _domain(url)


def _domain(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None
