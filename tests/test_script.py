from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from reelcast.config import ScriptSettings, load_settings
from reelcast.errors import ScriptError
from reelcast.extract import extract
from reelcast.models import Article, Block, BlockKind, Film, Rating, RawPage, Section, SectionKind
from reelcast.publish.episode import episode_tags
from reelcast.script import (
    build_script,
    chapter_titles,
    episode_title,
    split_sections,
    spoken_title,
    without_review_label,
)
from reelcast.speakable import Lexicon

P, H, LI, Q = BlockKind.PARAGRAPH, BlockKind.HEADING, BlockKind.LIST_ITEM, BlockKind.QUOTE


def words(n: int, word: str = "word") -> str:
    return " ".join([word] * n) + "."


def article(*blocks: Block, **meta: object) -> Article:
    return Article(source="page.html", title="A Review", blocks=blocks, **meta)  # type: ignore[arg-type]


def test_intro_names_show_film_critic_and_rating_and_outro_closes() -> None:
    film = Film("Leaving Las Vegas", 1995, "Mike Figgis", ("Nicolas Cage", "Elisabeth Shue"))
    script = build_script(
        article(Block(P, "Body text."), byline="Sam Shepards", site_name="ReelRundown", film=film, rating=Rating(4, 5)),
        ScriptSettings(), "Film Night",
    )
    intro, outro = script.sections[0], script.sections[-1]
    assert intro.kind is SectionKind.INTRO and outro.kind is SectionKind.OUTRO
    assert intro.text == (
        "Welcome to Film Night. Today: A Review. The film: Leaving Las Vegas, nineteen ninety-five, directed by "
        "Mike Figgis, starring Nicolas Cage and Elisabeth Shue. A review by Sam Shepards, for ReelRundown. "
        "The verdict: four out of five."
    )
    assert "Thanks for listening to Film Night." in outro.text


def test_headings_start_sections_and_are_announced() -> None:
    script = build_script(
        article(Block(P, "Opening words here."), Block(H, "The Acting", 2), Block(P, "Cage is great."),
                Block(H, "Verdict", 2), Block(P, "See it.")),
        ScriptSettings(), "Show",
    )
    body = [s for s in script.sections if s.kind is SectionKind.BODY]
    # the part before the first heading names nothing it discusses: it is numbered, never cut off
    assert [s.title for s in body] == ["Part 1", "The Acting", "Verdict"]
    assert texts(body[1]) == ["The Acting.", "Cage is great."]


def test_headingless_article_is_cut_into_even_sections_within_limits() -> None:
    blocks = [Block(P, words(100)) for _ in range(12)]  # 1,200 words
    sections = split_sections(blocks, 150, 400)
    sizes = [sum(len(b.text.split()) for b in part) for _, part in sections]
    assert len(sections) == 3
    assert all(150 <= size <= 400 for size in sizes), sizes
    assert sum(sizes) == 1200


def test_a_short_article_stays_one_section() -> None:
    sections = split_sections([Block(P, words(60)), Block(P, words(60))], 150, 400)
    assert len(sections) == 1


def test_lists_are_read_as_items_and_quotes_are_framed() -> None:
    script = build_script(
        article(Block(P, "Best moments:"), Block(LI, "the opening"), Block(LI, "the ending"),
                Block(Q, "A masterpiece")),
        ScriptSettings(), "Show",
    )
    body = script.sections[1]
    assert texts(body) == ["Best moments", "the opening. the ending.", "Quote. A masterpiece. End quote."]


def test_spoiler_sections_are_announced() -> None:
    script = build_script(
        article(Block(P, "Intro."), Block(H, "Spoilers ahead", 2), Block(P, "He dies.")), ScriptSettings(), "Show"
    )
    spoiler = script.sections[2]
    assert spoiler.paragraphs[0].text.startswith("Spoiler warning. Spoilers ahead.")


def test_text_is_made_speech_ready_with_the_lexicon() -> None:
    script = build_script(
        article(Block(P, "Ben pays her $500. Directed by Mike Figgis, see https://www.example.com/x.")),
        ScriptSettings(), "Show", Lexicon.from_mapping({"Figgis": "Figgiss"}),
    )
    text = script.sections[1].text
    assert "five hundred dollars" in text and "Figgiss" in text
    assert "https" not in text and "$" not in text


