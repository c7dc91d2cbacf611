"""Text made ready for the ear: what a listener should hear, not what a reader sees.

A synthetic voice reads characters, not meaning: "$500" comes out as "dollar five hundred",
"1995" as "nineteen hundred ninety five", "a.o." as "ay oh", a URL letter by letter. `speakable`
rewrites one paragraph of plain text so that eSpeak NG (and any other engine) says it the way a
person would. It is pure: text in, text out, no IO.

The rules are data: small tables of patterns and the words they become, applied in a fixed order
(see `_ENGLISH_STEPS`). Order matters: numbers with a meaning (money, dates, ratings, runtimes)
must be read before the plain-number rule turns their digits into words, and the lexicon runs
first so that its entries match the words as the reviewer wrote them.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from num2words import CONVERTER_CLASSES, num2words

from reelcast.errors import ScriptError
from reelcast.language import pack, primary

__all__ = ["Lexicon", "speakable", "split_sentences"]

Step = Callable[[str], str]


# --------------------------------------------------------------------------------------------
# Pronunciation lexicon
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Word or phrase -> respelling, e.g. ("Figgis", "Figgiss").

    Matching is whole-word ("Figgis" matches "Figgis" and "Figgis's", not "Figgisson") and
    case-aware: an all-lower-case entry matches the word in any case, an entry with a capital
    matches only exactly as written. Longer phrases win over words they contain.
    """

    entries: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for word, respelling in self.entries:
            if not isinstance(word, str) or not word.strip():
                raise ValueError(f"lexicon entry {word!r}: the word must be non-empty text")
            if not isinstance(respelling, str) or not respelling.strip():
                raise ValueError(f"lexicon entry {word!r}: the respelling must be non-empty text")
            if word in seen:
                raise ValueError(f"lexicon entry {word!r} appears twice")
            seen.add(word)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, str]) -> Lexicon:
        return cls(tuple(mapping.items()))

    @classmethod
    def from_toml(cls, path: Path | str) -> Lexicon:
        """Read a lexicon file: a `[words]` table of `"word or phrase" = "respelling"`."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ScriptError(f"cannot read pronunciation lexicon {path}: {exc.strerror or exc}") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ScriptError(f"pronunciation lexicon {path} is not valid TOML ({exc})") from exc
        unknown = sorted(set(data) - {"words"})
        if unknown:
            raise ScriptError(f"pronunciation lexicon {path}: unknown key '{unknown[0]}'; expected a [words] table")
        words = data.get("words", {})
        if not isinstance(words, dict):
            raise ScriptError(f"pronunciation lexicon {path}: 'words' must be a table, like [words]")
        for word, respelling in words.items():
            if not isinstance(respelling, str):
                raise ScriptError(f"pronunciation lexicon {path}: the respelling of {word!r} must be a quoted string")
        try:
            return cls.from_mapping(words)
        except ValueError as exc:
            raise ScriptError(f"pronunciation lexicon {path}: {exc}") from exc

    def apply(self, text: str) -> str:
        if not self.entries:
            return text
        exact, any_case = _lexicon_tables(self.entries)

        def respell(match: re.Match[str]) -> str:
            found = match.group()
            respelling = exact.get(found) or any_case.get(found.lower(), found)
            # Keep a sentence-initial capital; the engine ignores case, readers of the script don't.
            if found[:1].isupper() and respelling[:1].islower():
                respelling = respelling[0].upper() + respelling[1:]
            return respelling

        return _lexicon_pattern(self.entries).sub(respell, text)


def _is_any_case(word: str) -> bool:
    return word == word.lower()


@functools.lru_cache(maxsize=32)
def _lexicon_tables(entries: tuple[tuple[str, str], ...]) -> tuple[dict[str, str], dict[str, str]]:
    exact = {word: spoken for word, spoken in entries if not _is_any_case(word)}
    any_case = {word: spoken for word, spoken in entries if _is_any_case(word)}
    return exact, any_case


@functools.lru_cache(maxsize=32)
def _lexicon_pattern(entries: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    # One alternation, longest first, so "Las Vegas" is tried before "Vegas".
    words = sorted((word for word, _ in entries), key=len, reverse=True)
    alternatives = [f"(?i:{re.escape(w)})" if _is_any_case(w) else re.escape(w) for w in words]
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)")


# --------------------------------------------------------------------------------------------
# Number words (num2words does the counting; we only choose the reading)
# --------------------------------------------------------------------------------------------


def _clean(words: str) -> str:
    # num2words says "one hundred and thirty-four, five": American reading without "and", and
    # no commas, which the engine would turn into pauses in the middle of a number.
    return words.replace(",", "").replace(" and ", " ")


def _number(digits: str | int) -> str:
    """ "3,000" -> "three thousand", "2.5" -> "two point five" (decimals read digit by digit)."""
    whole, _, fraction = str(digits).replace(",", "").partition(".")
    spoken = _clean(num2words(int(whole or "0")))
    if fraction:
        spoken += " point " + " ".join(num2words(int(d)) for d in fraction)
    return spoken


def _ordinal(n: int) -> str:
    return _clean(num2words(n, to="ordinal"))


def _year(n: int) -> str:
    return _clean(num2words(n, to="year"))


def _plural(words: str) -> str:
    """ "nineteen ninety" -> "nineteen nineties", for decades."""
    return words[:-1] + "ies" if words.endswith("y") else words + "s"


def _is_year(n: int) -> bool:
    # Four-digit numbers in this span are nearly always years in a review; counts of that
    # size are written with a thousands comma ("3,000 extras").
    return 1000 <= n <= 2099


def _number_or_year(digits: str) -> str:
    if re.fullmatch(r"\d{4}", digits) and _is_year(int(digits)):
        return _year(int(digits))
    return _number(digits)


_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"


def _ends_sentence(text: str, end: int) -> bool:
    """Whether an abbreviation's full stop, ending at `end`, also ends the sentence."""
    return re.match(r"\s*(?:$|[\"“‘(]?[A-Z])", text[end:]) is not None


