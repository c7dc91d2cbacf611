"""What a listener hears: each case is the exact text the voice is given."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelcast.errors import ScriptError
from reelcast.speakable import Lexicon, speakable, split_sentences


def cases(*pairs: tuple[str, str]):
    return pytest.mark.parametrize(("written", "spoken"), pairs, ids=[written for written, _ in pairs])


@cases(
    ("$500", "five hundred dollars"),
    ("$500 for an hour", "five hundred dollars for an hour"),
    ("$1", "one dollar"),
    ("$1.2bn", "one point two billion dollars"),
    ("$20 million", "twenty million dollars"),
    ("$20m", "twenty million dollars"),
    ("$300k", "three hundred thousand dollars"),
    ("$1,000,000", "one million dollars"),
    ("£5", "five pounds"),
    ("€3.50", "three euros and fifty cents"),
    ("$0.99", "ninety-nine cents"),
    ("£1.01", "one pound and one penny"),
    ("99¢", "ninety-nine cents"),
)
def test_money(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@cases(
    ("1995", "nineteen ninety-five"),
    ("2001", "two thousand one"),
    ("2019", "twenty nineteen"),
    ("1905", "nineteen oh-five"),
    ("in 1995.", "in nineteen ninety-five."),
    ("the 1990s", "the nineteen nineties"),
    ("the 1990's", "the nineteen nineties"),
    ("the 2000s", "the two thousands"),
    ("'95", "ninety-five"),
    ("’95", "ninety-five"),
    ("'05", "oh five"),
    ("the '90s", "the nineties"),
    ("in his 80s", "in his eighties"),
    ("2001: A Space Odyssey", "two thousand one: A Space Odyssey"),
)
def test_years_and_decades(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@cases(
    ("15 years", "fifteen years"),
    ("3,000", "three thousand"),
    ("3,000 extras", "three thousand extras"),
    ("2.5", "two point five"),
    ("2,500,000", "two million five hundred thousand"),
    ("134", "one hundred thirty-four"),
    ("a 15-year-old", "a fifteen-year-old"),
    ("3D and Se7en", "3D and Se7en"),
    ("#1 at the box office", "number one at the box office"),
    ("No. 5", "Number five"),
    ("Kill Bill: Vol. 1", "Kill Bill: volume one"),
    ("his No. 5 hit", "his number five hit"),
    ("his no.5 hit", "his number five hit"),
    ("I said no. 5 people left", "I said no. five people left"),
    ("6 ft. tall", "six ft. tall"),
    ("3½ stars", "three and a half stars"),
)
def test_plain_numbers(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@cases(
    ("1st", "first"),
    ("21st", "twenty-first"),
    ("the 20th century", "the twentieth century"),
    ("his 3rd film", "his third film"),
    ("a 20th-century classic", "a twentieth-century classic"),
)
def test_ordinals(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@cases(
    ("4/5", "four out of five"),
    ("Rating: 4/5 stars", "Rating: four out of five stars"),
    ("3.5/5", "three point five out of five"),
    ("3.5 out of 5", "three point five out of five"),
    ("8/10", "eight out of ten"),
    ("★★★½", "three and a half stars"),
    ("★★★★★", "five stars"),
    ("★", "one star"),
    ("★½", "one and a half stars"),
    ("★★★☆☆", "three out of five stars"),
    ("⭐️⭐️⭐️⭐️", "four stars"),
    ("open 24/7", "open twenty-four seven"),
    ("on 3/4/2019", "on three four twenty nineteen"),  # a date, not a rating: left in order
)
def test_ratings(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@cases(
    ("2h 14m", "two hours fourteen minutes"),
    ("2h14m", "two hours fourteen minutes"),
    ("2 hrs 14 mins", "two hours fourteen minutes"),
    ("1h", "one hour"),
    ("134 min.", "one hundred thirty-four minutes."),
    ("134 min. of bliss", "one hundred thirty-four minutes of bliss"),
    ("Runtime: 1 min", "Runtime: one minute"),
)
def test_runtimes(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@cases(
    ("Oct 8, 2019", "October eighth, twenty nineteen"),
    ("Oct. 8, 2019", "October eighth, twenty nineteen"),
    ("Sept 11", "September eleventh"),
    ("8 October 2019", "the eighth of October twenty nineteen"),
    ("the 8th of October", "the eighth of October"),
    ("October 2019", "October twenty nineteen"),
    ("2019-10-08", "October eighth, twenty nineteen"),
    ("you may 5 times", "you may five times"),  # "may" is not a month here
)
def test_dates(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@cases(
    ("7:30 pm", "seven thirty PM"),
    ("7pm", "seven PM"),
    ("at 7 a.m. sharp", "at seven AM sharp"),
    ("It starts at 7 p.m. Be there", "It starts at seven PM. Be there"),
    ("7:05", "seven oh five"),
    ("7:00", "seven o'clock"),
    ("19:00", "nineteen hundred"),
    ("shot in 2.39:1", "shot in two point three nine to one"),
    ("in 16:9", "in sixteen to nine"),
    ("at 4:10", "at four ten"),
)
def test_times(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@cases(
    ("95%", "ninety-five percent"),
    ("a 9.5 % share", "a nine point five percent share"),
    ("360°", "three hundred sixty degrees"),
    ("-5 °", "minus five degrees"),
)
def test_percentages_and_units(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@cases(
    ("1990-1995", "nineteen ninety to nineteen ninety-five"),
    ("1990–95", "nineteen ninety to ninety-five"),
    ("pages 3-5", "pages three to five"),
    ("(1990-1995)", "nineteen ninety to nineteen ninety-five"),
    ("won 3-2", "won three to two"),
    ("20-30%", "twenty to thirty percent"),
    ("$5-10 million", "five to ten million dollars"),
    ("$5-$10", "five to ten dollars"),
    ("7:30-9:30 pm", "seven thirty to nine thirty PM"),
)
def test_ranges(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@cases(
    ("Elisabeth Shue a.o.", "Elisabeth Shue among others."),
    ("Shue a.o. were cast", "Shue among others were cast"),
    ("thrillers, e.g. Heat", "thrillers, for example Heat"),
    ("E.g. Heat", "For example Heat"),
    ("the lead, i.e. Cage", "the lead, that is Cage"),
    ("Rocky vs. Drago", "Rocky versus Drago"),
    ("Alien vs Predator", "Alien versus Predator"),
    ("Dr. Strangelove", "Doctor Strangelove"),
    ("I loved Mulholland Dr.", "I loved Mulholland Drive."),
    ("Mulholland Dr. is a puzzle", "Mulholland Drive is a puzzle"),
    ("Mr. Smith", "Mister Smith"),
    ("Mrs. Doubtfire", "Missus Doubtfire"),
    ("St. Elmo's Fire", "Saint Elmo's Fire"),
    ("a flat on Baker St.", "a flat on Baker Street."),
    ("a flat on Baker St. near the park", "a flat on Baker Street near the park"),
    ("Song feat. Sting", "Song featuring Sting"),
    ("Heat (dir. Michael Mann) is long", "Heat, directed by Michael Mann, is long"),
    ("sharks, storms etc. The end", "sharks, storms et cetera. The end"),
    ("sharks, storms, etc., and more", "sharks, storms, et cetera, and more"),
    ("Robert Downey Jr. stars", "Robert Downey Junior stars"),
    ("The Rock a.k.a. Dwayne Johnson", "The Rock also known as Dwayne Johnson"),
    ("I said no. Then", "I said no. Then"),
)
def test_abbreviations(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@cases(
    ("Part II", "Part two"),
    ("Rocky IV", "Rocky four"),
    ("The Godfather Part III.", "The Godfather Part three."),
    ("Star Wars: Episode V", "Star Wars: Episode five"),
    ("World War II", "World War two"),
    ("World War I", "World War one"),
    ("Part I", "Part one"),
    ("Henry V", "Henry the Fifth"),
    ("Louis XIV", "Louis the Fourteenth"),
    ("Then I left", "Then I left"),
    ("James I, king", "James the First, king"),
    ("Unlike John I found it slow", "Unlike John I found it slow"),
    ("Rocky II and Rocky III", "Rocky two and Rocky three"),
    ("Ben and I", "Ben and I"),
    ("Malcolm X", "Malcolm X"),  # a lone letter after a name is a name, not a number
    ("Washington DC", "Washington DC"),  # numerals with C, D, L or M are acronyms
    ("ROCKY IV", "rocky four"),
)
def test_roman_numerals(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@cases(
    ("THIS IS AMAZING", "this is amazing"),
    ("It was AMAZING.", "It was amazing."),
    ("I LOVED IT", "I loved it"),
    ("THE FBI IS CORRUPT", "the FBI is corrupt"),
    ("the FBI, NASA, the USA and MGM", "the FBI, NASA, the USA and MGM"),
    ("HBO MAX", "HBO max"),
    ("A NEW HOPE", "A new hope"),
    ("J. K. Rowling", "J. K. Rowling"),
    ("NTSB", "NTSB"),
)
def test_shouting_and_acronyms(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@cases(
    ("“Curly” quotes", "Curly quotes"),
    ('a "drinking problem", at', "a drinking problem, at"),
    ("‘Leaving Las Vegas’ (1995)", "Leaving Las Vegas, nineteen ninety-five"),
    ("Ben Sanderson (Nicolas Cage), he", "Ben Sanderson, Nicolas Cage, he"),
    ("Sera (Elisabeth Shue) has", "Sera, Elisabeth Shue, has"),
    ("a cameo [uncredited].", "a cameo, uncredited."),
    ("Director(s): Mike Figgis", "Directors: Mike Figgis"),
    ("Kill 'em all", "Kill 'em all"),
    ("rock 'n' roll", "rock 'n' roll"),
    ("the boys' car", "the boys car"),
    ("Nicolas Cage's", "Nicolas Cage's"),
    ("It's Mike Figgis's way", "It's Mike Figgis's way"),
)
def test_quotes_and_brackets(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@cases(
    ("Wait... what", "Wait, what"),
    ("Wait… what", "Wait, what"),
    ("and then...", "and then."),
    ("a film—no, a poem—about", "a film, no, a poem, about"),
    ("a film -- a poem", "a film, a poem"),
    ("Vegas – Movie Review", "Vegas, Movie Review"),
    ("Vegas | Reelrundown", "Vegas, Reelrundown"),
    ("self-destruction", "self-destruction"),
)
def test_pauses(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@cases(
    ("I ♥ it", "I it"),
    ("Star Wars™", "Star Wars"),
    ("© Disney", "Disney"),
    ("cause → effect", "cause effect"),
    ("great 🎬🍿 fun 👍🏽", "great fun"),
    ("• first", "first"),
    ("Tom & Jerry", "Tom and Jerry"),
    ("AT&T", "AT and T"),
    ("writer/director", "writer director"),
    ("#MeToo", "MeToo"),
    ("*really* good", "really good"),
)
def test_symbols(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@cases(
    ("see https://www.reelrundown.com/movies/x", "see reelrundown dot com"),
    ("see https://www.reelrundown.com/movies/x.", "see reelrundown dot com."),
    ("(via http://letterboxd.com/film/heat/?ref=1)", "via letterboxd dot com"),
    ("on www.imdb.com today", "on imdb dot com today"),
    ("on IMDb.com, too", "on imdb dot com, too"),
    ("the end.It was", "the end.It was"),
    ("on m.imdb.com", "on imdb dot com"),
    ("write to sam.shepards@example.com now", "write to sam dot shepards at example dot com now"),
)
def test_web_addresses(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@cases(
    ("  a   b \n\t c  ", "a b c"),
    ("word , word .", "word, word."),
    ("", ""),
)
def test_whitespace(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@pytest.mark.parametrize(
    ("language", "written", "spoken"),
    [
        ("fr", "En 1770, un peintre.", "En mille sept cent soixante-dix, un peintre."),
        ("fr", "Publié le 18 septembre 2019 à 06h00.",
         "Publié le dix-huit septembre deux mille dix-neuf à six heures."),
        ("fr", "Le 1er mai, à 20h30.", "Le premier mai, à vingt heures trente."),
        ("fr", "Au XVIIIe siècle, la 1re fois, le 2e film.",
         "Au dix-huitième siècle, la première fois, le deuxième film."),
        ("fr", "Il dure 122 min. Note : 4/5.", "Il dure cent vingt-deux minutes. Note: quatre sur cinq."),
        ("fr", "3 000 figurants, 12,5 % de plus, 15 €.",
         "trois mille figurants, douze virgule cinq pour cent de plus, quinze euros."),
        ("fr", "M. Dupont, Mme Martin, etc. Puis p. ex. ceci.",
         "Monsieur Dupont, Madame Martin, et cetera. Puis par exemple ceci."),
        ("fr", "Il a payé 500 € (environ) & plus — voir https://www.allocine.fr/x",
         "Il a payé cinq cents euros, environ, et plus, voir allocine.fr"),
        ("de", "Am 18. September 2019 um 20:30 Uhr.",
         "Am achtzehnten September zweitausendneunzehn um zwanzig Uhr dreißig."),
        ("de", "Der 3. Oktober ist frei.", "Der dritte Oktober ist frei."),
        ("de", "Im 19. Jahrhundert, z. B. 1.500 Zuschauer.",
         "Im neunzehnten Jahrhundert, zum Beispiel eintausendfünfhundert Zuschauer."),
        ("de", "Sie kostet 15 €, 12,5 % mehr.", "Sie kostet fünfzehn Euro, zwölf Komma fünf Prozent mehr."),
        ("de", "Im Jahr 1770 war es kalt.", "Im Jahr siebzehnhundertsiebzig war es kalt."),
        ("es", "El 18 de septiembre de 2019.", "El dieciocho de septiembre de dos mil diecinueve."),
        ("es", "Costó 15,50 €, un 12 % más.", "Costó quince euros con cincuenta céntimos, un doce por ciento más."),
        ("es", "El 1.º de mayo; la 2.ª parte.", "El primero de mayo; la segunda parte."),
        ("es", "En 1770, en EE. UU., etc.", "En mil setecientos setenta, en Estados Unidos, etcétera."),
        ("it", "Il 18 settembre 2019, 15 €.", "Il diciotto settembre duemiladiciannove, quindici euro."),
        ("pt", "Em 1770, 15 €.", "Em mil setecentos e setenta, quinze euros."),
        ("nl", "De 21ste eeuw, bijv. 15 €.", "De eenentwintigste eeuw, bijvoorbeeld vijftien euro."),
        # No pack, but num2words counts in Polish: the plain numbers are read.
        ("pl", "W 1770 roku.", "W tysiąc siedemset siedemdziesiąt roku."),
        # Neither: only the neutral rules.
        ("sw", "Mwaka 1770 (kweli) — https://www.example.com/x", "Mwaka 1770, kweli, example.com"),
    ],
)
def test_other_languages_read_numbers_dates_and_abbreviations_in_their_own_words(
    language: str, written: str, spoken: str
) -> None:
    assert speakable(written, language=language) == spoken


def test_a_regional_tag_reads_as_its_language() -> None:
    assert speakable("$500", language="en-GB") == "five hundred dollars"
    assert speakable("$500", language="en_US") == "five hundred dollars"
    assert speakable("En 1770.", language="fr-CA") == "En mille sept cent soixante-dix."


SEED = Path("/work/shared/seed/leaving-las-vegas-review.txt")
PARAGRAPH = (
    "In the Sin City of Nevada, Ben almost hits a beautiful prostitute with his car. "
    "The prostitute, named Sera (Elisabeth Shue) has left him delighted. "
    "The next day, Ben pays her $500 for an hour in his hotel room."
)


def test_a_real_review_paragraph() -> None:
    if SEED.exists():
        assert PARAGRAPH in SEED.read_text(encoding="utf-8")
    figgis = Lexicon.from_mapping({"Shue": "Shoo"})
    assert speakable(PARAGRAPH, figgis) == (
        "In the Sin City of Nevada, Ben almost hits a beautiful prostitute with his car. "
        "The prostitute, named Sera, Elisabeth Shoo, has left him delighted. "
        "The next day, Ben pays her five hundred dollars for an hour in his hotel room."
    )


@cases(
    ("'Leaving Las Vegas' (1995) - Movie Review", "Leaving Las Vegas, nineteen ninety-five, Movie Review"),
    ("Actors: Nicolas Cage, Elisabeth Shue a.o.", "Actors: Nicolas Cage, Elisabeth Shue among others."),
    ("© 2019 Sam Shepards", "twenty nineteen Sam Shepards"),
    (
        'Ben doesn\'t have a "drinking problem", at this point, drinking completely governs his life.',
        "Ben doesn't have a drinking problem, at this point, drinking completely governs his life.",
    ),
    (
        'In the last 15 years, "The Cage" has become a walking meme.',
        "In the last fifteen years, The Cage has become a walking meme.",
    ),
)
def test_lines_of_the_real_review(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


# --- the lexicon ----------------------------------------------------------------------------


@cases(
    ("Mike Figgis directs", "Mike Figgiss directs"),
    ("Figgis's way", "Figgiss's way"),
    ("Figgisson", "Figgisson"),
    ("a Truffaut homage", "a Troo-foh homage"),
    ("TRUFFAUT", "Troo-foh"),  # a lower-case entry matches any case
    ("truffaut-like", "troo-foh-like"),
    ("Las Vegas, not Vegas", "Lahs Vaygus, not Vaygus"),  # the longer phrase first
    ("Amélie", "Ah-may-lee"),
)
def test_lexicon(written: str, spoken: str) -> None:
    lexicon = Lexicon.from_mapping(
        {"Figgis": "Figgiss", "truffaut": "troo-foh", "Vegas": "Vaygus", "Las Vegas": "Lahs Vaygus",
         "Amélie": "Ah-may-lee"}
    )  # fmt: skip
    assert speakable(written, lexicon) == spoken


def test_lexicon_capitalised_entry_matches_only_as_written() -> None:
    assert Lexicon.from_mapping({"Figgis": "Figgiss"}).apply("FIGGIS figgis") == "FIGGIS figgis"


def test_lexicon_runs_before_the_other_rules() -> None:
    # Entries match what the reviewer wrote, and respellings are still made speakable.
    lexicon = Lexicon.from_mapping({"Dr. No": "Doctor Noh", "Se7en": "Seven"})
    assert speakable("Dr. No and Se7en", lexicon) == "Doctor Noh and Seven"


def test_lexicon_exact_entry_wins_over_any_case_entry() -> None:
    lexicon = Lexicon.from_mapping({"nice": "neece", "Nice": "Neess"})
    assert speakable("Nice is nice", lexicon) == "Neess is neece"


def test_lexicon_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.toml"
    path.write_text('[words]\n"Figgis" = "Figgiss"\n"las vegas" = "lahs vaygus"\n', encoding="utf-8")
    lexicon = Lexicon.from_toml(path)
    assert lexicon == Lexicon((("Figgis", "Figgiss"), ("las vegas", "lahs vaygus")))
    assert speakable("Figgis in Las Vegas", lexicon) == "Figgiss in Lahs vaygus"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[words\n"a" = "b"', "is not valid TOML"),
        ('[wrods]\n"a" = "b"\n', "unknown key 'wrods'"),
        ('words = "Figgis"\n', "'words' must be a table"),
        ('[words]\n"Figgis" = 3\n', "respelling of 'Figgis' must be a quoted string"),
        ('[words]\n"Figgis" = ""\n', "the respelling must be non-empty"),
        ('[words]\n"" = "x"\n', "the word must be non-empty"),
    ],
    ids=["syntax", "unknown-table", "not-a-table", "not-a-string", "empty-respelling", "empty-word"],
)
def test_lexicon_from_toml_rejects_bad_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "lexicon.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ScriptError, match=message) as caught:
        Lexicon.from_toml(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_lexicon_from_toml_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="cannot read pronunciation lexicon"):
        Lexicon.from_toml(tmp_path / "missing.toml")


def test_lexicon_is_frozen_and_validates() -> None:
    lexicon = Lexicon.from_mapping({"a": "b"})
    with pytest.raises(AttributeError):
        lexicon.entries = ()  # type: ignore[misc]
    with pytest.raises(ValueError, match="appears twice"):
        Lexicon((("a", "b"), ("a", "c")))
    assert speakable("a", Lexicon()) == "a"


# --- sentences ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
        ("Mr. Smith met Dr. Jones. They talked.", ["Mr. Smith met Dr. Jones.", "They talked."]),
        ("Thrillers, e.g. Heat, are long. Yes.", ["Thrillers, e.g. Heat, are long.", "Yes."]),
        ("That is, i.e. Cage. Then", ["That is, i.e. Cage.", "Then"]),
        ("Cage, Shue a.o. The end.", ["Cage, Shue a.o.", "The end."]),
        ("Sharks etc. Then more.", ["Sharks etc.", "Then more."]),
        ("Michael B. Jordan stars. Good.", ["Michael B. Jordan stars.", "Good."]),
        ("Made in the U.S. By then", ["Made in the U.S. By then"]),
        ("It is No. 5 on the list. Fine.", ["It is No. 5 on the list.", "Fine."]),
        ("I said no. 5 people left.", ["I said no. 5 people left."]),  # accepted: rare, and harmless
        ("I said no. Then I left.", ["I said no.", "Then I left."]),
        ('He said "Go." Then left.', ['He said "Go."', "Then left."]),
        ("Wait... What?", ["Wait...", "What?"]),
        ("released Oct. 8, 1995. Later", ["released Oct. 8, 1995.", "Later"]),
        ("  ", []),
        ("no full stop at all", ["no full stop at all"]),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_split_sentences_of_speakable_text() -> None:
    spoken = speakable("Mr. Figgis paid $500. Dr. Jones, e.g., did not.")
    assert split_sentences(spoken) == [
        "Mister Figgis paid five hundred dollars.",
        "Doctor Jones, for example, did not.",
    ]
