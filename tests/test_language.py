"""Language tags, the shipped language packs and detection from the text."""

from __future__ import annotations

import dataclasses
import re
import string
from datetime import UTC, datetime

import pytest

from reelcast import language
from reelcast.config import TEMPLATE_FIELDS, ScriptSettings, load_settings
from reelcast.errors import ConfigError, ScriptError, SpeechError
from reelcast.models import Article, Block, BlockKind, Episode, Film
from reelcast.publish.feed import episode_description
from reelcast.script import build_script
from reelcast.speech.espeak_pyttsx3 import Pyttsx3Engine, espeak_voice_for

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


def test_the_model_unpacked_into_the_cache_folder_detects_as_the_packed_one(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    packed = LanguageIdentifier.from_model_file(MODEL_DIR / MODEL_FILE, norm_probs=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    language._identifier.cache_clear()
    try:
        unpacked = language._identifier()  # made now, in tmp_path
        (folder,) = (tmp_path / "reelcast").iterdir()  # one, whole: nothing half-unpacked left beside it
        assert folder.name.startswith("py3langid-") and (folder / "classes.json").is_file()
        language._identifier.cache_clear()
        mapped = language._identifier()  # read back from the folder
        for text in (FRENCH, GERMAN, ENGLISH_QUOTING_FRENCH, "Ok."):
            assert unpacked.classify(text) == mapped.classify(text) == packed.classify(text)
    finally:
        language._identifier.cache_clear()


def test_without_a_usable_cache_folder_the_model_is_read_packed(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    language._identifier.cache_clear()
    try:
        assert language.article_language(None, GERMAN) == "de"
    finally:
        language._identifier.cache_clear()
    assert (tmp_path / "file").read_text(encoding="utf-8") == "not a folder"


# -- settings per language


def _settings(tmp_path, toml: str):  # noqa: ANN001, ANN202
    (tmp_path / "reelcast.toml").write_text(toml, encoding="utf-8")
    return load_settings(tmp_path)


def test_per_language_voices_and_templates_are_read_from_the_file(tmp_path) -> None:  # noqa: ANN001
    settings = _settings(
        tmp_path,
        '[show]\nlanguages = ["fr", "de"]\n[speech.voices]\nfr = "roa/fr-be"\n'
        '[script.intros]\nfr = "Salut {show}."\n',
    )
    assert settings.show.languages == ("fr", "de")
    assert settings.speech.voices == (("fr", "roa/fr-be"),)
    assert language.configured(settings.script.intros, "fr-CA") == "Salut {show}."
    hash(settings.speech)  # engines are cached by their settings


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[show]\nlanguages = "fr"\n', "should be a list of strings"),
        ('[show]\nlanguages = ["French"]\n', "'French' is not a language code"),
        ('[speech.voices]\nfr = 3\n', "should be a table of quoted strings"),
        ('[script.intros]\nfr = "Salut {listener}"\n', "unknown field {listener}"),
    ],
)
def test_bad_language_settings_are_named(tmp_path, toml: str, message: str) -> None:  # noqa: ANN001
    with pytest.raises(ConfigError, match=re.escape(message)):
        _settings(tmp_path, toml)


# -- the frame and the refusal


def _article(**fields):  # noqa: ANN003, ANN202
    body = (Block(BlockKind.PARAGRAPH, "Le film dure 122 min."), Block(BlockKind.QUOTE, "Une phrase."))
    return Article(source="x.html", title="Un titre", blocks=body, **fields)


def test_a_french_review_is_framed_in_french_with_its_titles_and_quotes() -> None:
    film = Film("Portrait de la jeune fille en feu", 2019, "Céline Sciamma", ("Noémie Merlant", "Adèle Haenel"))
    script = build_script(_article(film=film), ScriptSettings(), "Ciné", language="fr", show_language="en")
    intro, body, outro = script.sections
    assert script.language == "fr"
    assert (intro.title, outro.title) == ("Introduction", "Conclusion")
    assert intro.text == (
        "Bienvenue dans Ciné. Aujourd'hui: Un titre. Le film: Portrait de la jeune fille en feu, deux mille "
        "dix-neuf, réalisé par Céline Sciamma, avec Noémie Merlant et Adèle Haenel. Une critique de la rédaction."
    )
    assert [p.text for p in body.paragraphs] == [
        "Le film dure cent vingt-deux minutes.", "Citation. Une phrase. Fin de citation."
    ]
    assert outro.text == "C'était Un titre, par la rédaction. Merci d'avoir écouté Ciné."


def test_the_show_s_own_template_frames_only_reviews_in_its_language() -> None:
    settings = ScriptSettings(intro="Hello from {show}.", outro="Bye.")
    english = build_script(_article(), settings, "Show", language="en", show_language="en")
    french = build_script(_article(), settings, "Show", language="fr", show_language="en")
    assert english.sections[0].text == "Hello from Show."
    assert french.sections[0].text.startswith("Bienvenue dans Show.")


def test_a_language_without_templates_needs_them_in_the_settings() -> None:
    with pytest.raises(ScriptError, match=re.escape("add [script.intros] sw = ")):
        build_script(_article(), ScriptSettings(), "Show", language="sw", show_language="en")
    settings = ScriptSettings(intros=(("sw", "Karibu {show}."),), outros=(("sw", "Kwaheri."),))
    script = build_script(_article(), settings, "Show", language="sw", show_language="en")
    assert (script.sections[0].text, script.sections[-1].text) == ("Karibu Show.", "Kwaheri.")


def test_the_show_refuses_languages_it_does_not_list() -> None:
    assert language.review_language("fr-FR", "en", ("fr",)) == "fr-FR"
    assert language.review_language(None, "en", ("fr",)) == "en"
    assert language.review_language("de", "en", ()) == "de"
    with pytest.raises(ScriptError, match="the review is in 'es', which this show does not publish"):
        language.review_language("es", "en", ("fr",))


def test_an_episode_in_another_language_says_so_first_in_its_description() -> None:
    episode = Episode(guid="g", slug="s", title="T", summary="Résumé.", source="x", link=None, author=None,
                      published=datetime(2024, 1, 1, tzinfo=UTC), audio_file="s.mp3", size_bytes=1,
                      duration_ms=1, language="fr")
    assert episode_description(episode, "en") == "<p>En français.</p>\n<p>Résumé.</p>"
    assert episode_description(episode, "fr-CA") == "<p>Résumé.</p>"
    assert episode_description(dataclasses.replace(episode, language="sw"), "en").startswith("<p>[sw]</p>")


# -- voices


@pytest.mark.parametrize(
    ("tag", "voice"),
    [("fr", "roa/fr"), ("fr-CA", "roa/fr"), ("fr-BE", "roa/fr-be"), ("de", "gmw/de"), ("es", "roa/es"),
     ("pt-BR", "roa/pt-br"), ("en", "gmw/en"), ("en-US", "gmw/en-us"), ("xx", None)],
)
def test_espeak_ng_s_own_voice_for_a_language_from_its_data_files(tag: str, voice: str | None) -> None:
    assert espeak_voice_for(tag) == voice


class _Engine:
    """Answers as eSpeak NG would, from its data files, without starting it."""

    name = "pyttsx3"

    def voice_for(self, tag: str) -> str | None:
        return espeak_voice_for(tag)

    def speaks(self, voice: str, tag: str) -> bool:
        return Pyttsx3Engine.speaks(self, voice, tag)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("voice", "voices", "tag", "show", "chosen"),
    [
        (None, (("fr", "roa/fr-ch"),), "fr-FR", "en", "roa/fr-ch"),  # the show's choice for the language
        ("gmw/en-us", (), "fr", "en", "roa/fr"),  # the show's English voice does not read French
        ("roa/fr-be", (), "fr", "en", "roa/fr-be"),  # ... but a French one does
        (None, (), "en-US", "en", "gmw/en"),  # the show's own language: one voice for all its reviews
        (None, (), "pt-BR", "en", "roa/pt-br"),  # another language: the review's own variety
    ],
)
def test_the_voice_for_a_review(voice: str | None, voices: tuple, tag: str, show: str, chosen: str) -> None:
    assert language.choose_voice(_Engine(), voice, voices, tag, show) == chosen


def test_no_voice_for_a_language_is_a_speech_error_naming_the_setting() -> None:
    message = "eSpeak NG has no voice for language 'xx'; set [speech.voices] xx"
    with pytest.raises(SpeechError, match=re.escape(message)):
        language.choose_voice(_Engine(), None, (), "xx", "en")