def _starts_sentence(text: str, start: int) -> bool:
    return re.search(r"(?:^|[.!?]\s+)[\"“‘(]?$", text[:start]) is not None


def _kept_stop(match: re.Match[str]) -> str:
    """The full stop of "134 min." or "7 p.m." when it also ends the sentence."""
    return "." if match.group().endswith(".") and _ends_sentence(match.string, match.end()) else ""


# --------------------------------------------------------------------------------------------
# Characters
# --------------------------------------------------------------------------------------------

_CHARACTERS = str.maketrans(
    {
        "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
        "‘": "'", "’": "'", "‚": "'", "`": "'", "´": "'",
        "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ",
        "\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None, "\u00ad": None,
        "‑": "-", "‐": "-", "−": "-",
        "…": "...",
        # Emoji variation selectors would split "⭐️⭐️⭐️" into separate stars.
        **{chr(c): None for c in range(0xFE00, 0xFE10)},
    }
)  # fmt: skip


def _normalise_characters(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_CHARACTERS)


# --------------------------------------------------------------------------------------------
# URLs and e-mail addresses: a listener needs the site's name, never the path
# --------------------------------------------------------------------------------------------

# Bare domains need a known ending; not "it", "me" or "us", which would catch "the end.It was".
_TLDS = r"com|org|net|edu|gov|io|uk|ca|au|de|fr|es|nl|tv|fm|info"
_URL = re.compile(
    rf"""(?:https?://|www\.)[^\s<>"]+              # anything with a scheme or www.
       |\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:{_TLDS})\b(?:/[^\s<>"]*)?   # bare domain.tld/path""",
    re.IGNORECASE | re.VERBOSE,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_TRAILING_URL_PUNCTUATION = ".,;:!?)]}'\""


def _spoken_host(host: str, dot: str = " dot ") -> str:
    return dot.join(part for part in host.lower().split(".") if part)


def _say_url(match: re.Match[str], dot: str = " dot ") -> str:
    url = match.group()
    trailing = ""
    while url and url[-1] in _TRAILING_URL_PUNCTUATION:
        url, trailing = url[:-1], url[-1] + trailing
    host = re.sub(r"^[a-z]+://", "", url, flags=re.IGNORECASE)
    host = re.split(r"[/?#:]", host, maxsplit=1)[0]
    host = re.sub(r"^(?:www\d*|m|mobile)\.", "", host, flags=re.IGNORECASE)
    return _spoken_host(host, dot) + trailing


def _say_email(match: re.Match[str]) -> str:
    local, _, domain = match.group().partition("@")
    return f"{_spoken_host(local)} at {_spoken_host(domain)}"


def _web_addresses(text: str) -> str:
    return _URL.sub(_say_url, _EMAIL.sub(_say_email, text))


def _bare_hosts(text: str) -> str:
    # Other languages: the voice says "point" or "punkt" itself; only the path must go.
    return _URL.sub(lambda m: _say_url(m, dot="."), text)


# --------------------------------------------------------------------------------------------
# Abbreviations
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Abbreviation:
    pattern: str
    spoken: str | Callable[[re.Match[str]], str]
    # Only some abbreviations sit at the end of a sentence ("Shue a.o."); their full stop then
    # doubles as the sentence's, which we must keep for the pause. A title never ends one.
    may_end_sentence: bool = False
    ignore_case: bool = False


def _titled_or_place(title: str, place: str) -> Callable[[re.Match[str]], str]:
    # "St. Louis" / "Dr. Strangelove" before a name; "Baker St." / "Mulholland Dr." after one.
    # Before a capital both readings fit ("Baker St. Then"); the title is the commoner in reviews.
    def choose(match: re.Match[str]) -> str:
        rest = match.string[match.end() :]
        if re.match(r"\s+[A-Z]", rest):
            return title
        return place + ("." if not rest.strip() else "")

    return choose


_ABBREVIATIONS: tuple[_Abbreviation, ...] = (
    _Abbreviation(r"a\.o\.", "among others", may_end_sentence=True),
    _Abbreviation(r"e\.\s?g\.", "for example", ignore_case=True),
    _Abbreviation(r"i\.\s?e\.", "that is", ignore_case=True),
    _Abbreviation(r"a\.k\.a\.|aka\b", "also known as", ignore_case=True),
    _Abbreviation(r"etc\.", "et cetera", may_end_sentence=True),
    _Abbreviation(r"vs\b\.?", "versus", ignore_case=True),
    _Abbreviation(r"feat\.|(?<!\d )ft\.", "featuring", ignore_case=True),  # not "6 ft. tall"
    _Abbreviation(r"dir\.", "directed by", ignore_case=True),
    _Abbreviation(r"approx\.", "approximately", ignore_case=True),
    _Abbreviation(r"incl\.", "including", ignore_case=True),
    _Abbreviation(r"cf\.", "compare", ignore_case=True),
    _Abbreviation(r"Mr\.", "Mister"),
    _Abbreviation(r"Mrs\.", "Missus"),
    _Abbreviation(r"Ms\.", "Miz"),
    _Abbreviation(r"Prof\.", "Professor"),
    _Abbreviation(r"Dr\.", _titled_or_place("Doctor", "Drive")),
    _Abbreviation(r"St\.", _titled_or_place("Saint", "Street")),
    _Abbreviation(r"Mt\.", "Mount"),
    _Abbreviation(r"Jr\.", "Junior", may_end_sentence=True),
    _Abbreviation(r"Sr\.", "Senior", may_end_sentence=True),
    _Abbreviation(r"Sgt\.", "Sergeant"),
    _Abbreviation(r"Lt\.", "Lieutenant"),
    _Abbreviation(r"Capt\.", "Captain"),
    # Only before a number, and capitalised or tight against it: "I said no. 5 people left."
    _Abbreviation(r"No\.(?=\s?\d)|no\.(?=\d)", "number "),
    _Abbreviation(r"Vol\.(?=\s?\d)|vol\.(?=\d)", "volume "),
    _Abbreviation(r"Ep\.(?=\s?\d)|ep\.(?=\d)", "episode "),
    _Abbreviation(r"w/o\b", "without", ignore_case=True),
)


def _compile_abbreviation(abbreviation: _Abbreviation) -> re.Pattern[str]:
    flags = re.IGNORECASE if abbreviation.ignore_case else 0
    return re.compile(rf"(?<![\w.])(?:{abbreviation.pattern})", flags)


_ABBREVIATION_PATTERNS = tuple((_compile_abbreviation(a), a) for a in _ABBREVIATIONS)


def _abbreviations(text: str) -> str:
    for pattern, abbreviation in _ABBREVIATION_PATTERNS:

        def expand(match: re.Match[str], abbreviation: _Abbreviation = abbreviation) -> str:
            spoken = abbreviation.spoken if isinstance(abbreviation.spoken, str) else abbreviation.spoken(match)
            if _starts_sentence(match.string, match.start()):  # "E.g. Heat ..."
                spoken = spoken[0].upper() + spoken[1:]
            if abbreviation.may_end_sentence and _ends_sentence(match.string, match.end()):
                spoken += "."
            return spoken

        text = pattern.sub(expand, text)
    return text


# --------------------------------------------------------------------------------------------
# Numbers that mean something: money, dates, ratings, runtimes, times ...
# --------------------------------------------------------------------------------------------

_CURRENCIES = {  # symbol: (one, many, one hundredth, many hundredths)
    "$": ("dollar", "dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
    "¥": ("yen", "yen", "sen", "sen"),
}
_SCALES = {
    "k": "thousand", "thousand": "thousand",
    "m": "million", "mn": "million", "mil": "million", "million": "million",
    "b": "billion", "bn": "billion", "billion": "billion",
    "tn": "trillion", "trillion": "trillion",
}  # fmt: skip
_MONEY = re.compile(
    rf"(?P<currency>[$£€¥])\s?(?P<amount>{_NUM})"
    r"(?:(?P<short>k|m|b)|\s?(?P<scale>bn|mn|mil|tn|thousand|million|billion|trillion))?(?!\w)",
    re.IGNORECASE,
)


def _say_money(match: re.Match[str]) -> str:
    one, many, one_small, many_small = _CURRENCIES[match["currency"]]
    amount = match["amount"]
    scale = match["short"] or match["scale"]
    if scale:  # "$1.2bn": the decimals belong to the scale, not to cents
        return f"{_number(amount)} {_SCALES[scale.lower()]} {many}"
    whole, _, cents = amount.replace(",", "").partition(".")
    if len(cents) != 2:
        return f"{_number(amount)} {one if amount == '1' else many}"
    parts = []
    if int(whole):
        parts.append(f"{_number(whole)} {one if int(whole) == 1 else many}")
    if int(cents):
        parts.append(f"{_number(cents)} {one_small if int(cents) == 1 else many_small}")
    return " and ".join(parts) or f"zero {many}"


_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# Case-sensitive even under the rules' IGNORECASE: "may 5" is more likely a verb than a date.
_MONTH = (
    r"(?-i:(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?))\.?"
)
_DAY = r"(?P<day>[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"


def _month(match: re.Match[str]) -> str:
    # The first three letters tell every month apart ("Sept" included).
    return next(name for name in _MONTH_NAMES if name[:3] == match["month"][:3])


def _say_month_day(match: re.Match[str]) -> str:  # "Oct 8" -> "October eighth"
    return f"{_month(match)} {_ordinal(int(match['day']))}"


def _say_day_month(match: re.Match[str]) -> str:  # "8 October" -> "the eighth of October"
    the = match["the"] or "the "
    return f"{the}{_ordinal(int(match['day']))} of {_month(match)}"


def _say_iso_date(match: re.Match[str]) -> str:  # "2019-10-08" -> "October eighth, twenty nineteen"
    year, month, day = (int(part) for part in match.groups())
    return f"{_MONTH_NAMES[month - 1]} {_ordinal(day)}, {_year(year)}"


def _say_stars(match: re.Match[str]) -> str:
    """ "★★★½" -> "three and a half stars"; "★★★☆☆" -> "three out of five stars"."""
    full, half, empty = len(match["full"]), bool(match["half"]), len(match["empty"])
    if full and half:
        count = f"{_number(full)} and a half"
    else:
        count = "a half" if half else _number(full)
    if empty:  # the empty stars give the scale
        return f"{count} out of {_number(full + half + empty)} stars"
    if not full:
        return "half a star"
    return f"{count} {'star' if full == 1 and not half else 'stars'}"


_HALF = {"½": "a half", "¼": "a quarter", "¾": "three quarters"}


def _say_time(match: re.Match[str]) -> str:
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if minute == 0 and hour > 12:  # "19:00" is "nineteen hundred"
        return f"{_number(hour)} hundred"
    if minute == 0:
        spoken = _number(hour)
    elif minute < 10:  # "7:05" is "seven oh five"
        spoken = f"{_number(str(hour))} oh {_number(str(minute))}"
    else:
        spoken = f"{_number(str(hour))} {_number(str(minute))}"
    if match["ampm"]:
        # Capitals: eSpeak reads "pm" as letters, but "am" as the verb.
        spoken += " " + match["ampm"].upper() + "M"
    elif minute == 0:
        spoken += " o'clock"
    return spoken + _kept_stop(match)


def _say_runtime(match: re.Match[str]) -> str:
    hours, minutes = match["hours"], match["minutes"]
    parts = []
    if hours:
        parts.append(f"{_number(hours)} {'hour' if int(hours) == 1 else 'hours'}")
    if minutes:
        parts.append(f"{_number(minutes)} {'minute' if int(minutes) == 1 else 'minutes'}")
    return " ".join(parts) + _kept_stop(match)


def _say_rating(match: re.Match[str]) -> str:
    return f"{_number(match['score'])} out of {_number(match['best'])}"


def _say_decade(match: re.Match[str]) -> str:
    digits = match["digits"]
    if len(digits) == 2:  # "'90s", "90s"
        return _plural(_number(digits))
    return _plural(_year(int(digits)))


def _say_elided_year(match: re.Match[str]) -> str:  # "'95" -> "ninety-five", "'05" -> "oh five"
    digits = match["digits"]
    return _number(digits) if digits[0] != "0" else f"oh {_number(digits[1])}"


_Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]


def _rules(*rules: tuple[str, str | Callable[[re.Match[str]], str]], flags: int = 0) -> tuple[_Rule, ...]:
    return tuple((re.compile(pattern, flags), spoken) for pattern, spoken in rules)


# Most specific first: each rule turns its digits into words, so later rules never see them.
_NUMBER_RULES: tuple[_Rule, ...] = _rules(
    (r"(?<![\d-])(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?![\d-])", _say_iso_date),
    # "$5-10 million" -> "5 to $10 million": the currency and scale belong to the upper end.
    (rf"(?P<currency>[$£€¥])(?P<low>{_NUM})\s?[-–—]\s?[$£€¥]?(?=\d)", r"\g<low> to \g<currency>"),
    # A range: "1990-1995", "pages 3-5", "20-30%", a score "3-2". Later rules read both ends.
    (rf"(?<![\w.,-])({_NUM})\s?[-–—]\s?({_NUM})(?![\w-])", r"\1 to \2"),
    (rf"(?<![\w.-])-(?={_NUM})", "minus "),
    (_MONEY.pattern, _say_money),
    (r"#(?=\d)", "number "),  # "#1 at the box office"
    (r"(?<![\w.])(\d+)\s?¢", lambda m: f"{_number(m[1])} {'cent' if m[1] == '1' else 'cents'}"),
    (rf"(?<![\w.])({_NUM})\s?%", lambda m: f"{_number(m[1])} percent"),
    (rf"(?<![\w.])({_NUM})\s?°", lambda m: f"{_number(m[1])} degrees"),
    (r"(?=[★⭐]|½[☆✩])(?P<full>[★⭐]*)(?P<half>½)?(?P<empty>[☆✩]*)", _say_stars),
    (r"(?<![\w.])24/7(?![\w/])", "twenty-four seven"),
    (r"(?<![\w./])(?P<score>\d+(?:\.\d+)?)\s?/\s?(?P<best>4|5|10|20|100)(?![\w/]|\.\d)", _say_rating),
    # Runtimes: "2h 14m", "2 hrs 14 mins", "2h", "134 min."
    (
        r"(?<![\w.])(?P<hours>\d+)\s?h(?:ours?|rs?)?\.?\s?(?P<minutes>\d+)\s?m(?:in(?:ute)?s?)?(?!\w)\.?",
        _say_runtime,
    ),
    (r"(?<![\w.])(?P<hours>\d+)\s?(?:h|hrs?)(?!\w)\.?(?P<minutes>)", _say_runtime),
    (r"(?<![\w.])(?P<hours>)(?P<minutes>\d+)\s?mins?(?!\w)\.?", _say_runtime),
    (
        r"(?<![\w.:])(?P<hour>1[0-2]|0?[1-9])(?::(?P<minute>[0-5]\d))?\s?(?P<ampm>[ap])\.?\s?m(?!\w)\.?",
        _say_time,
    ),
    (r"(?<![\w.:])(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)(?P<ampm>)(?![\w:])", _say_time),
    # Aspect ratios; any "h:mm" was read as a time above.
    (r"(?<![\w.:])(\d+(?:\.\d+)?):(1|3|9|10)(?![\d:])", lambda m: f"{_number(m[1])} to {_number(m[2])}"),
    (rf"\b{_MONTH}\s+{_DAY}\b", _say_month_day),
    (rf"(?<![\w.])(?P<the>the\s+)?{_DAY}(?:\s+of)?\s+{_MONTH}(?!\w)", _say_day_month),
    (r"(?<![\w.])(\d+)(?:st|nd|rd|th)\b", lambda m: _ordinal(int(m[1]))),
    (r"(?<![\w.])'?(?P<digits>\d0|1\d\d0|20\d0)'?s\b", _say_decade),
    (r"(?<![\w.])'(?P<digits>\d\d)\b(?!')", _say_elided_year),
    (rf"(?<![\w.])({_NUM})\s?([½¼¾])", lambda m: f"{_number(m[1])} and {_HALF[m[2]]}"),
    (r"([½¼¾])", lambda m: _HALF[m[1]].removeprefix("a ")),
    (rf"(?<![\w.])({_NUM})(?![\w]|[.,]\d)", lambda m: _number_or_year(m[1])),
    flags=re.IGNORECASE,
)


# Every number rule reads a digit, a fraction or a star: a text without any is left as it is
# (most sentences of a review; the two dozen rules were a tenth of the script's time).
_NUMBER_SIGNS = re.compile(r"[\d½¼¾★⭐☆✩]")


def _numbers(text: str) -> str:
    if not _NUMBER_SIGNS.search(text):
        return text
    for pattern, spoken in _NUMBER_RULES:
        text = pattern.sub(spoken, text)
    return text


# --------------------------------------------------------------------------------------------
# Roman numerals in titles
# --------------------------------------------------------------------------------------------

# Only I, V and X: titles rarely count past thirty-nine, and numerals with L, C, D or M are far
# more often acronyms ("DC", "MD", "CV").
_ROMAN = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}