def test_an_article_of_headings_only_is_refused() -> None:
    with pytest.raises(ScriptError, match="no paragraphs"):
        build_script(article(Block(H, "Only a heading", 2)), ScriptSettings(), "Show")


def texts(section: Section) -> list[str]:
    return [p.text for p in section.paragraphs]


def test_sentences_are_split_once_here_and_a_paragraph_reads_as_its_sentences() -> None:
    script = build_script(article(Block(P, "Mr. Figgis shot it in 1995. It cost $3.6m. Cage won an Oscar!")),
                          ScriptSettings(), "Show")
    (body,) = [s for s in script.sections if s.kind is SectionKind.BODY]
    (paragraph,) = body.paragraphs
    assert [s.text for s in paragraph.sentences] == [
        "Mister Figgis shot it in nineteen ninety-five.",
        "It cost three point six million dollars.",
        "Cage won an Oscar!",
    ]
    assert paragraph.text == " ".join(s.text for s in paragraph.sentences)


def test_a_long_section_under_a_heading_is_cut_into_numbered_parts() -> None:
    long = " ".join(["The film keeps its nerve to the end."] * 30)  # 240 words a paragraph
    script = build_script(article(Block(H, "The Acting", 2), *[Block(P, long)] * 3), ScriptSettings(), "Show")
    titles = [s.title for s in script.sections if s.kind is SectionKind.BODY]
    assert titles == ["The Acting (part 1)", "The Acting (part 2)"]


# --- said once: the intro and outro ---------------------------------------------------------


@pytest.mark.parametrize(("title", "bare"), [
    ("Review: Nomadland", "Nomadland"),
    ("Film review – Nomadland", "Nomadland"),
    ("MOVIE REVIEW | Nomadland", "Nomadland"),
    ("Nomadland review", "Nomadland"),
    ("Nomadland (Review)", "Nomadland"),
    ("Heat: A Review", "Heat"),
    ("Review of 'Heat'", "Heat"),
    ("Nomadland review – Frances McDormand is superb", "Nomadland – Frances McDormand is superb"),
    ("Critique : Portrait de la jeune fille en feu", "Portrait de la jeune fille en feu"),
    ("Critique de « Annette »", "Annette"),
    ("Critique d'Annette", "Annette"),
    ("Filmkritik zu „Das Haus am Hafen“", "Das Haus am Hafen"),
    ("Das Haus am Hafen (Kritik)", "Das Haus am Hafen"),
    ("Reseña: Roma", "Roma"),
    ("Crítica de 'Roma'", "Roma"),
    ("Recensione di Dune", "Dune"),
    ("Resenha: Central do Brasil", "Central do Brasil"),
    ("Recensie: Zwartboek", "Zwartboek"),
    # no label to drop, or nothing but one: as it was
    ("The Review", "The Review"),
    ("Preview: Dune", "Preview: Dune"),
    ("Overview of Heat", "Overview of Heat"),
    ("The Reviewer", "The Reviewer"),
    ("Film Review", "Film Review"),
])
def test_a_review_label_leaves_the_title_and_the_film_s_name_stays(title: str, bare: str) -> None:
    assert without_review_label(title) == bare


def test_the_episode_is_titled_without_the_label_and_the_site(tmp_path: Path) -> None:
    page = RawPage("p.html", b"<html><head><title>Review: Heat | Night Screen</title>"
                   b'<meta property="og:site_name" content="Night Screen"></head><body><article><h1>Review: Heat</h1>'
                   + b"<p>Heat holds its nerve. Pacino and De Niro face each other at last.</p>" * 3
                   + b"</article></body></html>")
    article = extract(page)
    assert episode_title(article) == "Heat"
    tags = episode_tags(article, load_settings(tmp_path))
    assert tags.title == "Heat"


@pytest.mark.parametrize(("title", "site", "domain", "spoken"), [
    ("'Leaving Las Vegas' (1995) - Movie Review - ReelRundown", "ReelRundown", "reelrundown.com",
     "'Leaving Las Vegas' (1995)"),
    ("Nomadland review | The Film Stage", "The Film Stage", "thefilmstage.com", "Nomadland"),
    ("Nomadland | Film Review | Cinema Daily", "", "cinemadaily.org", "Nomadland"),
    ("Critique : Nomadland — Le Monde", "Le Monde", "lemonde.fr", "Nomadland"),
    ("Spider-Man - Into the Spider-Verse - Review", "", None, "Spider-Man - Into the Spider-Verse"),
    ("Movie Review", "", None, "Movie Review"),  # nothing else to say: kept
])
def test_page_suffixes_are_not_read(title: str, site: str, domain: str | None, spoken: str) -> None:
    assert spoken_title(title, site, domain) == spoken


