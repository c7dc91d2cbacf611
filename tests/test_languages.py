"""Reviews in French, German and Spanish published end to end with the real engine (eSpeak NG),
encoder and feed, on an English show and on a French one; read back from the files a listener gets."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree, html
from mutagen.id3 import ID3

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures"
PODCAST = "{https://podcastindex.org/namespace/1.0}"
REVIEWS = {"fr": "review-fr.html", "de": "review-de.html", "es": "review-es.html"}
# What each review's narration must say: the number words of its language, its frame, and the
# film's title as written (never translated).
HEARD = {
    "fr": ("En mille sept cent soixante-dix, une peintre", "Bienvenue dans", "Merci d'avoir écouté",
           "dix-huit septembre deux mille dix-neuf", "cent vingt-deux minutes", "dix-huitième siècle",
           "trois cent mille spectateurs", "vingt-cinq pour cent", "Le verdict: quatre sur cinq",
           "Portrait de la jeune fille en feu"),
    "de": ("am achtzehnten Oktober zweitausendzwanzig", "Willkommen bei", "Danke fürs Zuhören",
           "im einundzwanzigsten Jahrhundert", "neunzig Minuten", "Regie: Christian Petzold"),
    "es": ("el veintidós de marzo de dos mil diecinueve", "Bienvenidos a", "Gracias por escuchar",
           "ciento trece minutos", "ocho euros con cincuenta céntimos", "Dolor y gloria"),
}
VOICES = {"fr": "roa/fr", "de": "gmw/de", "es": "roa/es"}
ID3_LANGUAGES = {"fr": "fra", "de": "deu", "es": "spa"}
MARKERS = {"fr": "En français.", "de": "Auf Deutsch.", "es": "En español."}


def reelcast(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reelcast", *args], cwd=root,
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)


def make_show(root: Path, toml: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name in REVIEWS.values():
        shutil.copy(FIXTURES / name, root / name)
    (root / "reelcast.toml").write_text(toml, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def english_show(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """An English show that publishes the three reviews, each in its own language and voice."""
    root = make_show(tmp_path_factory.mktemp("english-show"))
    done = reelcast(root, "-v", "publish", *REVIEWS.values())
    assert done.returncode == 0, done.stderr
    return root, done.stderr


def items(root: Path) -> dict[str, etree._Element]:
    channel = etree.parse(str(root / "feed" / "feed.xml")).getroot().find("channel")
    return {item.findtext("title"): item for item in channel.iter("item")}


def episode_files(root: Path, language: str) -> tuple[Path, Path]:
    """The MP3 and WebVTT transcript of the episode in `language` (found by its ID3 language tag)."""
    for mp3 in (root / "episodes").glob("*.mp3"):
        if str(ID3(mp3)["TLAN"]) == ID3_LANGUAGES[language]:
            return mp3, mp3.with_suffix(".vtt")
    raise AssertionError(f"no episode tagged {ID3_LANGUAGES[language]}")


def spoken(vtt: Path) -> str:
    """What the transcript shows (the written form)."""
    cues = [line for line in vtt.read_text(encoding="utf-8").splitlines() if line and "-->" not in line]
    return " ".join(" ".join(cues[1:]).split())  # without the WEBVTT header


def heard(root: Path, review: str) -> str:
    """What the voice is told to say for `review`: the narration `preview` prints, as publish speaks it."""
    done = reelcast(root, "preview", "--json", review)
    assert done.returncode == 0, done.stderr
    paragraphs = [p for section in json.loads(done.stdout)["sections"] for p in section["paragraphs"]]
    return " ".join(" ".join(paragraphs).split())


@pytest.mark.parametrize("language", sorted(REVIEWS))
def test_each_review_is_read_by_its_language_s_voice(english_show: tuple[Path, str], language: str) -> None:
    _root, log = english_show
    source = REVIEWS[language]
    assert re.search(rf"{re.escape(source)} is in {language}: read by the pyttsx3 voice {VOICES[language]}\b", log)


@pytest.mark.parametrize("language", sorted(REVIEWS))
def test_numbers_frame_and_titles_are_in_the_review_s_language(
    english_show: tuple[Path, str], language: str
) -> None:
    root, _ = english_show
    _mp3, vtt = episode_files(root, language)
    assert re.search(r"\d", spoken(vtt))  # the transcript shows the numbers as the critic wrote them
    text = heard(root, REVIEWS[language])
    for words in HEARD[language]:
        assert words in text, (language, words)
    assert not re.search(r"\d", text.replace("WEBVTT", ""))  # every number is read as words
    assert "Welcome to" not in text and "Thanks for listening" not in text
    assert text.index(HEARD[language][1]) < 200  # the intro opens the episode ...
    assert HEARD[language][2] in text[-300:]  # ... and the outro closes it


@pytest.mark.parametrize("language", sorted(REVIEWS))
def test_feed_marks_the_transcript_language_and_the_episode_in_another_language(
    english_show: tuple[Path, str], language: str
) -> None:
    root, _ = english_show
    channel = etree.parse(str(root / "feed" / "feed.xml")).getroot().find("channel")
    assert channel.findtext("language") == "en"
    mp3, _vtt = episode_files(root, language)
    (item,) = [i for i in channel.iter("item") if i.find("enclosure").get("url").endswith(mp3.name)]
    transcripts = item.findall(f"{PODCAST}transcript")
    assert len(transcripts) == 2
    assert {t.get("language") for t in transcripts} == {language}
    assert item.findtext("description").startswith(f"<p>{MARKERS[language]}</p>")


def test_the_listening_page_marks_each_episode_with_its_language(english_show: tuple[Path, str]) -> None:
    root, _ = english_show
    page = html.parse(str(root / "feed" / "index.html")).getroot()
    assert page.get("lang") == "en"
    assert sorted(a.get("lang") for a in page.iter("article")) == ["de", "es", "fr"]
    text = page.text_content()
    assert "To subscribe, copy the feed address" in text and "Chapters" in text and "Transcript" in text


@pytest.fixture(scope="module")
def french_show(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A French show: its own reviews are not marked, and its page speaks French."""
    root = make_show(tmp_path_factory.mktemp("french-show"),
                     '[show]\ntitle = "Le Ciné du Soir"\nlanguage = "fr"\n')
    done = reelcast(root, "publish", REVIEWS["fr"], REVIEWS["de"])
    assert done.returncode == 0, done.stderr
    return root