# After these a lone "I", "V" or "X" is a number; elsewhere "I" is the pronoun and "Malcolm X"
# or "Generation X" keep their letter.
_NUMBERED_THINGS = frozenset({"part", "chapter", "volume", "episode", "act", "book", "season", "phase", "war", "round"})
# Monarchs and popes take the ordinal: "Henry V" is "Henry the Fifth".
_REGNAL_NAMES = frozenset(
    """Henry Edward George Richard Charles James William Elizabeth Mary Louis John Philip
    Frederick Napoleon Alexander Nicholas Peter Catherine Ivan Constantine Ramesses Ramses
    Benedict Pius Leo Gregory Innocent Clement Urban Boniface Paul Victor Amenhotep Thutmose
    Ptolemy Antiochus Darius Xerxes""".split()
)
_ROMAN_AFTER_WORD = re.compile(
    r"\b(?P<word>[A-Z][\w']*)(?P<space>\s+)(?P<numeral>[IVX]+)\b(?!['\w])(?P<next>\s+[a-z])?"
)


def _roman_value(numeral: str) -> int:
    values = [_ROMAN_VALUES[c] for c in numeral]
    return sum(-v if v < nxt else v for v, nxt in zip(values, values[1:] + [0], strict=True))


def _say_roman(match: re.Match[str]) -> str:
    word, numeral = match["word"], match["numeral"]
    if not _ROMAN.fullmatch(numeral):
        return match.group()
    regnal = word in _REGNAL_NAMES
    if len(numeral) == 1 and not (regnal or word.lower() in _NUMBERED_THINGS):
        return match.group()
    if numeral == "I" and match["next"]:  # "Unlike John I found it slow": the pronoun
        return match.group()
    value = _roman_value(numeral)
    spoken = f"the {_ordinal(value).title()}" if regnal else _number(value)
    return f"{word}{match['space']}{spoken}{match['next'] or ''}"


