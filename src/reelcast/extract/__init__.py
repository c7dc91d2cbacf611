"""RawPage -> Article: the review's own words in order, without the page's chrome, plus its metadata.

Finding the article follows Mozilla Readability's scoring (the reference our benchmark is measured
against): paragraphs score their ancestors by length and commas, class/id hints push containers up
or down, link-dense and widget-like parts are cleaned out, and siblings of the winner that look like
more of the same are joined. On top of that come the parts a listener must never hear (captions,
author bios, "read more" boxes, copyright lines) and the review metadata (film, rating).

Pure: no IO. Parsing uses lxml directly because the corpus has 1 MB pages and the bench allows at
most twice trafilatura's time; bs4's encoding detector decides the charset.
"""

from __future__ import annotations

import codecs
import copy
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import lxml.html
from bs4.dammit import EncodingDetector
from lxml import etree
from lxml.html import HtmlElement

from reelcast.errors import ExtractError
from reelcast.models import Article, Block, BlockKind, Film, Rating, RawPage

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------------
# Heuristics, as data. Class/id hints are regex fragments matched against "class id".


def _hints(*fragments: str) -> re.Pattern[str]:
    return re.compile("|".join(fragments), re.IGNORECASE)


UNLIKELY = _hints(
    "-ad-",
    "ai2html",
    "banner",
    "breadcrumbs",
    "combx",
    "comment",
    "community",
    "cover-wrap",
    "disqus",
    "extra",
    "footer",
    "gdpr",
    "header",
    "legends",
    "menu",
    "related",
    "remark",
    "replies",
    "rss",
    "shoutbox",
    "sidebar",
    "skyscraper",
    "social",
    "sponsor",
    "supplemental",
    "ad-break",
    "agegate",
    "pagination",
    "pager",
    "popup",
    "yom-remote",
    # beyond Readability: consent and subscription overlays
    "cookie",
    "consent",
    "onetrust",
    "newsletter",
    "paywall",
)
MAYBE_CANDIDATE = _hints("and", "article", "body", "column", "content", "main", "mathjax", "shadow")
POSITIVE = _hints(
    "article",
    "body",
    "content",
    "entry",
    "hentry",
    "h-entry",
    "main",
    "page",
    "pagination",
    "post",
    "text",
    "blog",
    "story",
)
NEGATIVE = _hints(
    "-ad-",
    "hidden",
    "^hid$",
    " hid$",
    " hid ",
    "^hid ",
    "banner",
    "combx",
    "comment",
    "com-",
    "contact",
    "footer",
    "gdpr",
    "masthead",
    "media",
    "meta",
    "outbrain",
    "promo",
    "related",
    "scroll",
    "share",
    "shoutbox",
    "sidebar",
    "skyscraper",
    "sponsor",
    "shopping",
    "tags",
    "widget",
)
BYLINE = _hints("byline", "author", "dateline", "writtenby", "p-author")
SHARE = re.compile(r"(\b|_)(share|sharedaddy)(\b|_)", re.IGNORECASE)
# Parts of an article container that are never the review's prose: a listener must not hear them.
NEVER_NARRATED = _hints(
    r"(^|[\s_-])bio($|[\s_-])",
    "author-bio",
    "authorbio",
    "about-the-author",
    "author-info",
    "author-box",
    "read-more",
    "readmore",
    "more-from",
    "newsletter",
    "signup",
    "sign-up",
    "subscribe",
    "pullquote",
    "pull-quote",
    "copyright",
    "cookie",
    "consent",
    "paywall",
    "recirc",
    "outbrain",
    "taboola",
)
# Utility classes that hide an element from sight in every common CSS framework.
HIDDEN_CLASSES = frozenset(
    {
        "hidden",
        "hide",
        "is-hidden",
        "d-none",
        "sr-only",
        "visually-hidden",
        "screen-reader-text",
        "visuallyhidden",
        "u-hidden",
        "hidden-xs-up",
        "invisible",
        "offscreen",
    }
)
UNLIKELY_ROLES = frozenset({"menu", "menubar", "complementary", "navigation", "alert", "alertdialog", "dialog"})
AD_WORDS = re.compile(r"^(ad(vertising|vertisement)?|pub(licité)?|werb(ung)?|广告|Реклама|Anuncio)$", re.IGNORECASE)
LOADING_WORDS = re.compile(r"^((loading|正在加载|Загрузка|chargement|cargando)(…|\.\.\.)?)$", re.IGNORECASE)
COPYRIGHT_LINE = re.compile(r"^(©|\(c\)\s*\d{4}|copyright\b)", re.IGNORECASE)
# Short lines that are page furniture wherever they sit: calls to action, link teasers, print notes.
CHROME_LINES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(sign up|subscribe)\b.{0,60}\b(newsletter|updates|inbox)\b",
        r"^(related|read more|read also|see also|more|also read|recommended|watch)\s*:",
        r"^(\d+\s+)?comments?(\s*\(\d+( posted)?\))?$",
        r"^a version of this article appears in print\b",
        r"^(share|share this( article| story)?|tweet|email|print)$",
        r"^(advertisement|sponsored|sponsored content|ad)$",
    )
)
# Headings that introduce a list of links to other pages: the heading and its list go together.
TEASER_HEADINGS = re.compile(
    r"^(related|related (articles|stories|posts|links|searches|coverage|reading)|read more|more (from|on|stories)\b.*"
    r"|you (may|might) also like|recommended( for you| reading)?|most (read|popular)|trending|further reading)$",
    re.IGNORECASE,
)
CHROME_LINE_MAX = 200
COMMAS = re.compile("[\u002c\u060c\ufe50\ufe10\ufe11\u2e41\u2e34\u2e32\uff0c]")
VIDEO_HOSTS = re.compile(
    r"//(www\.)?((dailymotion|youtube|youtube-nocookie|player\.vimeo|v\.qq)\.com|(archive|upload\.wikimedia)\.org|player\.twitch\.tv)",
    re.IGNORECASE,
)

