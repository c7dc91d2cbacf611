"""Heuristics, as data: what marks a part of a page as the article, as chrome, or as never narrated.

Class/id hints are regex fragments matched against "class id". Kept apart from the code that applies
them so that tuning extraction means editing tables, not logic.
"""

from __future__ import annotations

import re


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