def _roman_numerals(text: str) -> str:
    return _ROMAN_AFTER_WORD.sub(_say_roman, text)


# --------------------------------------------------------------------------------------------
# Capitals: shouting is read as words, acronyms are kept so the engine spells them
# --------------------------------------------------------------------------------------------

_ACRONYMS = frozenset(
    """FBI CIA NSA KGB MI5 MI6 NASA NATO UN EU US USA UK USSR NYC NYPD LAPD LA DC TV VHS DVD CD
    CGI VFX AI IMAX MGM RKO UA HBO BBC CBS NBC ABC AMC PBS MTV MCU DCEU AFI BAFTA SAG IMDB OK
    PG DNA HIV AIDS CEO PhD AM PM SWAT FX TNT""".split()
)
_CAPS_WORD = r"[A-Z][A-Z'-]*[A-Z]|[A-Z]"
_CAPS_RUN = re.compile(rf"(?<![\w'])(?:{_CAPS_WORD})(?:[\s,;:!?.\"-]+(?:{_CAPS_WORD}))+(?![\w'])")
_LONE_SHOUT = re.compile(r"(?<![\w'])[A-Z][A-Z'-]{3,}[A-Z](?![\w'])")


def _calm(word: str) -> str:
    # Keep single letters (the pronoun "I", initials) and acronyms the engine should spell out.
    if len(word) == 1 or word in _ACRONYMS or not re.search(r"[AEIOUY]", word):
        return word
    return word.lower()