TAGS_TO_SCORE = frozenset({"section", "h2", "h3", "h4", "h5", "h6", "p", "td", "pre"})
DIV_TO_P = frozenset({"blockquote", "dl", "div", "img", "ol", "p", "pre", "table", "ul"})
PHRASING = frozenset(
    {
        "abbr",
        "audio",
        "b",
        "bdo",
        "br",
        "button",
        "cite",
        "code",
        "data",
        "datalist",
        "dfn",
        "em",
        "embed",
        "i",
        "img",
        "input",
        "kbd",
        "label",
        "mark",
        "math",
        "meter",
        "noscript",
        "object",
        "output",
        "progress",
        "q",
        "ruby",
        "samp",
        "script",
        "select",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "textarea",
        "time",
        "var",
        "wbr",
    }
)
# Removed before anything is scored: never visible prose.
NOT_CONTENT = ("script", "noscript", "style", "template", "link", "meta")
# Removed from the chosen article: widgets and furniture, never prose.
ARTICLE_JUNK = (
    "object",
    "embed",
    "footer",
    "link",
    "aside",
    "iframe",
    "input",
    "textarea",
    "select",
    "button",
    "figcaption",
    "nav",
    "svg",
    "canvas",
    "audio",
    "video",
)
INITIAL_SCORES = {
    "div": 5,
    "pre": 3,
    "td": 3,
    "blockquote": 3,
    "address": -3,
    "ol": -3,
    "ul": -3,
    "dl": -3,
    "dd": -3,
    "dt": -3,
    "li": -3,
    "form": -3,
    "h1": -5,
    "h2": -5,
    "h3": -5,
    "h4": -5,
    "h5": -5,
    "h6": -5,
    "th": -5,
}
CHAR_THRESHOLD = 500
NEVER_NARRATED_SHARE = 0.25  # a bio or "read more" box is a small part of the article around it
MAX_LINK_DENSITY = 0.5  # an "article" that is mostly link text is a home page or an index
TOP_CANDIDATES = 5
MIN_ARTICLE_TOKENS = 12  # CJK characters count one each, like the benchmark's tokens

# --------------------------------------------------------------------------------------------------
# Public API


def extract(page: RawPage) -> Article:
    """Find the article in `page`: its blocks in reading order and its metadata."""
    doc = _parse(page)
    meta = _page_metadata(doc, page)
    body = doc.find("body")
    if body is None:
        raise _no_article(page, "the page has no body")
    content, visible_byline = _grab_article(body, title=meta.title)
    meta.byline = meta.byline or visible_byline or None
    if _link_density(content) > MAX_LINK_DENSITY:
        raise _no_article(page, "it is mostly links, like a home page or an index")
    blocks = _dedupe(_narratable(_blocks(content)))
    if _token_count(" ".join(b.text for b in blocks)) < MIN_ARTICLE_TOKENS:
        raise _no_article(page, "nothing on it reads as an article")
    return Article(
        source=page.source,
        title=meta.title or blocks[0].text,
        blocks=blocks,
        byline=meta.byline,
        published=meta.published,
        modified=meta.modified,
        site_name=meta.site_name,
        language=meta.language,
        canonical_url=meta.canonical_url,
        description=meta.description,
        lead_image=meta.lead_image or _first_image(content, meta.base_url),
        film=_film(meta, blocks),
        rating=meta.rating or _visible_rating(blocks, meta.rating_texts),
    )


def article_as_text(article: Article) -> str:
    """The headline, then every block in order, a blank line between them."""
    lines = [article.title] + [_block_line(block) for block in article.blocks]
    return "\n\n".join(lines) + "\n"


def article_as_dict(article: Article) -> dict[str, Any]:
    """A JSON-friendly view: enums as their values, datetimes as ISO 8601."""
    data = asdict(article)
    data["blocks"] = [
        {"kind": b.kind.value, "text": b.text, **({"level": b.level} if b.kind is BlockKind.HEADING else {})}
        for b in article.blocks
    ]
    for key in ("published", "modified"):
        value = getattr(article, key)
        data[key] = value.isoformat() if value else None
    if article.film is not None:
        data["film"]["cast"] = list(article.film.cast)
    return data


def _block_line(block: Block) -> str:
    return f"- {block.text}" if block.kind is BlockKind.LIST_ITEM else block.text


def _no_article(page: RawPage, why: str) -> ExtractError:
    name = "standard input" if page.source == "-" else page.source
    return ExtractError(
        f"no article text found in {name} ({why}); give the address of the review itself, "
        "not a home page, search page or login wall"
    )


# --------------------------------------------------------------------------------------------------
# Decoding and parsing

_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
# Browsers read these labels as windows-1252 (WHATWG Encoding); pages labelled latin-1 use its quotes.
_ENCODING_ALIASES = {
    "iso-8859-1": "windows-1252",
    "latin-1": "windows-1252",
    "latin1": "windows-1252",
    "us-ascii": "windows-1252",
    "ascii": "windows-1252",
    "iso8859-1": "windows-1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "shift_jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "euc-kr": "cp949",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "big5": "big5hkscs",
}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CHARSET_PARAM = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


