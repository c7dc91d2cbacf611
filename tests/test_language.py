"""Language tags, the shipped language packs and detection from the text."""

from __future__ import annotations

import string

import pytest

from reelcast import language
from reelcast.config import TEMPLATE_FIELDS

SHIPPED = ("de", "en", "es", "fr", "it", "nl", "pt")


def test_the_packs_named_in_the_readme_are_shipped() -> None:
    assert set(SHIPPED) <= set(language.shipped())


@pytest.mark.parametrize("code", SHIPPED)
def test_every_pack_is_complete_and_its_templates_name_only_known_fields(code: str) -> None:
    pack = language.pack(code)
    assert pack is not None and pack.code == code and pack.native and pack.marker
    for name in ("intro", "outro"):
        named = {f for _, f, _, _ in string.Formatter().parse(pack.script[name]) if f}
        assert named <= set(TEMPLATE_FIELDS), (code, name)
        assert {"show", "title"} <= named, (code, name)
    assert len(pack.page["months"]) == 12
    if code != "en":
        assert pack.speech["num2words"] == code and len(pack.speech["months"]) == 12


@pytest.mark.parametrize(
    ("tag", "normal"),
    [("fr_FR", "fr-FR"), ("EN", "en"), ("pt-br", "pt-BR"), ("zh-Hant", "zh-Hant"), ("English", None), ("", None)],
)
def test_tags_are_normalised(tag: str, normal: str | None) -> None:
    assert language.normalise(tag) == normal


def test_a_regional_tag_finds_its_language_pack() -> None:
    fr_ca = language.pack("fr-CA")
    assert fr_ca is not None and fr_ca.code == "fr"
    assert language.pack("sw") is None


FRENCH = (
    "Céline Sciamma filme le regard de deux femmes sur une île bretonne à la fin du dix-huitième siècle. "
    "Chaque plan est composé comme un tableau, et la lumière des bougies donne aux visages une douceur rare. "
)
GERMAN = (
    "Christian Petzold erzählt von einer Frau, die nach dem Krieg in ihre zerstörte Stadt zurückkehrt. "
    "Die Bilder sind ruhig, die Schauspieler großartig, und am Ende bleibt ein Lied, das niemand vergisst. "
)
ENGLISH_QUOTING_FRENCH = (
    "Portrait de la jeune fille en feu is the best film of the year. The way the director frames two women "
    "on a remote island, with candlelight and silence, makes every scene feel like a painting come alive. "
)


def test_a_declared_language_the_text_agrees_with_is_kept_with_its_region() -> None:
    assert language.article_language("fr-CA", FRENCH) == "fr-CA"


def test_a_page_that_declares_nothing_gets_the_detected_language() -> None:
    assert language.article_language(None, GERMAN) == "de"


def test_a_declaration_the_text_clearly_contradicts_gives_way() -> None:
    # A French review on a site whose template says lang="en" everywhere.
    assert language.article_language("en", FRENCH * 2) == "fr"


def test_a_mixed_page_stays_in_the_language_of_the_review() -> None:
    assert language.article_language("en", ENGLISH_QUOTING_FRENCH) == "en"
    assert language.article_language(None, ENGLISH_QUOTING_FRENCH) == "en"


def test_too_little_text_to_tell_keeps_the_declaration() -> None:
    assert language.article_language("de", "Bonjour.") == "de"
    assert language.article_language(None, "Ok.") is None