def _calm_words(match: re.Match[str]) -> str:
    return re.sub(_CAPS_WORD, lambda m: _calm(m.group()), match.group())


def _shouting(text: str) -> str:
    # Two or more capitalised words in a row are shouting; so is one long word ("AMAZING").
    return _LONE_SHOUT.sub(_calm_words, _CAPS_RUN.sub(_calm_words, text))


# --------------------------------------------------------------------------------------------
# Symbols, quotes, brackets and pauses
# --------------------------------------------------------------------------------------------

# Elisions whose apostrophe is not a quotation mark and changes how the word sounds.
_ELISIONS = r"em|til|cause|cos|n|bout|round|tis|twas|nam"
_SYMBOL_RULES: tuple[_Rule, ...] = _rules(
    (r"(?<=\w)/(?=\w)", " "),  # "writer/director", "and/or": the engine would say "slash"
    (r"#(?=\w)", ""),  # hashtags
    (r"\*", " "),  # *emphasis*
)
_ENGLISH_SYMBOL_RULES: tuple[_Rule, ...] = _rules(
    (r"\s*&\s*", " and "),
    (r"\s@\s", " at "),
)
_PAUSE_RULES: tuple[_Rule, ...] = _rules(
    (r'"', " "),
    # A single quote that opens or closes a quotation, not an apostrophe inside or ending a word.
    (rf"(?:(?<=^)|(?<=[\s(\[—–-]))'(?!(?:{_ELISIONS})\b)(?=\w)", ""),
    (r"(?<=[\w.,!?])'(?=[\s.,;:!?)\]—–-]|$)(?<!\bn')", ""),
    (r"\s*(?:\.{3,}|\. \. \.)\s*$", "."),  # trailing off still ends the paragraph
    (r"\s*(?:\.{3,}|\. \. \.)\s*", ", "),  # an ellipsis is a pause, not three full stops
    (r"\s*(?:[—―|]|--|\s[–/-]\s)\s*", ", "),  # em dash, or a spaced hyphen standing in for one
    (r"(?<=\w)\((s|es)\)", r"\1"),  # "Director(s)" is read as the plural
    (r"\s*[(\[{]\s*", ", "),
    (r"\s*[)\]}]\s*", ", "),
)
_TIDY_RULES: tuple[_Rule, ...] = _rules(
    (r"\s+", " "),
    (r"\s+([,.;:!?])", r"\1"),
    (r"([,;:])(?:\s*[,;:])+", r"\1"),  # ", ," from "(x)," and the like
    (r",\s*([.!?])", r"\1"),
    (r"([.!?;:])\s*,", r"\1"),
    (r"^[\s,;:.]+", ""),
    (r"[\s,;:]+$", ""),
    (r"([,;:])(?=\w)", r"\1 "),
)