def decode_html(content: bytes, content_type: str | None = None) -> str:
    """Bytes -> text: BOM, then valid UTF-8, then the HTTP charset, then <meta charset>, then windows-1252."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(encoding, errors="replace")
    if not content.isascii():
        # Valid multi-byte UTF-8 is next to impossible by accident in a legacy encoding, while a
        # re-saved page often keeps its old <meta charset>: the bytes win over the label.
        try:
            return content.decode("utf-8")
        except UnicodeDecodeError:
            pass
    declared = [
        _CHARSET_PARAM.search(content_type or ""),
        EncodingDetector.find_declared_encoding(content, is_html=True),
    ]
    for found in declared:
        label = found.group(1) if isinstance(found, re.Match) else found
        encoding = _codec(label)
        # A page that says UTF-16 in a meta tag but has no BOM is lying: it could not say so in UTF-16.
        if encoding and not encoding.startswith("utf-16"):
            return content.decode(encoding, errors="replace")
    return content.decode("windows-1252", errors="replace")


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    label = _ENCODING_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    junk = len(_CONTROL_CHARS.findall(sample)) + sample.count("\ufffd")
    return junk > len(sample) * 0.02


def _parse(page: RawPage) -> HtmlElement:
    text = decode_html(page.content, page.content_type)
    if not text.strip():
        raise _no_article(page, "the page is empty")
    if _looks_binary(text):
        raise _no_article(page, "it is binary data, not a web page")
    text = _CONTROL_CHARS.sub("", _XML_DECLARATION.sub("", text, count=1))
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False)
    try:
        return lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise _no_article(page, f"it could not be parsed as HTML: {exc}") from exc


# --------------------------------------------------------------------------------------------------
# Metadata: meta tags, JSON-LD and microdata


@dataclass(slots=True)
class _Meta:
    title: str | None = None
    byline: str | None = None
    published: datetime | None = None
    modified: datetime | None = None
    site_name: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    description: str | None = None
    lead_image: str | None = None
    base_url: str | None = None
    film: Film | None = None
    rating: Rating | None = None
    rating_texts: list[str] = field(default_factory=list)


# Meta keys in order of trust (Readability's order: Dublin Core, then Open Graph, then the rest).
TITLE_KEYS = (
    "dc:title",
    "dcterm:title",
    "og:title",
    "weibo:article:title",
    "weibo:webpage:title",
    "title",
    "twitter:title",
    "parsely-title",
)
BYLINE_KEYS = ("dc:creator", "dcterm:creator", "author", "parsely-author", "article:author", "byl")
DESCRIPTION_KEYS = (
    "dc:description",
    "dcterm:description",
    "og:description",
    "weibo:article:description",
    "description",
    "twitter:description",
)
PUBLISHED_KEYS = ("article:published_time", "parsely-pub-date", "datepublished", "dc:date", "date", "pubdate")

_ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "BlogPosting",
        "Review",
        "CriticReview",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "ReviewNewsArticle",
        "TechArticle",
        "ScholarlyArticle",
        "SocialMediaPosting",
        "LiveBlogPosting",
        "Report",
        "WebPage",
        "MediaReviewItem",
        "UserReview",
    }
)
_FILM_TYPES = frozenset({"Movie", "Film", "TVSeries", "TVSeason", "TVEpisode", "CreativeWork"})
_RATING_HINT = re.compile(r"rating|stars|score|verdict", re.IGNORECASE)


def _page_metadata(doc: HtmlElement, page: RawPage) -> _Meta:
    metas = _meta_values(doc)
    ld = _json_ld_article(doc)
    base = _base_url(doc, page)

    def first(*keys: str) -> str | None:
        return next((metas[k] for k in keys if metas.get(k)), None)

    meta = _Meta(base_url=base)
    meta.title = _json_ld_title(ld, doc) or first(*TITLE_KEYS) or _title_from_document(doc)
    meta.byline = _person_names(ld.get("author")) or first(*BYLINE_KEYS) or _rel_author(doc)
    if meta.byline and meta.byline.startswith(("http://", "https://")):
        meta.byline = _rel_author(doc)  # article:author is often a profile URL, not a name
    meta.published = _date(ld.get("datePublished")) or _date(first(*PUBLISHED_KEYS)) or _time_element(doc)
    meta.modified = _date(ld.get("dateModified")) or _date(
        first("article:modified_time", "og:updated_time", "datemodified")
    )
    meta.site_name = _clean(_name_of(ld.get("publisher"))) or first("og:site_name", "application-name")
    meta.language = _clean(doc.get("lang")) or first("content-language", "og:locale", "dc:language")
    meta.description = _clean(ld.get("description")) or first(*DESCRIPTION_KEYS)
    image = _image_url(ld.get("image")) or first("og:image", "og:image:url", "twitter:image", "twitter:image:src")
    meta.lead_image = urljoin(base, image) if image and base else image
    canonical = doc.xpath("string(//link[@rel='canonical'][1]/@href)").strip() or first("og:url")
    meta.canonical_url = urljoin(base, canonical) if canonical and base else (canonical or page.url)
    reviewed = ld.get("itemReviewed")
    meta.film = _film_from_json_ld(reviewed) if isinstance(reviewed, dict) else _film_from_microdata(doc)
    meta.rating = _rating_from_json_ld(ld.get("reviewRating")) or _rating_from_microdata(doc)
    meta.rating_texts = _rating_widget_texts(doc)
    return meta


def _json_ld_title(ld: dict[str, Any], doc: HtmlElement) -> str | None:
    """Readability's rule: sites put their own name in "name" or a teaser in "headline"; trust the one like <title>."""
    name, headline = _clean(ld.get("name")), _clean(ld.get("headline"))
    if name and headline and name != headline:
        title = _title_from_document(doc) or ""
        if _similarity(headline, title) > 0.75 >= _similarity(name, title):
            return headline
        return name
    return name or headline


def _meta_values(doc: HtmlElement) -> dict[str, str]:
    values: dict[str, str] = {}
    for node in doc.iter("meta"):
        content = _clean(node.get("content"))
        if not content:
            continue
        for key in (node.get("property") or "").split() + [
            node.get("name") or "",
            node.get("itemprop") or "",
            node.get("http-equiv") or "",
        ]:
            if key:
                # "DC.Title" and "dc:title" are the same key to every reader of meta tags.
                values.setdefault(re.sub(r"\s+", "", key).lower().replace(".", ":"), content)
    return values


def _json_ld_article(doc: HtmlElement) -> dict[str, Any]:
    """The first JSON-LD object of an article or review type; a Review wins over a plain Article."""
    found: list[dict[str, Any]] = []
    for script in doc.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(_CDATA.sub("", script.text or ""))
        except ValueError:
            continue
        found.extend(obj for obj in _json_ld_objects(data) if _types(obj) & _ARTICLE_TYPES)
    reviews = [obj for obj in found if _types(obj) & {"Review", "CriticReview", "UserReview"}]
    if reviews and found and reviews[0] is not found[0]:
        # A page with both an Article and a Review describes one piece: merge, article fields first.
        return {**reviews[0], **{k: v for k, v in found[0].items() if v}}
    return found[0] if found else {}


_CDATA = re.compile(r"^\s*(//|/\*)?\s*<!\[CDATA\[(\s*\*/)?|(//|/\*)?\s*\]\]>(\s*\*/)?\s*$")


def _json_ld_objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _json_ld_objects(item)
    elif isinstance(data, dict):
        yield data
        yield from _json_ld_objects(data.get("@graph", []))


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type", ())
    return {kind} if isinstance(kind, str) else {k for k in kind if isinstance(k, str)}