def test_the_intro_says_the_title_once_and_a_sentence_starts_with_a_capital() -> None:
    film = Film("Nomadland", 2020, "Chloé Zhao", ("Frances McDormand",))
    page = replace(article(Block(P, "108 minutes. That is how long it lasts, and it earned $190 million.")),
                   title="Nomadland (2020) - Movie Review | Cinema Daily", site_name="Cinema Daily", film=film,
                   rating=Rating(4, 5))
    script = build_script(page, ScriptSettings(), "Show", Lexicon.from_mapping({"Zhao": "Jow"}))
    intro = script.sections[0].paragraphs[0]
    assert intro.text.count("Nomadland") == 1 and "Review" not in intro.text and "Cinema Daily." in intro.text
    assert intro.text.count("out of") == 1
    assert "Directed by Chloé Jow, starring Frances McDormand." in intro.text
    assert "Directed by Chloé Zhao" in intro.written  # what the transcript shows
    body = script.sections[1].paragraphs[0].sentences
    assert body[0].text == "One hundred eight minutes." and body[0].written == "108 minutes."
    assert body[1].written.endswith("$190 million.") and "one hundred ninety million dollars" in body[1].text
    outro = script.sections[-1].paragraphs[0]
    assert outro.text.count("Nomadland") == 1 and "Review" not in outro.text


def test_chapters_of_a_headingless_review_say_what_each_part_discusses() -> None:
    film = Film("Leaving Las Vegas", 1995, "Mike Figgis", ("Nicolas Cage", "Elisabeth Shue"))
    parts = [
        "The story follows Ben. We meet Ben at a bar, and the plot moves as Ben drinks. Later, Ben meets Sera.",
        "Cage gives a performance for the ages, and Shue's acting matches it. Her role is harder. Both play it raw.",
        "In the end, it is a film to see. I recommend it to anyone who can bear it.",
    ]
    page = replace(article(*(Block(P, t + " " + words(120)) for t in parts)), film=film)
    script = build_script(page, ScriptSettings(min_words=100, max_words=160), "Show")
    titles = [s.title for s in script.sections[1:-1]]
    assert titles == ["The story: Ben", "The performances: Nicolas Cage and Elisabeth Shue", "The verdict"]


def test_a_rating_the_intro_announces_is_not_read_again_from_the_text() -> None:
    page = article(Block(P, "See it on the largest screen you can find. Rating: 4/5"), Block(P, "★★★★☆"),
                   rating=Rating(4, 5))
    script = build_script(page, ScriptSettings(), "Show")
    said = " ".join(p.text for s in script.sections for p in s.paragraphs)
    assert said.count("four out of five") == 1 and "The verdict: four out of five." in said
    assert "See it on the largest screen you can find." in said
    unrated = build_script(replace(page, rating=None), ScriptSettings(), "Show")  # no intro verdict: kept
    assert "four out of five" in " ".join(p.text for s in unrated.sections[1:] for p in s.paragraphs)


def test_every_language_pack_names_chapters_in_its_own_words() -> None:
    from reelcast.language import pack, shipped

    verdicts = set()
    for code in shipped():
        chapters = pack(code).chapters
        assert "{topic}" in chapters["title"] and "{names}" in chapters["title"], code
        assert len(chapters["topics"]) >= 5 and all(chapters["topics"].values()), code
        verdicts.add(chapters["verdict"])
    assert len(verdicts) == len(shipped())  # each says it in its own language


def test_german_nouns_are_not_taken_for_names() -> None:
    text = ("Sie spielt die Krankenschwester Lea. Jeder Blick von Lea sagt viel, und ihr Bruder Marc schweigt. "
            "Wir sehen, wie Lea und Marc streiten. Die Regie von Anne Vidal bleibt nah an den Gesichtern.")
    parts = [("", [Block(BlockKind.PARAGRAPH, text)])]
    article = Article("x", "Das Haus am Hafen", tuple(parts[0][1]), language="de")
    (title,) = chapter_titles(parts, article, "de")
    assert title in ("Lea und Anne Vidal", "Anne Vidal und Lea"), title  # not "Krankenschwester Lea", "Jeder Blick"