def _apply(rules: Iterable[_Rule], text: str) -> str:
    for pattern, spoken in rules:
        text = pattern.sub(spoken, text)
    return text


def _is_dropped_symbol(char: str) -> bool:
    # Emoji, dingbats, hearts, trade marks, arrows and bullets have no sound worth hearing.
    category = unicodedata.category(char)
    return (
        category in {"So", "Cs", "Co", "Cf"}
        or "\u2190" <= char <= "\u21ff"  # arrows
        or "\u27f0" <= char <= "\u297f"  # more arrows
        or "\U0001f3fb" <= char <= "\U0001f3ff"  # skin tones
        or char in "•‣◦·†‡※"
    )


def _symbols(text: str) -> str:
    text = _apply(_SYMBOL_RULES, text)
    return "".join(" " if _is_dropped_symbol(c) else c for c in text)


def _english_symbols(text: str) -> str:
    return _symbols(_apply(_ENGLISH_SYMBOL_RULES, text))


def _pauses(text: str) -> str:
    return _apply(_PAUSE_RULES, text)


def _tidy(text: str) -> str:
    return _apply(_TIDY_RULES, text).strip()


# --------------------------------------------------------------------------------------------
# The public functions
# --------------------------------------------------------------------------------------------

_ENGLISH_STEPS: tuple[Step, ...] = (
    _web_addresses,
    _abbreviations,
    _numbers,
    _roman_numerals,
    _shouting,
    _english_symbols,
    _pauses,
)
# A language without a pack or num2words gets only what any voice needs.
_NEUTRAL_STEPS: tuple[Step, ...] = (_bare_hosts, _symbols, _pauses)


def speakable(text: str, lexicon: Lexicon | None = None, language: str = "en") -> str:
    """One paragraph of plain text -> the same paragraph as a voice should say it.

    `language` is a tag like "en", "fr" or "pt-BR". English has the full rules below; a language
    with a pack (languages/<code>.toml) has its numbers, dates, times, money, percentages,
    ordinals and abbreviations read in its own words (see `language_steps`); any other language
    that num2words counts in gets its plain numbers, and every language the neutral rules.
    """
    text = _normalise_characters(text)
    if lexicon is not None:
        text = lexicon.apply(text)
    for step in language_steps(primary(language or "en")):
        text = step(text)
    return _tidy(text)


@functools.cache
def language_steps(code: str) -> tuple[Step, ...]:
    """The rules a paragraph in language `code` goes through, in order."""
    if code == "en":
        return _ENGLISH_STEPS
    found = pack(code)
    if found is not None and found.speech:
        rules = _LanguageRules(found.speech, found.script.get("and", ""))
        return (_bare_hosts, rules.abbreviations, rules.numbers, rules.symbols, _pauses)
    if code in CONVERTER_CLASSES:
        plain = _plain_numbers(code)
        return (_bare_hosts, plain, _symbols, _pauses)
    return _NEUTRAL_STEPS


# --------------------------------------------------------------------------------------------
# Other languages: the same kinds of rule, their words from the language's pack
# --------------------------------------------------------------------------------------------


def _words(n: int, code: str, to: str = "cardinal") -> str:
    # num2words' Dutch puts commas in its currencies; no language wants a pause inside a number.
    return num2words(n, lang=code, to=to).replace(",", "")


def _plain_numbers(code: str) -> Step:
    pattern = re.compile(r"(?<![\w.,])(\d+)(?![\w]|[.,]\d)")
    return lambda text: pattern.sub(lambda m: _words(int(m[1]), code), text)