def _name_of(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return value.get("name") if isinstance(value.get("name"), str) else None
    return value if isinstance(value, str) else None


def _person_names(value: Any) -> str | None:
    items = value if isinstance(value, list) else [value]
    names = [_clean(_name_of(item)) for item in items]
    names = [n for n in names if n and not n.startswith(("http://", "https://"))]
    return ", ".join(dict.fromkeys(names)) or None


def _image_url(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _base_url(doc: HtmlElement, page: RawPage) -> str | None:
    base = doc.xpath("string(//base[@href][1]/@href)").strip()
    if base:
        return urljoin(page.url or "", base)
    return page.url


_TITLE_SEPARATORS = re.compile(r" [|\-–—\\/>»] ")
_HIERARCHY_SEPARATORS = re.compile(r" [\\/>»] ")


def _title_from_document(doc: HtmlElement) -> str | None:
    """Readability's rules for "Headline - Site" titles: drop the site part unless too little is left."""
    original = _clean(doc.findtext(".//title")) or ""
    title = original
    hierarchical = False
    separators = list(_TITLE_SEPARATORS.finditer(original))
    if separators:
        hierarchical = _HIERARCHY_SEPARATORS.search(original) is not None
        title = original[: separators[-1].start()]
        if len(title.split()) < 3:
            title = re.sub(r"^[^|\-–—\\/>»]*[|\-–—\\/>»]", "", original)
    elif ": " in title:
        if not any(_text(h) == title for h in doc.iter("h1", "h2")):
            title = original[original.rfind(":") + 1 :]
            if len(title.split()) < 3:
                title = original[original.find(":") + 1 :]
            elif len(original[: original.find(":")].split()) > 5:
                title = original
    elif len(title) > 150 or len(title) < 15:
        h1s = list(doc.iter("h1"))
        if len(h1s) == 1:
            title = _text(h1s[0])
    title = " ".join(title.split())
    words = len(title.split())
    if words <= 4 and (not hierarchical or words != len(_TITLE_SEPARATORS.sub(" ", original).split()) - 1):
        title = original
    return title or None


_BY_PREFIX = re.compile(r"^\s*(by|par|von|por|door|di)\s+", re.IGNORECASE)


def _byline_text(node: HtmlElement) -> str:
    """ "By Kelli Miller" -> "Kelli Miller"; a second line (a desk, a date) is not part of the name."""
    first_line = next((line for line in (node.text_content() or "").splitlines() if line.strip()), "")
    return " ".join(_BY_PREFIX.sub("", first_line).split())


def _rel_author(doc: HtmlElement) -> str | None:
    for node in doc.xpath("//*[@rel='author' or contains(@itemprop, 'author')]"):
        name = _clean(re.sub(r"^\s*by\s+", "", _text(node), flags=re.IGNORECASE))
        if name and len(name) < 100:
            return name
    return None


def _time_element(doc: HtmlElement) -> datetime | None:
    for node in doc.iter("time"):
        stamp = _date(node.get("datetime"))
        if stamp:
            return stamp
    return None


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", value.strip()) else value.strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        match = re.match(r"^(\d{4}-\d\d-\d\d)", text)
        return datetime.fromisoformat(match.group(1)) if match else None


def _film_from_json_ld(item: dict[str, Any]) -> Film | None:
    title = _clean(_name_of(item))
    if not title or not (_types(item) & _FILM_TYPES or not _types(item)):
        return None
    year = _year(str(item.get("dateCreated") or item.get("datePublished") or item.get("releaseDate") or ""))
    director = _person_names(item.get("director"))
    actors = item.get("actor") or item.get("actors") or []
    cast = tuple(n for n in (_clean(_name_of(a)) for a in (actors if isinstance(actors, list) else [actors])) if n)
    return Film(title=title, year=year, director=director, cast=cast)


def _film_from_microdata(doc: HtmlElement) -> Film | None:
    for scope in doc.xpath("//*[@itemscope][contains(@itemtype, 'schema.org/Movie')]"):

        def prop(name: str, node: HtmlElement = scope) -> list[str]:
            return [
                _clean(p.get("content") or p.xpath("string(.//*[@itemprop='name'])") or _text(p)) or ""
                for p in node.xpath(f".//*[@itemprop='{name}']")
            ]

        title = next(iter(prop("name")), None)
        if title:
            year = _year(" ".join(prop("dateCreated") + prop("datePublished")))
            return Film(title=title, year=year, director=next(iter(prop("director")), None), cast=tuple(prop("actor")))
    return None


def _rating_from_json_ld(value: Any) -> Rating | None:
    if not isinstance(value, dict):
        return None
    return _rating(value.get("ratingValue"), value.get("bestRating"))


def _rating_from_microdata(doc: HtmlElement) -> Rating | None:
    for scope in doc.xpath("//*[@itemprop='reviewRating']"):

        def prop(name: str, node: HtmlElement = scope) -> str | None:
            found = node.xpath(f".//*[@itemprop='{name}']")
            return (found[0].get("content") or _text(found[0])) if found else None

        rating = _rating(prop("ratingValue"), prop("bestRating"))
        if rating:
            return rating
    return None


def _rating(value: Any, best: Any) -> Rating | None:
    try:
        number = float(str(value).replace(",", "."))
        top = float(str(best).replace(",", ".")) if best not in (None, "") else 5.0
    except ValueError:
        return None
    return Rating(value=number, best=top) if 0 <= number <= top else None


def _rating_widget_texts(doc: HtmlElement) -> list[str]:
    """Short texts of elements whose class or id says rating/stars: widgets often sit outside the article."""
    texts = []
    for node in doc.xpath("//body//*[@class or @id or @aria-label]"):
        hint = f"{node.get('class', '')} {node.get('id', '')}"
        if _RATING_HINT.search(hint):
            label = node.get("aria-label") or node.get("title") or ""
            text = _text(node)
            texts.extend(t for t in (label, text) if t and len(t) < 80)
    return texts[:20]


# --------------------------------------------------------------------------------------------------
# Finding the article (Readability's algorithm, on lxml)


@dataclass(frozen=True, slots=True)
class _Flags:
    strip_unlikely: bool = True
    weight_classes: bool = True
    clean_conditionally: bool = True


_ATTEMPTS = (_Flags(), _Flags(strip_unlikely=False), _Flags(False, False), _Flags(False, False, False))


def _grab_article(body: HtmlElement, *, title: str | None) -> tuple[HtmlElement, str | None]:
    """The article's element (the first attempt with enough text, else the longest) and the byline seen on the way."""
    _prep_document(body)
    attempts: list[tuple[int, HtmlElement, str | None]] = []
    for flags in _ATTEMPTS:
        grabber = _Grabber(flags, title)
        content = grabber.grab(copy.deepcopy(body))
        length = len(_text(content))
        if length >= CHAR_THRESHOLD:
            return content, grabber.byline
        attempts.append((length, content, grabber.byline))
    _, content, byline = max(attempts, key=lambda attempt: attempt[0])
    return content, byline


def _prep_document(body: HtmlElement) -> None:
    for node in list(body.iter(*NOT_CONTENT)):
        _drop(node)
    for node in list(body.iter("font")):
        node.tag = "span"
    _replace_brs(body)


def _replace_brs(root: HtmlElement) -> None:
    """Two or more <br> in a row end a paragraph: wrap the text that follows them in a <p>."""
    for br in list(root.iter("br")):
        parent = br.getparent()
        if parent is None:
            continue
        replaced = False
        while _blank(br.tail) and (nxt := br.getnext()) is not None and nxt.tag == "br":
            br.tail = nxt.tail
            parent.remove(nxt)
            replaced = True
        if not replaced:
            continue
        p = br.makeelement("p", {})
        p.text = br.tail
        br.tail = None
        parent.replace(br, p)
        nxt = p.getnext()
        while nxt is not None and not _starts_br_chain(nxt) and _is_phrasing(nxt):
            p.append(nxt)
            nxt = p.getnext()
        while len(p) and p[-1].tag == "br" and _blank(p[-1].tail):
            p.remove(p[-1])
        if parent.tag == "p":
            parent.tag = "div"


def _starts_br_chain(node: HtmlElement) -> bool:
    nxt = node.getnext()
    return node.tag == "br" and _blank(node.tail) and nxt is not None and nxt.tag == "br"


class _Grabber:
    """One pass of Readability's _grabArticle over a copy of the body."""

    def __init__(self, flags: _Flags, title: str | None) -> None:
        self.flags = flags
        self.title = title
        self.scores: dict[HtmlElement, float] = {}
        self.byline: str | None = None
        self.title_header_removed = False

    def grab(self, body: HtmlElement) -> HtmlElement:
        to_score = self._walk(body)
        candidates = self._score(to_score)
        top = self._top_candidate(body, candidates)
        content = self._join_siblings(top)
        _Cleaner(self.flags).prepare(content)
        return content

    # -- walking: remove the unlikely, turn text-only divs into paragraphs

    def _walk(self, body: HtmlElement) -> list[HtmlElement]:
        to_score: list[HtmlElement] = []
        node: HtmlElement | None = body
        while node is not None:
            if node is not body and self._should_remove(node):
                node = _remove_and_next(node)
                continue
            tag = node.tag
            if tag in TAGS_TO_SCORE:
                to_score.append(node)
            if tag == "div":
                node = self._div_to_paragraphs(node, to_score)
            node = _next_node(node)
        return to_score

    def _should_remove(self, node: HtmlElement) -> bool:
        if not _is_visible(node):
            return True
        if node.get("aria-modal") == "true" and node.get("role") == "dialog":
            return True
        match = f"{node.get('class', '')} {node.get('id', '')}"
        if self.byline is None and self._is_byline(node, match):
            self.byline = _byline_text(node)
            return True
        if not self.title_header_removed and self._duplicates_title(node):
            self.title_header_removed = True
            return True
        if self.flags.strip_unlikely:
            if (
                UNLIKELY.search(match)
                and not MAYBE_CANDIDATE.search(match)
                and node.tag not in ("body", "a")
                and not _has_ancestor(node, "table")
                and not _has_ancestor(node, "code")
            ):
                return True
            if node.get("role") in UNLIKELY_ROLES:
                return True
        if node.tag in ("div", "section", "header", "h1", "h2", "h3", "h4", "h5", "h6") and _without_content(node):
            return True
        return False

    @staticmethod
    def _is_byline(node: HtmlElement, match: str) -> bool:
        itemprop = node.get("itemprop") or ""
        if node.get("rel") == "author" or "author" in itemprop or BYLINE.search(match):
            text = (node.text_content() or "").strip()
            return 0 < len(text) < 100
        return False

    def _duplicates_title(self, node: HtmlElement) -> bool:
        if node.tag not in ("h1", "h2") or not self.title:
            return False
        return _similarity(self.title, _text(node)) > 0.75

    def _div_to_paragraphs(self, div: HtmlElement, to_score: list[HtmlElement]) -> HtmlElement:
        _wrap_phrasing_runs(div)
        children = list(div)
        if (
            len(children) == 1
            and children[0].tag == "p"
            and _blank(div.text)
            and _blank(children[0].tail)
            and _link_density(div) < 0.25
        ):
            only = children[0]
            only.tail = div.tail
            # The div's class often says what the paragraph is ("author-bio"): keep it for the cleaner.
            hints = " ".join(filter(None, (div.get("class"), div.get("id"), only.get("class"))))
            if hints:
                only.set("class", hints)
            div.getparent().replace(div, only)
            to_score.append(only)
            return only
        if not any(d.tag in DIV_TO_P for d in div.iterdescendants()):
            div.tag = "p"
            to_score.append(div)
        return div

    # -- scoring

    def _score(self, to_score: list[HtmlElement]) -> list[HtmlElement]:
        candidates: list[HtmlElement] = []
        for node in to_score:
            parent = node.getparent()
            if parent is None:
                continue
            text = _text(node)
            if len(text) < 25:
                continue
            ancestors = _ancestors(node, 5)
            if not ancestors:
                continue
            score = 1 + len(COMMAS.split(text)) + min(len(text) // 100, 3)
            for level, ancestor in enumerate(ancestors):
                if ancestor.getparent() is None:  # <html> itself is never a candidate
                    continue
                if ancestor not in self.scores:
                    self.scores[ancestor] = self._initial_score(ancestor)
                    candidates.append(ancestor)
                divider = 1 if level == 0 else 2 if level == 1 else level * 3
                self.scores[ancestor] += score / divider
        return candidates

    def _initial_score(self, node: HtmlElement) -> float:
        return INITIAL_SCORES.get(node.tag, 0) + _class_weight(node, self.flags)

    def _top_candidate(self, body: HtmlElement, candidates: list[HtmlElement]) -> HtmlElement:
        for node in candidates:
            self.scores[node] *= 1 - _link_density(node)
        ranked = sorted(candidates, key=lambda n: self.scores[n], reverse=True)[:TOP_CANDIDATES]
        if not ranked or ranked[0].tag == "body":
            return self._body_as_candidate(body)
        top = self._common_ancestor_of_close_runners_up(ranked)
        top = self._climb_while_score_rises(top)
        parent = top.getparent()
        while parent is not None and parent.tag != "body" and len(parent) == 1:
            top, parent = parent, parent.getparent()
        self.scores.setdefault(top, self._initial_score(top))
        return top

    def _body_as_candidate(self, body: HtmlElement) -> HtmlElement:
        wrapper = body.makeelement("div", {})
        wrapper.text, body.text = body.text, None
        for child in list(body):
            wrapper.append(child)
        body.append(wrapper)
        self.scores[wrapper] = self._initial_score(wrapper)
        return wrapper

    def _common_ancestor_of_close_runners_up(self, ranked: list[HtmlElement]) -> HtmlElement:
        """Three runners-up close to the winner that share an ancestor with it: that ancestor holds the article."""
        top = ranked[0]
        close = [set(_ancestors(n, 0)) for n in ranked[1:] if self.scores[n] / max(self.scores[top], 1e-9) >= 0.75]
        if len(close) < 3:
            return top
        parent = top.getparent()
        while parent is not None and parent.tag != "body":
            if sum(parent in ancestors for ancestors in close) >= 3:
                return parent
            parent = parent.getparent()
        return top

    def _climb_while_score_rises(self, top: HtmlElement) -> HtmlElement:
        last = self.scores.get(top, 0)
        threshold = last / 3
        parent = top.getparent()
        while parent is not None and parent.tag != "body":
            if parent not in self.scores:
                parent = parent.getparent()
                continue
            score = self.scores[parent]
            if score < threshold:
                break
            if score > last:
                return parent
            last = score
            parent = parent.getparent()
        return top

    def _join_siblings(self, top: HtmlElement) -> HtmlElement:
        """Siblings that score like the winner (preambles, text split by ads) belong to the article too."""
        content = top.makeelement("div", {})
        parent = top.getparent()
        top_score = self.scores.get(top, 0)
        threshold = max(10.0, top_score * 0.2)
        top_class = top.get("class", "")
        for sibling in list(parent) if parent is not None else [top]:
            if sibling is top or self._sibling_belongs(sibling, top_class, top_score, threshold):
                tail = sibling.tail
                if sibling.tag not in (
                    "div",
                    "article",
                    "section",
                    "p",
                    "ol",
                    "ul",
                    "table",
                    "blockquote",
                    "pre",
                    "h2",
                    "h3",
                    "h4",
                    "h5",
                    "h6",
                    "figure",
                    "dl",
                ):
                    sibling.tag = "div"
                content.append(sibling)
                sibling.tail = tail
        return content

    def _sibling_belongs(self, sibling: HtmlElement, top_class: str, top_score: float, threshold: float) -> bool:
        bonus = top_score * 0.2 if top_class and sibling.get("class", "") == top_class else 0
        if sibling in self.scores and self.scores[sibling] + bonus >= threshold:
            return True
        if sibling.tag != "p":
            return False
        density = _link_density(sibling)
        text = _text(sibling)
        if len(text) > 80:
            return density < 0.25
        return 0 < len(text) and density == 0 and re.search(r"\.( |$)", text) is not None


class _Cleaner:
    """Readability's _prepArticle: strip what is inside the chosen container but is not prose."""

    def __init__(self, flags: _Flags) -> None:
        self.flags = flags
        self.data_tables: set[HtmlElement] = set()

    def prepare(self, content: HtmlElement) -> None:
        self._mark_data_tables(content)
        self._clean_conditionally(content, "form")
        self._clean_conditionally(content, "fieldset")
        _remove_all(content, ARTICLE_JUNK, keep=_is_video_embed)
        for child in list(content):
            _remove_where(child, lambda n: bool(SHARE.search(_match_string(n))) and len(_text(n)) < CHAR_THRESHOLD)
        # Guarded by size: a "read-more" wrapper sometimes holds the second half of the article itself.
        budget = len(_text(content)) * NEVER_NARRATED_SHARE
        _remove_where(content, lambda n: bool(NEVER_NARRATED.search(_match_string(n))) and len(_text(n)) <= budget)
        _remove_where(content, lambda n: n.tag in ("h1", "h2") and _class_weight(n, self.flags) < 0)
        for tag in ("table", "ul", "div"):
            self._clean_conditionally(content, tag)
        for heading in content.iter("h1"):
            heading.tag = "h2"
        _remove_where(content, lambda n: n.tag == "p" and not _text(n) and not _has_media(n))
        self._unwrap_single_cell_tables(content)

    def _mark_data_tables(self, content: HtmlElement) -> None:
        for table in content.iter("table"):
            if _is_data_table(table):
                self.data_tables.add(table)

    def _unwrap_single_cell_tables(self, content: HtmlElement) -> None:
        for table in list(content.iter("table")):
            rows = table.xpath("./tr|./tbody/tr|./thead/tr|./tfoot/tr")
            cells = rows[0].xpath("./td|./th") if len(rows) == 1 else []
            if len(cells) == 1:
                cell = cells[0]
                cell.tag = "p" if all(_is_phrasing(c) for c in cell) else "div"
                cell.tail = table.tail
                table.getparent().replace(table, cell)

    def _clean_conditionally(self, content: HtmlElement, tag: str) -> None:
        if not self.flags.clean_conditionally:
            return
        # Deepest first, as Readability's reverse walk does: inner junk goes before its container is judged.
        for node in reversed(list(content.iter(tag))):
            if node is content or not _attached(node, content):
                continue
            if self._is_junk(node, tag):
                _drop(node)

    def _is_junk(self, node: HtmlElement, tag: str) -> bool:
        is_list = tag in ("ul", "ol")
        if not is_list:
            list_length = sum(len(_text(lst)) for lst in node.iter("ul", "ol") if lst is not node)
            text_length = len(_text(node))
            is_list = text_length > 0 and list_length / text_length > 0.9
        if node in self.data_tables or any(t in self.data_tables for t in node.iter("table")):
            return False
        if any(a.tag == "table" and a in self.data_tables or a.tag == "code" for a in node.iterancestors()):
            return False
        weight = _class_weight(node, self.flags)
        if weight < 0:
            return True
        text = _text(node)
        if text.count(",") >= 10:
            return False
        counts = _tag_counts(node)
        p, img, li, inputs = counts["p"], counts["img"], counts["li"] - 100, counts["input"]
        embeds = [e for e in node.iter("object", "embed", "iframe") if e is not node]
        if any(_is_video_embed(e) for e in embeds):
            return False
        if AD_WORDS.match(text) or LOADING_WORDS.match(text):
            return True
        in_figure = any(a.tag == "figure" for a in node.iterancestors())
        link_density = _link_density(node)
        heading_density = _text_density(node, ("h1", "h2", "h3", "h4", "h5", "h6"))
        text_density = _text_density(node, ("span", "li", "td", *DIV_TO_P))
        remove = (
            (not in_figure and img > 1 and p / img < 0.5)
            or (not is_list and li > p)
            or (inputs > p // 3)
            or (
                not is_list
                and not in_figure
                and heading_density < 0.9
                and len(text) < 25
                and (img == 0 or img > 2)
                and link_density > 0
            )
            or (not is_list and weight < 25 and link_density > 0.2)
            or (weight >= 25 and link_density > 0.5)
            or (len(embeds) == 1 and len(text) < 75)
            or len(embeds) > 1
            or (img == 0 and text_density == 0)
        )
        if is_list and remove:
            # A simple list of images stays: every item holds one picture.
            if all(len(child) <= 1 for child in node) and img == counts["li"]:
                return False
        return remove


def _is_data_table(table: HtmlElement) -> bool:
    if table.get("role") == "presentation" or table.get("datatable") == "0":
        return False
    if table.get("summary"):
        return True
    caption = table.find("caption")
    if caption is not None and len(caption) > 0:
        return True
    if table.xpath(".//col|.//colgroup|.//tfoot|.//thead|.//th"):
        return True
    if table.xpath(".//table"):
        return False
    rows = table.xpath("./tr|./tbody/tr|./thead/tr|./tfoot/tr")
    columns = max(
        (
            sum(int(c.get("colspan", "1")) if c.get("colspan", "1").isdigit() else 1 for c in row.xpath("./td|./th"))
            for row in rows
        ),
        default=0,
    )
    return len(rows) >= 10 or columns > 4 or len(rows) * columns > 10


# --------------------------------------------------------------------------------------------------
# Tree helpers


def _text(node: HtmlElement) -> str:
    return " ".join((node.text_content() or "").split())


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


def _blank(text: str | None) -> bool:
    return not text or not text.strip()


def _match_string(node: HtmlElement) -> str:
    return f"{node.get('class', '')} {node.get('id', '')}"


def _is_visible(node: HtmlElement) -> bool:
    style = (node.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style or node.get("hidden") is not None:
        return False
    classes = (node.get("class") or "").lower().split()
    if HIDDEN_CLASSES.intersection(classes):
        return False
    return node.get("aria-hidden") != "true" or "fallback-image" in classes


def _without_content(node: HtmlElement) -> bool:
    if (node.text_content() or "").strip():
        return False
    return all(child.tag in ("br", "hr") for child in node)


def _is_phrasing(node: HtmlElement) -> bool:
    tag = node.tag
    if tag in PHRASING:
        return True
    return tag in ("a", "del", "ins") and all(_is_phrasing(child) for child in node)


def _wrap_phrasing_runs(div: HtmlElement) -> None:
    """Loose text and inline elements between a div's blocks become paragraphs, so they score."""
    p: HtmlElement | None = None
    if not _blank(div.text):
        p = div.makeelement("p", {})
        p.text, div.text = div.text, None
        div.insert(0, p)
    for child in list(div):
        if child is p:
            continue
        if _is_phrasing(child):
            if p is not None:
                p.append(child)
            elif child.tag != "br":
                p = div.makeelement("p", {})
                child.addprevious(p)
                p.append(child)
            continue
        if p is not None:
            _strip_trailing_brs(p)
            p = None
        if not _blank(child.tail):
            p = div.makeelement("p", {})
            p.text, child.tail = child.tail, None
            child.addnext(p)
    if p is not None:
        _strip_trailing_brs(p)


def _strip_trailing_brs(p: HtmlElement) -> None:
    while len(p) and p[-1].tag == "br" and _blank(p[-1].tail):
        p.remove(p[-1])


def _next_node(node: HtmlElement, skip_children: bool = False) -> HtmlElement | None:
    if not skip_children:
        for child in node:
            return child
    while node is not None:
        sibling = node.getnext()
        if sibling is not None:
            return sibling
        node = node.getparent()
    return None


def _remove_and_next(node: HtmlElement) -> HtmlElement | None:
    nxt = _next_node(node, skip_children=True)
    _drop(node)
    return nxt


def _drop(node: HtmlElement) -> None:
    if node.getparent() is not None:
        node.drop_tree()  # keeps the tail text, which belongs to the parent


def _attached(node: HtmlElement, root: HtmlElement) -> bool:
    return any(a is root for a in node.iterancestors())


def _ancestors(node: HtmlElement, max_depth: int) -> list[HtmlElement]:
    found = []
    for ancestor in node.iterancestors():
        found.append(ancestor)
        if max_depth and len(found) == max_depth:
            break
    return found


def _has_ancestor(node: HtmlElement, tag: str) -> bool:
    return any(a.tag == tag for a in node.iterancestors())


def _class_weight(node: HtmlElement, flags: _Flags) -> int:
    if not flags.weight_classes:
        return 0
    weight = 0
    for value in (node.get("class"), node.get("id")):
        if value:
            weight -= 25 if NEGATIVE.search(value) else 0
            weight += 25 if POSITIVE.search(value) else 0
    return weight


def _link_density(node: HtmlElement) -> float:
    length = len(_text(node))
    if not length:
        return 0.0
    links = 0.0
    for link in node.iter("a"):
        share = 0.3 if (link.get("href") or "").startswith("#") and len(link.get("href")) > 1 else 1.0
        links += len(_text(link)) * share
    return links / length


def _text_density(node: HtmlElement, tags: Iterable[str]) -> float:
    length = len(_text(node))
    if not length:
        return 0.0
    return sum(len(_text(d)) for d in node.iterdescendants(*tags)) / length


def _tag_counts(node: HtmlElement) -> dict[str, int]:
    counts = {"p": 0, "img": 0, "li": 0, "input": 0}
    for d in node.iterdescendants("p", "img", "li", "input"):
        counts[d.tag] += 1
    return counts


def _has_media(node: HtmlElement) -> bool:
    return any(True for _ in node.iterdescendants("img", "embed", "object", "iframe"))


def _is_video_embed(node: HtmlElement) -> bool:
    if node.tag not in ("object", "embed", "iframe"):
        return False
    return any(VIDEO_HOSTS.search(value) for value in node.attrib.values())


def _remove_all(root: HtmlElement, tags: tuple[str, ...], keep: Callable[[HtmlElement], bool]) -> None:
    for node in list(root.iterdescendants(*tags)):
        if not keep(node):
            _drop(node)


def _remove_where(root: HtmlElement, condition: Callable[[HtmlElement], bool]) -> None:
    for node in list(root.iterdescendants()):
        if _attached(node, root) and condition(node):
            _drop(node)


def _similarity(a: str, b: str) -> float:
    tokens_a = [t for t in re.split(r"\W+", a.lower()) if t]
    tokens_b = [t for t in re.split(r"\W+", b.lower()) if t]
    if not tokens_a or not tokens_b:
        return 0.0
    unique_b = [t for t in tokens_b if t not in tokens_a]
    return 1 - len(" ".join(unique_b)) / len(" ".join(tokens_b))


def _first_image(content: HtmlElement, base: str | None) -> str | None:
    for img in content.iter("img"):
        src = img.get("src") or img.get("data-src")
        if src and not src.startswith("data:"):
            return urljoin(base, src) if base else src
    return None


# --------------------------------------------------------------------------------------------------
# Blocks: the chosen container, flattened into headings, paragraphs, list items and quotes

_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "caption",
        "body",
        "html",
    }
)
_SKIPPED = frozenset(
    {
        "figcaption",
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "button",
        "select",
        "textarea",
        "input",
        "math",
        "img",
    }
)
_HEADING_LEVELS = {"h1": 2, "h2": 2, "h3": 3, "h4": 4, "h5": 4, "h6": 4}


class _BlockWriter:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.kind = BlockKind.PARAGRAPH
        self.level = 0

    def write(self, node: HtmlElement) -> None:
        tag = node.tag
        if not isinstance(tag, str) or tag in _SKIPPED:
            return
        if tag == "br":
            self.flush()
        elif tag == "tr":
            self._row(node)
        elif tag == "dl":
            self._definitions(node)
        elif tag in _BLOCK_TAGS:
            self._block(node)
        else:
            self._inline(node)

    def _inline(self, node: HtmlElement) -> None:
        self.text(node.text)
        for child in node:
            self.write(child)
            self.text(child.tail)

    def _block(self, node: HtmlElement) -> None:
        self.flush()
        saved = (self.kind, self.level)
        self.kind, self.level = self._kind_for(node.tag)
        self._inline(node)
        self.flush()
        self.kind, self.level = saved

    def _kind_for(self, tag: str) -> tuple[BlockKind, int]:
        if tag in _HEADING_LEVELS:
            return BlockKind.HEADING, _HEADING_LEVELS[tag]
        if tag in ("li", "dt", "dd"):
            return BlockKind.LIST_ITEM, 0
        if tag == "blockquote":
            return BlockKind.QUOTE, 0
        if self.kind in (BlockKind.QUOTE, BlockKind.LIST_ITEM):
            return self.kind, 0  # paragraphs inside a quote or an item are still the quote or item
        return BlockKind.PARAGRAPH, 0

    def _row(self, row: HtmlElement) -> None:
        """A table row as one readable line: 'Director(s): Mike Figgis'."""
        cells = [_text(c) for c in row if c.tag in ("td", "th")]
        cells = [c for c in cells if c]
        nested = any(True for _ in row.iterdescendants("table", "p", "div", "ul", "ol"))
        if nested or not cells:
            self._block(row)
            return
        self.flush()
        first_is_key = len(cells) == 2 and (row[0].tag == "th" or cells[0].endswith(":"))
        if first_is_key and not cells[0].endswith(":"):
            cells[0] += ":"
        self.blocks.append(Block(BlockKind.LIST_ITEM, " ".join(cells)))

    def _definitions(self, dl: HtmlElement) -> None:
        """<dt>Director</dt><dd>Mike Figgis</dd> as one line: 'Director: Mike Figgis'."""
        self.flush()
        term: str | None = None
        for child in dl:
            if child.tag == "dt":
                if term:
                    self.blocks.append(Block(BlockKind.LIST_ITEM, term))
                term = _text(child) or None
            elif child.tag == "dd" and term and not any(True for _ in child.iterdescendants(*_BLOCK_TAGS)):
                key = term if term.endswith(":") else f"{term}:"
                self.blocks.append(Block(BlockKind.LIST_ITEM, f"{key} {_text(child)}".strip()))
                term = None
            else:
                if term:
                    self.blocks.append(Block(BlockKind.LIST_ITEM, term))
                    term = None
                self.write(child)
        if term:
            self.blocks.append(Block(BlockKind.LIST_ITEM, term))

    def text(self, value: str | None) -> None:
        if value:
            self.parts.append(value)

    def flush(self) -> None:
        text = " ".join("".join(self.parts).split())
        self.parts = []
        if text:
            self.blocks.append(Block(self.kind, text, self.level))


def _blocks(content: HtmlElement) -> list[Block]:
    writer = _BlockWriter()
    writer.write(content)
    writer.flush()
    return writer.blocks


def _narratable(blocks: list[Block]) -> list[Block]:
    """Drop lines that are page furniture whatever container they sit in."""
    kept: list[Block] = []
    in_teaser_list = False
    for block in blocks:
        if block.kind is BlockKind.HEADING:
            in_teaser_list = TEASER_HEADINGS.match(block.text.rstrip(":")) is not None
            if in_teaser_list:
                continue
        elif in_teaser_list and block.kind is BlockKind.LIST_ITEM:
            continue
        else:
            in_teaser_list = False
        if not _is_chrome_line(block.text):
            kept.append(block)
    while kept and kept[-1].kind is BlockKind.HEADING:
        kept.pop()  # a heading with nothing under it introduces something we removed
    return kept


def _is_chrome_line(text: str) -> bool:
    if len(text) > CHROME_LINE_MAX:
        return False
    return AD_WORDS.match(text) is not None or _is_copyright(text) or any(p.search(text) for p in CHROME_LINES)


def _is_copyright(text: str) -> bool:
    return len(text) < 200 and COPYRIGHT_LINE.match(text) is not None


def _dedupe(blocks: list[Block]) -> tuple[Block, ...]:
    """Never narrate a pull quote: a quote whose words all appear in one of the article's paragraphs."""
    paragraphs = [b.text.lower() for b in blocks if b.kind is BlockKind.PARAGRAPH]
    return tuple(b for b in blocks if b.kind is not BlockKind.QUOTE or not any(b.text.lower() in p for p in paragraphs))


_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")


def _token_count(text: str) -> int:
    return sum(1 for _ in _TOKEN.finditer(text))


# --------------------------------------------------------------------------------------------------
# The film and the rating, from the visible text when the markup does not say


_DETAIL_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("title", "film", "movie", "film title", "movie title", "original title"),
    "year": ("release year", "year", "released", "release date", "release", "year of release"),
    "director": ("director", "director(s)", "directors", "directed by", "regie"),
    "cast": ("actors", "actor(s)", "cast", "starring", "stars", "main cast", "with"),
}
_DETAIL_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z ()]{1,24}?)\s*:\s*(.+?)\s*$")
_CAST_TRAILERS = re.compile(r"\s*(,?\s*(a\.\s?o\.|and others|et al\.?|etc\.?|…|\.\.\.))\s*$", re.IGNORECASE)
_REVIEW_HEADLINE = re.compile(r"^[\"'‘“]?(?P<title>[^\"'’”(]+?)[\"'’”]?\s*\((?P<year>(?:19|20)\d\d)\)", re.IGNORECASE)