def test_a_show_in_french_speaks_french_and_marks_only_the_german_review(french_show: Path) -> None:
    channel = etree.parse(str(french_show / "feed" / "feed.xml")).getroot().find("channel")
    assert channel.findtext("language") == "fr"
    descriptions = {i.findtext("title"): i.findtext("description") for i in channel.iter("item")}
    french = descriptions["Portrait de la jeune fille en feu : un tableau vivant"]
    assert "En français." not in french
    assert descriptions["Undine: Ein Märchen in Berlin"].startswith("<p>Auf Deutsch.</p>")
    _mp3, vtt = episode_files(french_show, "fr")
    assert spoken(vtt).startswith("Bienvenue dans Le Ciné du Soir.")
    page = html.parse(str(french_show / "feed" / "index.html")).getroot()
    assert page.get("lang") == "fr"
    text = page.text_content()
    assert "Pour vous abonner" in text and "Chapitres" in text and "Transcription" in text
    assert "To subscribe" not in text and "Chapters" not in text


# -- refused before any audio is made


def test_a_show_that_refuses_a_language_says_so_and_publishes_nothing(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", '[show]\nlanguages = ["fr"]\n')
    done = reelcast(root, "publish", REVIEWS["es"])
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()[-1:]
    assert line.startswith("reelcast: error: the review is in 'es', which this show does not publish")
    assert 'add "es" to [show] languages' in line
    assert "Traceback" not in done.stderr
    assert not list((root / "episodes").glob("*.mp3")) and not (root / "feed" / "feed.xml").exists()


def test_a_language_the_engine_has_no_voice_for_is_one_clear_error(tmp_path: Path) -> None:
    # Piper ships only an English voice; no audio may be made for the French review.
    root = make_show(tmp_path / "show")
    done = reelcast(root, "publish", "--engine", "piper", REVIEWS["fr"])
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "reelcast: error: the piper engine has no voice for language 'fr'; set [speech.voices] fr = \"VOICE\" "
        "in reelcast.toml (reelcast voices --language fr lists them), or use another engine"
    )
    assert not list((root / "episodes").glob("*.mp3"))