class _LanguageRules:
    """One language's number and abbreviation rules, compiled once (`language_steps` caches them)
    from its pack's [speech] table; the say_* methods are the rules' replacements."""

    def __init__(self, words: Mapping[str, object], and_word: str) -> None:
        self.code = str(words["num2words"])
        self.words = words
        self.and_word = and_word
        self.number_rules = self._number_rules()
        self.abbreviation_rules = self._abbreviation_rules()

    # ---- the words -------------------------------------------------------------------------

    def _word(self, key: str) -> str:
        return str(self.words[key])

    def _forms(self, key: str, n: int) -> str:
        one, many = self.words[key]  # type: ignore[misc]
        return one if n == 1 else many

    def number(self, digits: str) -> str:
        """ "1 770" or "1.770" -> the words; "2,5" -> "deux virgule cinq" (decimals digit by digit)."""
        whole, _, fraction = digits.partition(",")
        spoken = _words(int(re.sub(r"\D", "", whole) or "0"), self.code)
        if fraction:
            spoken += f" {self._word('point')} " + " ".join(_words(int(d), self.code) for d in fraction)
        return spoken

    def year(self, n: int) -> str:
        try:
            return _words(n, self.code, "year")
        except NotImplementedError:
            return _words(n, self.code)

    def ordinal(self, n: int, feminine: bool = False) -> str:
        spoken = _words(n, self.code, "ordinal")
        if feminine:  # Romance ordinals: "primero" -> "primera", "décimo octavo" -> "décima octava"
            spoken = re.sub(r"o\b", "a", spoken)
        return spoken

    # ---- the rules -------------------------------------------------------------------------

    def _num(self) -> str:
        separators = re.escape(str(self.words.get("thousands", "")))
        grouped = rf"\d{{1,3}}(?:[{separators}]\d{{3}})+(?:,\d+)?|" if separators else ""
        return rf"(?:{grouped}\d+(?:,\d+)?)"

    def _months(self) -> str:
        months = "|".join(re.escape(m) for m in self.words["months"])  # type: ignore[union-attr]
        # As written, even under the rules' IGNORECASE: "Mai" is a month, "mai" may be a word.
        return rf"(?-i:(?P<month>{months}))"

    def _month_number(self, name: str) -> int:
        return [m.lower() for m in self.words["months"]].index(name.lower()) + 1  # type: ignore[union-attr]

    def say_money(self, match: re.Match[str]) -> str:
        currency = str(self.words["currencies"][match["currency"]])  # type: ignore[index]
        converter = CONVERTER_CLASSES[self.code]
        amount = match["amount"]
        whole, _, cents = amount.partition(",")
        if len(cents) == 2 and int(cents):
            value = float(re.sub(r"\D", "", whole) + "." + cents)
            return num2words(value, lang=self.code, to="currency", currency=currency).replace(",", "")
        units = converter.CURRENCY_FORMS[currency][0]
        count = int(re.sub(r"\D", "", whole) or "0")
        return f"{self.number(amount)} {converter.pluralize(count, units)}"

    def say_day(self, day: int, before: str) -> str:
        if self.words.get("date_day") == "ordinal":
            ending = "" if before.lower() in ("der", "die") else str(self.words.get("date_day_ending", ""))
            return self.ordinal(day) + ending
        if day == 1 and "first_day" in self.words:
            return self._word("first_day")
        return _words(day, self.code)

    def say_date(self, match: re.Match[str]) -> str:
        before = match["before"] or ""
        joiner = f" {self.words['date_joiner']} " if "date_joiner" in self.words else " "
        spoken = before + self.say_day(int(match["day"]), before.strip()) + joiner + match["month"]
        if match["year"]:
            spoken += joiner + self.year(int(match["year"]))
        return spoken

    def say_iso_date(self, match: re.Match[str]) -> str:
        year, month, day = (int(part) for part in match.groups())
        joiner = f" {self.words['date_joiner']} " if "date_joiner" in self.words else " "
        name = self.words["months"][month - 1]  # type: ignore[index]
        return f"{self.say_day(day, '')}{joiner}{name}{joiner}{self.year(year)}"

    def say_time(self, match: re.Match[str]) -> str:
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
        word = str(self.words.get("hour_word") or self._forms("hours", hour))
        spoken = f"{_words(hour, self.code)} {word}"
        if minute:
            spoken += f" {_words(minute, self.code)}"
        return spoken

    def say_runtime(self, match: re.Match[str]) -> str:
        minutes = int(match["minutes"])
        return f"{_words(minutes, self.code)} {self._forms('minutes', minutes)}" + _kept_stop(match)

    def say_stars(self, match: re.Match[str]) -> str:
        full, empty = len(match["full"]), len(match["empty"])
        spoken = f"{_words(full, self.code)} {self._forms('stars', full)}"
        if empty:
            spoken = f"{_words(full, self.code)} {self._word('out_of')} {_words(full + empty, self.code)}"
        return spoken

    def say_ordinal(self, match: re.Match[str]) -> str:
        digits, numeral, suffix = match["digits"], match["numeral"], match["suffix"] or ""
        value = int(digits) if digits else _roman_value(numeral)
        feminine = suffix.endswith(("ª", "re", "ère"))
        if value == 1 and feminine and "feminine_first" in self.words:
            return self._word("feminine_first")
        if value == 1 and not feminine and "first_day" in self.words and suffix in ("er",):
            return self._word("first_day")
        return self.ordinal(value, feminine) + str(self.words.get("ordinal_ending", "") if not suffix else "")

    def _number_rules(self) -> tuple[_Rule, ...]:
        num, months = self._num(), self._months()
        hour_word = re.escape(str(self.words.get("hour_word", "h")))
        rules: list[tuple[str, str | Callable[[re.Match[str]], str]]] = [
            (r"(?<![\d-])(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?![\d-])", self.say_iso_date),
            (rf"(?<![\w.,-])({num})\s?[-–—]\s?({num})(?![\w-])", rf"\1 {self.words['to']} \2"),
            (rf"(?<![\w.,-])-(?={num})", f"{self.words['minus']} "),
            (rf"(?P<currency>[$£€])\s?(?P<amount>{num})(?!\w)", self.say_money),
            (rf"(?<![\w.,])(?P<amount>{num})\s?(?P<currency>[$£€])", self.say_money),
            (rf"(?<![\w.,])({num})\s?%", lambda m: f"{self.number(m[1])} {self.words['percent']}"),
            (rf"(?<![\w.,])({num})\s?°(?![CF]?\w)", lambda m: f"{self.number(m[1])} {self.words['degrees']}"),
            (r"(?=[★⭐])(?P<full>[★⭐]+)(?P<empty>[☆✩]*)", self.say_stars),
            (
                r"(?<![\w./])(?P<score>\d+(?:,\d+)?)\s?/\s?(?P<best>4|5|10|20|100)(?![\w/]|,\d)",
                lambda m: f"{self.number(m['score'])} {self.words['out_of']} {self.number(m['best'])}",
            ),
            # "20h30", "20 h 30", "1h45" (a time or a length: both are read "vingt heures trente")
            (r"(?<![\w.:])(?P<hour>[01]?\d|2[0-3])\s?h\s?(?P<minute>[0-5]\d)?(?!\w)", self.say_time),
            (
                rf"(?<![\w.:])(?P<hour>[01]?\d|2[0-3])[:.](?P<minute>[0-5]\d)(?:\s?{hour_word})?(?![\w:])",
                self.say_time,
            ),
            (rf"(?<![\w.:])(?P<hour>[01]?\d|2[0-3])\s?{hour_word}(?P<minute>)(?!\w)", self.say_time),
            (r"(?<![\w.])(?P<minutes>\d+)\s?min(?:\.|utes?|uten|utos|uti)?(?!\w)", self.say_runtime),
            (
                rf"(?P<before>\b\w+\s+)?(?<![\w.])(?P<day>[12]\d|3[01]|0?[1-9])(?:er|\.|º)?\s+(?:de\s+)?"
                rf"{months}(?:\s+(?:de\s+)?(?P<year>\d{{4}}))?(?!\w)",
                self.say_date,
            ),
        ]
        if "ordinal_suffix" in self.words:
            rules.append(
                (
                    rf"(?<![\w.])(?:(?P<digits>\d+)|(?P<numeral>(?=[IVX])(?-i:X{{0,3}}(?:IX|IV|V?I{{0,3}}))))"
                    rf"(?P<suffix>{self.words['ordinal_suffix']})(?!\w)",
                    self.say_ordinal,
                )
            )
        if "ordinal_before" in self.words:
            nouns = "|".join(re.escape(n) for n in self.words["ordinal_before"])  # type: ignore[union-attr]
            rules.append(
                (rf"(?<![\w.])(?P<digits>\d+)\.(?P<numeral>)(?P<suffix>)(?=\s+(?:{nouns})\b)", self.say_ordinal)
            )
        rules.append(
            (
                rf"(?<![\w.,])({num})(?![\w]|[.,]\d)",
                lambda m: self.year(int(m[1])) if re.fullmatch(r"1\d{3}|20\d\d", m[1]) else self.number(m[1]),
            )
        )
        return tuple((re.compile(pattern, re.IGNORECASE), spoken) for pattern, spoken in rules)

    def _abbreviation_rules(self) -> tuple[_Rule, ...]:
        table: Mapping[str, str] = self.words.get("abbreviations", {})  # type: ignore[assignment]
        rules = []
        for written in sorted(table, key=len, reverse=True):  # "p. ex." before "ex."
            before = r"(?<![\w.])" if written[0].isalnum() else ""
            after = r"(?!\w)" if written[-1].isalnum() else ""
            spoken = table[written]

            # "etc." may end a sentence, and its full stop is then the sentence's; "M." or "z. B." never do.
            may_end = re.fullmatch(r"[a-z]+\.", written) is not None

            def expand(match: re.Match[str], spoken: str = spoken, may_end: bool = may_end) -> str:
                if may_end and _ends_sentence(match.string, match.end()):
                    return spoken + "."
                return spoken

            rules.append((re.compile(before + re.escape(written) + after), expand))
        return tuple(rules)

    # ---- the steps -------------------------------------------------------------------------

    def numbers(self, text: str) -> str:
        return _apply(self.number_rules, text)

    def abbreviations(self, text: str) -> str:
        return _apply(self.abbreviation_rules, text)

    def symbols(self, text: str) -> str:
        if self.and_word:
            text = re.sub(r"\s*&\s*", f" {self.and_word} ", text)
        return _symbols(text)