def _film(meta: _Meta, blocks: tuple[Block, ...]) -> Film | None:
    visible = _film_from_details(blocks)
    marked = meta.film
    if visible is None and marked is None:
        return _film_from_headline(meta.title)
    if visible is None or marked is None:
        return visible or marked
    # Markup wins where it says something; the visible table fills its gaps.
    return Film(
        title=marked.title,
        year=marked.year or visible.year,
        director=marked.director or visible.director,
        cast=marked.cast or visible.cast,
    )


def _film_from_details(blocks: Iterable[Block]) -> Film | None:
    found: dict[str, str] = {}
    for block in blocks:
        match = _DETAIL_LINE.match(block.text) if len(block.text) < 200 else None
        if not match:
            continue
        key = match.group(1).strip().lower()
        for field_name, keys in _DETAIL_KEYS.items():
            if key in keys and field_name not in found:
                found[field_name] = match.group(2)
    if "title" not in found or len(found) < 2:
        return None  # a lone "Title:" line is not a film's details
    cast = tuple(
        name.strip()
        for name in re.split(r",|\s+and\s+|;", _CAST_TRAILERS.sub("", found.get("cast", "")))
        if name.strip()
    )
    return Film(title=found["title"], year=_year(found.get("year", "")), director=found.get("director"), cast=cast)