def test_the_show_s_voice_for_a_language_is_used(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", '[speech.voices]\nfr = "roa/fr-be"\n')
    done = reelcast(root, "preview", "--json", REVIEWS["fr"])
    assert done.returncode == 0, done.stderr
    preview = json.loads(done.stdout)
    assert {(s["language"], s["voice"]) for s in preview["sections"]} == {("fr", "roa/fr-be")}


def test_preview_json_reports_each_section_s_language_and_voice(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show")
    done = reelcast(root, "preview", "--json", REVIEWS["de"])
    assert done.returncode == 0, done.stderr
    preview = json.loads(done.stdout)
    assert preview["language"] == "de"
    assert [s["kind"] for s in preview["sections"]][0::len(preview["sections"]) - 1] == ["intro", "outro"]
    assert preview["sections"][0]["title"] == "Einleitung"
    for section in preview["sections"]:
        assert (section["language"], section["engine"], section["voice"]) == ("de", "pyttsx3", "gmw/de")


def test_voices_lists_a_language_s_voices_and_marks_the_one_chosen(tmp_path: Path) -> None:
    done = reelcast(tmp_path, "voices", "--language", "fr")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "engine: pyttsx3, voice for fr: roa/fr"
    ids = {line[2:].split()[0]: line[0] for line in lines[1:]}
    assert {"roa/fr", "roa/fr-be", "roa/fr-ch"} <= set(ids)
    assert ids["roa/fr"] == "*" and ids["roa/fr-be"] == " "
    assert all("/en" not in voice for voice in ids)


def test_say_reads_a_line_in_the_language_asked_for(tmp_path: Path) -> None:
    done = reelcast(tmp_path, "say", "--language", "fr", "En 1770, le 1er mai.", "--out", "clip.wav")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "said: En mille sept cent soixante-dix, le premier mai."
    assert (tmp_path / "clip.wav").stat().st_size > 10_000


def test_an_english_review_of_a_french_film_stays_english_and_keeps_the_title(tmp_path: Path) -> None:
    page = (FIXTURES / "review-fr.html").read_text(encoding="utf-8")
    body = page[page.index("<article>"):page.index("</article>")]
    english = (
        "<p>Portrait de la jeune fille en feu is the best film of 2019. Céline Sciamma frames two women on a "
        "remote island in 1770, and every scene, lit by candles, feels like a painting come alive.</p>"
        "<p>The performances are remarkable, the silence is eloquent, and the final scene at the concert "
        "stays with you long after the lights come up. See it on the biggest screen you can find.</p>"
    )
    page = page.replace(body, "<article>" + english).replace('lang="fr"', "")
    page = page.replace('"inLanguage": "fr-FR", ', "").replace('content="fr_FR"', 'content="en_GB"')
    (tmp_path / "mixed.html").write_text(page, encoding="utf-8")
    done = reelcast(tmp_path, "preview", "--json", "mixed.html")
    assert done.returncode == 0, done.stderr
    preview = json.loads(done.stdout)
    assert preview["language"] == "en-GB"
    intro, body_section = preview["sections"][0], preview["sections"][1]
    assert intro["paragraphs"][0].startswith("Welcome to reelcast Film Reviews.")
    # the page's title names the film: said once, with its year, then the credits
    assert ("Today: Portrait de la jeune fille en feu: un tableau vivant, twenty nineteen. Directed by Céline "
            "Sciamma.") in intro["paragraphs"][0]
    assert intro["paragraphs"][0].count("Portrait de la jeune fille") == 1
    opening = "Portrait de la jeune fille en feu is the best film of twenty nineteen."
    assert body_section["paragraphs"][0].startswith(opening)
    assert {s["voice"] for s in preview["sections"]} == {"gmw/en"}


# Reviews without headings, in French and German: their chapters are named in their own language,
# by what each part discusses and the people it names (the film's cast and director among them).
HEADINGLESS = {
    "fr": ("Critique : La Maison du port", (
        "Dans son premier grand rôle, Camille Roche incarne Léa, une infirmière épuisée. Son interprétation "
        "est d'une justesse rare : chaque regard de Léa dit ce que le scénario tait. Face à elle, Julien "
        "Marchand joue Marc, un frère revenu de loin, et les deux acteurs trouvent un accord parfait. On suit "
        "Léa et Marc qui se disputent, se taisent et se retrouvent ; l'actrice porte le film, et son jeu ne "
        "force jamais.",
        "La mise en scène d'Anne Vidal reste au plus près des visages. La caméra suit Léa dans les couloirs de "
        "l'hôpital, puis sur le port, où la lumière du soir change tout. Le montage prend son temps, chaque "
        "plan respire, et la photographie donne au port une beauté grise. Vidal signe ici sa réalisation la "
        "plus maîtrisée ; son style, discret, n'a pas besoin d'effets.",
        "Au bout du compte, c'est un beau film, modeste et juste, qui mérite d'être vu en salle. On en sort "
        "ému, avec l'envie de revoir Léa et Marc.",
    )),
    "de": ("Filmkritik: Das Haus am Hafen", (
        "In ihrer ersten Hauptrolle spielt Camille Roche die Krankenschwester Lea. Ihre Darstellung ist von "
        "seltener Genauigkeit: Jeder Blick von Lea sagt, was das Drehbuch verschweigt. Neben ihr spielt "
        "Julien Marchand ihren Bruder Marc, und die beiden Schauspieler finden einen gemeinsamen Ton. Wir "
        "sehen, wie Lea und Marc streiten, schweigen und sich wiederfinden; die Schauspielerin trägt den "
        "Film, und ihr Spiel wirkt nie gezwungen.",
        "Die Regie von Anne Vidal bleibt nah an den Gesichtern. Die Kamera folgt Lea durch die Flure des "
        "Krankenhauses und dann zum Hafen, wo das Abendlicht alles verändert. Der Schnitt lässt sich Zeit, "
        "jede Einstellung atmet, und die Bilder geben dem Hafen eine graue Schönheit. Vidal inszeniert hier "
        "ihren reifsten Film; ihr Stil braucht keine Effekte.",
        "Am Ende bleibt ein schöner, bescheidener Film, den man im Kino sehen sollte. Man verlässt den Saal "
        "bewegt und möchte Lea und Marc wiedersehen.",
    )),
}
# what each part is about, in the pack's words: (topic the title starts with, a name it gives)
ABOUT = {
    "fr": [("L'interprétation : ", ("Léa", "Camille Roche", "Julien Marchand")),
           ("La mise en scène : ", ("Anne Vidal",)), ("Le verdict", ("",))],
    "de": [("Die Darsteller: ", ("Lea", "Camille Roche", "Julien Marchand")), ("Die Regie: ", ("Anne Vidal",)),
           ("Das Fazit", ("",))],
}


@pytest.mark.parametrize("language", sorted(HEADINGLESS))
def test_chapters_of_a_headingless_review_are_named_in_its_language(tmp_path: Path, language: str) -> None:
    title, paragraphs = HEADINGLESS[language]
    film = title.split(":", 1)[1].strip()
    metadata = {"@context": "https://schema.org", "@type": "Review", "headline": title, "inLanguage": language,
                "itemReviewed": {"@type": "Movie", "name": film, "director": {"@type": "Person", "name": "Anne Vidal"},
                                 "actor": [{"@type": "Person", "name": "Camille Roche"},
                                           {"@type": "Person", "name": "Julien Marchand"}]}}
    (tmp_path / "review.html").write_text(
        f'<html lang="{language}"><head><title>{title}</title><script type="application/ld+json">'
        f"{json.dumps(metadata, ensure_ascii=False)}</script></head><body><article><h1>{title}</h1>"
        + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article></body></html>", encoding="utf-8")
    (tmp_path / "reelcast.toml").write_text("[script]\nmin_words = 20\nmax_words = 70\n", encoding="utf-8")
    done = reelcast(tmp_path, "publish", "review.html")
    assert done.returncode == 0, done.stderr

    (chapters_file,) = (tmp_path / "episodes").glob("*.chapters.json")
    body = [c["title"] for c in json.loads(chapters_file.read_text(encoding="utf-8"))["chapters"]][1:-1]
    (mp3,) = (tmp_path / "episodes").glob("*.mp3")
    frames = sorted(ID3(mp3).getall("CHAP"), key=lambda frame: frame.start_time)
    assert [str(frame.sub_frames["TIT2"]) for frame in frames][1:-1] == body  # the MP3 says the same
    assert len(body) == len(ABOUT[language]), body
    for chapter, (topic, names) in zip(body, ABOUT[language], strict=True):
        assert chapter.startswith(topic) and any(name in chapter for name in names), body
    said = " ".join(body)
    for english in ("The ", " and ", "verdict:"):
        assert english not in said, body
    for noun in ("Krankenschwester", "Blick", "Hafen", "Kamera", "Bruder", "Film"):  # nouns are not names
        assert noun not in said, body
    assert film in items(tmp_path)  # the episode is titled by the film, its "Critique :" label left out