# A full stop after these never ends a sentence in a review ("etc." and "a.o." may, and do when
# a capital follows) ...
_NO_BREAK_AFTER = frozenset(
    "mr mrs ms dr st prof mt sgt lt capt gen col rev fr e.g i.e vs cf feat ft dir approx incl".split()
)
# ... and after these, not when a number follows: "No. 5", "Oct. 8", but "I said no. Then".
_NO_BREAK_BEFORE_NUMBER = frozenset("no vol ep pp p jan feb mar apr jun jul aug sep sept oct nov dec".split())
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]’”]*\s+(?=[\"'(\[‘“]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, not after "Mr.", "e.g." or an initial like "J."."""
    sentences, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        word = re.search(r"([\w.]+)\.[\"')\]’”]*\s*$", text[start : match.end()])
        if word and match.group().startswith("."):
            token = word.group(1).lower()
            if token in _NO_BREAK_AFTER or re.fullmatch(r"\w", token):
                continue  # a title, or an initial as in "Michael B. Jordan"
            if token in _NO_BREAK_BEFORE_NUMBER and text[match.end() : match.end() + 1].isdigit():
                continue
            if re.fullmatch(r"(?:\w\.)+\w", token) and token != "a.o":
                continue  # "U.S." or "J.R.R.": initials
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return [" ".join(s.split()) for s in sentences]