def _film_from_headline(title: str | None) -> Film | None:
    """ "'Leaving Las Vegas' (1995) - Movie Review": only a headline that says review names a film."""
    if not title or "review" not in title.lower():
        return None
    match = _REVIEW_HEADLINE.match(title)
    if not match:
        return None
    return Film(title=match.group("title").strip(), year=int(match.group("year")))


def _year(text: str) -> int | None:
    match = re.search(r"\b(18[89]\d|19\d\d|20\d\d)\b", text)
    return int(match.group(1)) if match else None


_RATING_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?P<value>\d+(?:[.,]\d+)?)\s*(?:out of|/|of)\s*(?P<best>\d+)\s*stars?\b", re.IGNORECASE),
    re.compile(
        r"\b(?:rating|score|verdict|grade)\s*:?\s*(?P<value>\d+(?:[.,]\d+)?)\s*(?:/|out of)\s*(?P<best>\d+)",
        re.IGNORECASE,
    ),
    re.compile(r"^(?P<value>\d+(?:[.,]\d+)?)\s*(?:/|out of)\s*(?P<best>5|10|100)(?:\s*stars?)?$", re.IGNORECASE),
)
_STAR_GLYPHS = re.compile(r"^(?:rating\s*:?\s*)?(?P<full>★+)(?P<half>½|⯪)?(?P<empty>☆*)$", re.IGNORECASE)


def _visible_rating(blocks: Iterable[Block], widget_texts: list[str]) -> Rating | None:
    texts = [b.text for b in blocks if len(b.text) < 120] + widget_texts
    for text in texts:
        rating = _rating_in_text(text)
        if rating:
            return rating
    return None


def _rating_in_text(text: str) -> Rating | None:
    compact = text.replace(" ", "")
    stars = _STAR_GLYPHS.match(compact)
    if stars:
        value = len(stars["full"]) + (0.5 if stars["half"] else 0)
        total = len(stars["full"]) + len(stars["empty"]) + (1 if stars["half"] else 0)
        return Rating(value=value, best=float(total if stars["empty"] or stars["half"] else max(total, 5)))
    for pattern in _RATING_PATTERNS:
        match = pattern.search(text)
        if match:
            rating = _rating(match["value"], match["best"])
            if rating:
                return rating
    return None
