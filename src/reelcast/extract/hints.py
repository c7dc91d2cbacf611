"""Heuristics, as data: what marks a part of a page as the article, as chrome, or as never narrated.

Class/id hints are regex fragments matched against "class id". Kept apart from the code that applies
them so that tuning extraction means editing tables, not logic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


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
# "By Kelli Miller" is the name Kelli Miller, in the languages reviews are written in.
BYLINE_PREFIX = re.compile(r"^\s*(by|par|von|por|door|di)\s+", re.IGNORECASE)
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
# Short lines that are page furniture wherever they sit, in the languages reviews are written in:
# calls to action, link teasers, comment prompts, print and e-mail links, date and reading-time lines,
# diary lines, photo credits. Matched against a whole block of at most CHROME_LINE_MAX characters.
CHROME_LINES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        # newsletter and subscription pitches
        r"^(sign up|subscribe|join|get)\b.{0,60}\b(newsletter|updates|inbox|e-?mails?)\b",
        r"^(abonnez-vous|inscrivez-vous|abonnieren sie|melden sie sich|jetzt abonnieren|suscr[ií]bete|"
        r"reg[ií]strate|iscriviti|abbonati|assine)\b",
        r"^.{0,60}\b(newsletter|infolettre|lettre d'information|boletín|nieuwsbrief)"
        r"\s*(abonnieren|bestellen)?\s*[:!]?$",
        # teasers written as a line: "Read also: ...", "LE PUEDE INTERESAR: ...", "Lesen Sie auch: ..."
        r"^(related|read more|read also|see also|more|also read|recommended|watch|popular reviews|"
        r"lire aussi|à lire aussi|a lire aussi|voir aussi|lesen sie auch|auch interessant|mehr zum thema|siehe auch|"
        r"das könnte sie auch interessieren|le puede interesar|te puede interesar|lee también|leer también|"
        r"leia também|leggi anche|potrebbe interessarti|lees ook|zie ook|puedes ver|mira también|lee además|"
        r"también te puede interesar|te recomendamos|auch lesen|zum weiterlesen|weiterlesen|mehr zum thema|"
        r"lesen sie hier|hier lesen|read it here)\s*:",
        # teaser labels standing alone, often a heading over links ("Zum Weiterlesen", "Mehr zum Thema auf ...")
        r"^(zum weiterlesen|weiterlesen|lesen sie auch( die folgenden beiträge| diese beiträge)?|schon gelesen\?|"
        r"mehr zum thema( auf .{1,40})?|weitere beiträge( aus .{1,40})?|entdecke weitere .{1,40}|"
        r"meist-?diskutiert|meistkommentiert|most (discussed|commented)|"
        r"(vorschau auf den )?nächsten? artikel|vorheriger artikel|(previous|next) (article|post|story)|"
        r"article (précédent|suivant)|"
        r"neueste (artikel|beiträge|nachrichten)|latest (articles|posts|stories|news)|recent (posts|articles)|"
        r"derniers articles|últimas noticias|ultimi articoli|"
        r"über den autor|about the author|à propos de l'auteur|sobre el autor|sull'autore)\s*:?$",
        # "load more" buttons and "back to the list" links
        r"^(lade weitere (inhalte|artikel|beiträge)|load more( articles| posts| stories| comments)?|mehr laden|"
        r"weitere laden|charger plus|afficher plus|cargar más|carica altri)\s*(…|\.\.\.)?$",
        r"^(zurück zur (übersicht|listenansicht|startseite)|back to (top|the list|list|overview)|retour à la liste|"
        r"volver al listado)$",
        # comments: counts, prompts, forms
        r"^(\d+\s+)?(comments?|kommentare?|commentaires?|comentarios?|commenti|reacties|responses?|replies)"
        r"(\s*\(\d+( posted)?\))?$",
        r"^(leave|post|add|write|show|view|see|read) (a |the |all )?(\d+ )?"
        r"(comments?|reply|replies|responses?)\b.{0,30}$",
        r"^(laisser|ajouter|écrire) un commentaire|^(schreibe|schreiben sie) einen kommentar|^(deja|dejar|escribe) un "
        r"comentario|^lascia un commento|^(kommentar|comment|commentaire|comentario) (schreiben|ajouter|hinzufügen)",
        r"^(\d+\s+)?(kommentare|comments)( insgesamt| total)?\s*:\s*\d+$",
        r"\|\s*\d+\s+(comments?|kommentare?|commentaires?|comentarios?)$",
        r"^(aufrufe|views|hits|zugriffe|vues)\s*:\s*[\d.,]+\b",
        r"^(we want to hear what you think|tell us what you think|let us know what you think)\b",
        r"^(be the first to comment|no comments yet|there are no comments|noch keine kommentare|"
        r"aucun commentaire|sin comentarios|your email address will not be published)\b",
        # login prompts and the placeholders of embeds waiting for consent
        r"^(sie sind (aktuell |derzeit )?nicht (eingeloggt|angemeldet)|you are not (logged|signed) in|"
        r"vous n'êtes pas connecté)\b",
        r"^(wir respektieren (deine|ihre) privatsphäre|we respect your privacy)\b",
        # subscription and app pitches written as a line of their own
        r"^subscribe (now|today)\b.{0,80}$",
        r"\bdownload (the|our) .{0,40}\bapps?\b.{0,40}$",
        r"\bsign up here[.!]?$",
        r"^to (view|read|continue reading|keep reading) (the|this) (full )?(story|article|review)\b.{0,40}\bsubscri",
        r"\byou('re|’re| are) already a subscriber\b",
        # a shop's messages and a bare byline label ("Von:")
        r"^(der )?artikel wurde erfolgreich (in den warenkorb )?hinzugefügt|"
        r"^(the )?(item|product) (was |has been )?(successfully )?added to (your )?(cart|basket)",
        r"^(von|by|par|por|di)\s*:?$",
        # print and e-mail
        r"^(printer[- ]friendly( version)?|print( this)?( article| review| story| page)?|version imprimable|imprimer|"
        r"druckversion|drucken|artikel drucken|rezept drucken|imprimir|stampa)$",
        r"^(e-?mail|send|mail)( this)?( (review|article|story|page|post|link))?( to a friend)?$",
        r"^(envoyer|partager) (à|a) un ami|^(per )?e-?mail (versenden|teilen|senden)$",
        r"^a version of this article appears in print\b",
        r"^(dieser (beitrag|artikel|text) (stammt aus|erschien (zuerst )?in) (der )?(ausgabe|heft)|"
        r"this (article|story|review) (appeared|appears|was first published) in the \S+ (\d{4} )?(issue|edition))\b",
        r"^(rezept drucken|print recipe|imprimer la recette)\b.{0,40}$",
        r"\b(als pdf herunterladen|download (as|this as) (a )?pdf|télécharger (en|le) pdf)\b.{0,20}$",
        # WordPress's default footer line
        r"^this entry was posted\b|\bbookmark the permalink\.?$",
        # licence, opinion and advertising disclaimers
        r"\b(lizenz|license|licence|licencia)\s+cc[- ]by\b|\bunter (der lizenz )?cc[- ]by\b",
        r"\b(gibt die meinung (des|der) (autors|autorin) wieder|"
        r"(do|does) not necessarily reflect the (views|opinions?))\b",
        r"^(advertising|affiliate|editorial) disclosure\s*:",
        r"^(weitere infos|mehr infos|more info(rmation)?|plus d'infos)\s*(unter|at|sur|:)\s*\S+\.?$",
        # a date standing alone ("11 Jan 2019"; a time alone is more often a video's length)
        r"^\d{1,2}\.? (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mär|mai|okt|dez|janv|févr|avr|juil|déc)"
        r"[a-zäéû]*\.? \d{4}$",
        # share rows
        r"^(share|share this( article| story| review| page)?|share on|tweet|pin it|partager|teilen|compartir|"
        r"condividi|delen|(diesen )?(artikel|beitrag) teilen|share this (post|article|story))\s*:?$",
        r"^(advertisement|sponsored|sponsored content|ad|anzeige|publicité|publicidad|pubblicità)\b"
        r"\s*([-–—:].{0,60})?$",
        # date, update and reading-time lines ("Posted on 3 May 2021", "Publié le 3 mai", "Veröffentlicht am ...")
        r"^(posted|published|updated|last updated|first published|modified)(\s+on\b|\s+at\b|\s*:|\s+\d|"
        r"\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b).{0,60}$",
        r"^(publié|mis à jour|modifié|paru) (le|à)\b.{0,60}$",
        r"^(veröffentlicht|aktualisiert|zuletzt aktualisiert|erschienen|geändert) (am|um)\b.{0,60}$",
        r"^(publicado|actualizado|modificado) (el|en|a las)\b.{0,60}$",
        r"^(pubblicato|aggiornato) (il|alle)\b.{0,60}$",
        r"^(gepubliceerd|bijgewerkt) (op|om)\b.{0,60}$",
        r"^(publicado|atualizado) (em|às)\b.{0,60}$",
        r"^(reading time|lesezeit|lesedauer|temps de lecture|tiempo de lectura|tempo di lettura|leestijd)\s*:?\s*"
        r"\d+.{0,20}$",
        r"^(ca\.\s*)?\d+\s*(min|mins|minutes?|minuten|minutos|minuti)\.?\s*(read|reading|de lecture|lesezeit|"
        r"lesedauer|de lectura|di lettura|leestijd)$",
        # diary lines on review sites: "Watched on Sunday 3 May 2021", "Rewatched 2021-05-03"
        r"^(watched|rewatched|seen|logged|vu|gesehen|visto)( on| in| le| am| el| il)?\s+[^.!?]{0,50}\d[^.!?]{0,30}$",
        # permalinks and links to a file ("Permalien https://...", "Merkblatt PDF | 38 KB")
        r"^(permalink|permalien|permalänk|enlace permanente)\b\s*:?\s*\S*$",
        r"\b(pdf|docx?|xlsx?|pptx?|zip)\s*[|(,]\s*\d+([.,]\d+)?\s*(kb|mb|ko|mo)\b",
        # question-and-answer sites' date lines ("asked Feb 6, 2014 at 20:37")
        r"^(asked|answered|edited|modified)\s+[a-z]{3}\w* \d{1,2}(, \d{4})?( at \d{1,2}:\d{2})?$",
        # photo credits
        r"^\(?(photo|photos|photograph|image|images|picture|foto|fotos|bild|bilder|crédit photo|crédits? photos?|"
        r"titelbild|beitragsbild|aufmacherbild|headerbild|crédito|créditos|"
        r"photo credit|credit|credits|quelle)\s*(:|©|by|von|de|par|/)\s*.{1,80}$",
        r"^.{0,80}\b(getty images|shutterstock|istock(photo)?|ap photo|imago|picture alliance|"
        r"alamy)\)?\.?$",
        r"^\(?©\s*[^.!?|]{1,60}\)?$",
    )
)
# A line made of nothing but share buttons: "WhatsApp Facebook Pinterest Download".
SHARE_WORDS = re.compile(
    r"^((share|teilen|partager|compartir|condividi|on|via|whatsapp|facebook|twitter|x|pinterest|linkedin|reddit|"
    r"email|e-mail|mail|print|drucken|telegram|tumblr|download|copy|link|messenger|flipboard|pocket|sms|"
    r"xing|threads|bluesky|mastodon|weibo|wechat|vk)[\s,|•·:/]*){2,}$",
    re.IGNORECASE,
)
# A photo credit at the end of a caption ("... | © Agency", "... (© Name)", "... Bild: Name", "... Foto: Agency",
# "... Bild via"): the credit is cut off and the caption kept. At most CREDIT_CAPTION_MAX characters in all.
CAPTION_CREDIT = re.compile(
    r"(\s[|/–-]\s*|\s)(\(?(©|\(c\)|fotos?\s*:|bild\s*:|photo\s*:|image\s*:|crédit photo\s*:|crédito\s*:|"
    r"credit\s*:)\s*[^.!?|]{1,60}\)?|bild via)\s*$",
    re.IGNORECASE,
)
CREDIT_CAPTION_MAX = 300
# A row of rating stars: the rating itself is announced once, in the intro.
STAR_ROW = re.compile(
    r"^((rating|our rating|verdict|note|notre avis|bewertung|wertung|valoración|calificación|voto|giudizio)\s*:?\s*)?"
    r"[\s★☆✩✪✫✬✭✮✯✰⭐½⯪/0-9.,()]*[★☆✩✪✫✬✭✮✯✰⭐⯪][\s★☆✩✪✫✬✭✮✯✰⭐½⯪/0-9.,()]*$",
    re.IGNORECASE,
)
# Breadcrumbs: three or more short parts between ">", "»" or "›" ("Home > Reviews > Drama").
BREADCRUMB = re.compile(r"^[^.!?:>»›]{1,40}(\s[>»›]\s[^.!?>»›]{1,40}){2,}$")
# A newsletter or subscription pitch written as an ordinary sentence inside a paragraph.
PITCH_SENTENCE = re.compile(
    r"\b(sign(ing)? up|subscrib(e|ing)|register(ing)?)\b[^.!?]{0,80}"
    r"\b(newsletter|inbox|e-?mail updates?|our e-?mails?)\b"
    r"|\b(abonnez-vous|inscrivez-vous)\b[^.!?]{0,80}\b(newsletter|lettre|infolettre)\b"
    r"|\b(abonnieren sie|melden sie sich)\b[^.!?]{0,80}\b(newsletter)\b"
    r"|\b(suscr[ií]bete|reg[ií]strate)\b[^.!?]{0,80}\b(newsletter|bolet[ií]n)\b",
    re.IGNORECASE,
)
SENTENCE = re.compile(r"[^.!?。！？]+(?:[.!?。！？]+[\"'”’»)]*|$)\s*")
# A film-details box ("Director: ...", "Cast: ...", "Runtime: ..."): the intro already says the film,
# its year, director and cast (Article.film), so two or more such lines in an article are not narrated.
FILM_DETAIL_LINE = re.compile(
    r"^(title|film|movie|original title|release year|year|released|release date|release|director|director\(s\)|"
    r"directors|directed by|writers?|written by|screenplay|cast|starring|stars|actors|actor\(s\)|runtime|"
    r"running time|length|duration|genres?|rated|mpaa rating|certificate|country|language|studio|"
    r"distributor|budget|box office|music|cinematography|producers?|"
    r"titre|titre original|réalisateur|réalisation|réalisé par|scénario|acteurs|avec|distribution|durée|genre|"
    r"pays|sortie|date de sortie|année|titel|originaltitel|regie|drehbuch|darsteller|besetzung|laufzeit|"
    r"länge|land|erscheinungsjahr|produktionsjahr|kinostart|fsk|título|título original|dirección|guion|"
    r"reparto|duración|género|año|estreno|regia|sceneggiatura|durata|anno|uscita)\s*:",
    re.IGNORECASE,
)
FILM_DETAIL_MIN_LINES = 2
# Headings that introduce a list of links to other pages (or a details box, or a contact box): the heading and
# its list go together.
TEASER_HEADINGS = re.compile(
    r"^(related|related (articles|stories|posts|links|searches|coverage|reading|reviews|films|movies)|read more|"
    r"read also|more (from|on|by|stories|reviews)\b.*|popular reviews|popular (now|this week)|"
    r"you (may|might) also like|recommended( for you| reading)?|most (read|popular|viewed)|trending|further reading|"
    r"where to (watch|stream|buy|rent)( it)?|watch (it )?(now|on|at)\b.*|streaming on|now streaming|available on|"
    r"lire aussi|à lire aussi|voir aussi|sur le même sujet|dans la même rubrique|les plus lus|où (le )?regarder|"
    r"lesen sie auch|auch interessant|mehr zum thema|das könnte sie auch interessieren|meistgelesen|"
    r"wo (zu )?(sehen|streamen|schauen)|te puede interesar|le puede interesar|lee también|más leídas|"
    r"dónde ver|leggi anche|potrebbe interessarti|i più letti|dove vedere|lees ook|leia também|"
    r"see also|related content|more like this|you may also be interested in|"
    r"à lire également|lire également|vous aimerez aussi|sur le même thème|"
    r"siehe auch|schon gelesen\??|verwandte (artikel|beiträge|themen)|ähnliche (artikel|beiträge)|weitere artikel|"
    r"(diese|weitere) (artikel|beiträge) könnten (dich|sie) (auch|ebenfalls) interessieren|"
    r"das könnte (dich|sie) auch interessieren|mehr (zu|von|aus|über) .{1,60}|"
    r"noticias relacionadas|artículos relacionados|articoli correlati|gerelateerde artikelen|"
    # a press release's contact box and its further links: names, numbers and addresses, not the article
    r"(presse)?kontakt|ansprechpartner(in)?( zum thema| für die presse)?|(media |press )?contacts?|contacto|contatto|"
    r"weitere informationen|zusatzinformationen|more information|further information|plus d'informations|"
    r"más información)$",
    re.IGNORECASE,
)
# Under a teaser heading or label: list items, and short lines that do not end like a sentence (headlines).
TEASER_ITEM_MAX = 150
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


@dataclass(frozen=True, slots=True)
class ReaderTunables:
    """The numbers reelcast's own reader (readability.py) decides by. Unless a comment says otherwise
    they are Mozilla Readability's, because the Readability pages' expected text is its output and
    every departure costs there first."""

    # -- the walk
    byline_max_chars: int = 100  # a byline is a name and perhaps a date; a longer "author" box is prose or a bio
    title_similarity: float = 0.75  # an h1/h2 this like the page's title repeats it, and the intro says the title
    lone_paragraph_max_link_density: float = 0.25  # a div holding one <p> becomes that <p> unless it is a link box
    # Tags removed when they hold no text at all (only <br> and <hr>): empty layout, not article.
    empty_removable_tags: frozenset[str] = frozenset({"div", "section", "header", "h1", "h2", "h3", "h4", "h5", "h6"})

    # -- scoring: a paragraph scores 1, plus one per comma-separated part, plus one per 100 characters (up
    # to 3); its parent gets all of that, its grandparent half, and each level above a third of it per level.
    min_scored_chars: int = 25  # shorter paragraphs (captions, labels, buttons) say nothing about their container
    scored_ancestor_levels: int = 5
    length_bonus_chars: int = 100
    length_bonus_max: int = 3
    ancestor_divider: int = 3  # level n >= 2 gets score / (3 n)
    class_weight: int = 25  # what a POSITIVE or NEGATIVE class or id adds or takes away

    # -- the winner
    # Three runners-up scoring at least 0.75 of the winner, under one ancestor: that ancestor holds the article
    # (an article split in several scored parts).
    runner_up_share: float = 0.75
    runners_up_needed: int = 3
    climb_floor_divisor: int = 3  # climbing from the winner stops at a parent scoring under a third of it
    # Siblings of the winner join the article when they score at least max(10, 0.2 x the winner's score),
    # with a bonus of 0.2 x the winner's score when they share its class (text split by ads, preambles).
    sibling_min_score: float = 10.0
    sibling_score_share: float = 0.2
    sibling_class_bonus: float = 0.2
    # An unscored paragraph beside the winner joins it when long and not a link list, or short, link-free and
    # ending a sentence.
    sibling_long_paragraph_chars: int = 80
    sibling_max_link_density: float = 0.25
    # What a sibling that joins the article may stay as; anything else becomes a div. Readability keeps the
    # first six; the rest stay too, so that their blocks keep their kind (a table's rows, a quote, a heading).
    sibling_tags: frozenset[str] = frozenset(
        {"div", "article", "section", "p", "ol", "ul"}
        | {"table", "blockquote", "pre", "h2", "h3", "h4", "h5", "h6", "figure", "dl"}
    )

    # -- cleaning the winner ("clean conditionally")
    list_share: float = 0.9  # an element whose text is this much list text is judged as a list
    commas_keep: int = 10  # so many commas is prose, whatever else the element holds
    list_item_allowance: int = 100  # list items beyond the paragraphs before "more items than paragraphs" counts
    images_per_paragraph: float = 0.5  # more than one image and fewer than 0.5 paragraphs per image: a gallery
    inputs_per_paragraphs: int = 3  # more inputs than a third of the paragraphs: a form
    short_text_chars: int = 25  # a short linked bit outside a list and a figure is a widget
    max_heading_density: float = 0.9  # ... unless it is mostly a heading
    max_images_in_short_text: int = 2  # ... or holds exactly one or two images
    max_link_density_weak: float = 0.2  # an element without a positive class: a link box above this
    max_link_density_strong: float = 0.5  # an element with a positive class (weight >= class_weight): above this
    lone_embed_min_chars: int = 75  # one embed with less text than this is a widget (a video is kept earlier)

    # -- data tables (kept whole): this many rows, or more columns than this, or more cells than this
    data_table_rows: int = 10
    data_table_columns: int = 4
    data_table_cells: int = 10


READER = ReaderTunables()
NEVER_NARRATED_SHARE = 0.25  # a bio or "read more" box is a small part of the article around it
MAX_LINK_DENSITY = 0.5  # an "article" that is mostly link text is a home page or an index
TOP_CANDIDATES = 5
MIN_ARTICLE_TOKENS = 12  # CJK characters count one each, like the benchmark's tokens
# The ensemble (ensemble.py): a block counts as chosen by both extractors when this share of its
# words is in the other's text (they split inline text differently, so exact text rarely matches).
AGREEMENT = 0.9
# How many of our blocks around the last match a block of trafilatura's is looked for among.
MERGE_WINDOW = 80
# A block only trafilatura chose, from outside the part of the page we took for the article, is left
# out when the two agree on at least this share of trafilatura's text (it found our article plus that).
THEIRS_FROM_ELSEWHERE = 0.5
# ... and when trafilatura's text holds at least this share of ours, our reading was whole: a block of
# theirs from elsewhere that sits between blocks we agree on interrupts the article (a teaser, a feed).
OURS_CONFIRMED = 0.9
# ... unless it follows a heading of theirs this like the page's title (most of its words are the title's).
TITLE_SIMILARITY = 0.75
SENTENCE_END = re.compile(r"[.!?。！？…»\"”’)]\s*$")
# Characters no text from a page may keep (clean.py): those XML 1.0 cannot hold (the feed would be
# refused), C1 controls, bidi embeddings, overrides and isolates (they reorder what a page shows),
# the zero-width no-break space / stray BOM, and the soft hyphen (a place a word may break, not part of it).
UNSPEAKABLE_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff" "\u202a-\u202e\u2066-\u2069\ufeff\u00ad]"
)
# An entity left in the text after the parser decoded the page once: a CMS that escaped twice
# (&amp;mdash;, &amp;#233;) or wrote a literal &mdash; into a text field.
LEFTOVER_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Listing and index pages (several posts in a row): what marks one entry (an <article>, or these
# classes), the text an entry holds at least (a teaser card is not an entry), and how like the page's
# title an entry's heading must be to be the one the page is about.
ENTRY = re.compile(r"(^|\s)(h-entry|hentry|type-post|blog-post)(\s|$)", re.IGNORECASE)
ENTRY_MIN_CHARS = 200
ENTRY_MIN_PARAGRAPHS = 2  # of at least 40 characters: a teaser card has one excerpt, a post has paragraphs
ENTRY_SHARE_OF_PAGE = 0.5  # a listing page is mostly its entries; a carousel of cards beside an article is not
ENTRY_TITLE_SIMILARITY = 0.75
# The standfirst (lead.py): the page's description found as the text of an element before the article.
# Shorter descriptions are a site's slogan or the title again; longer elements are a container, not a paragraph.
LEAD_MIN_CHARS = 50
LEAD_MAX_CHARS = 1000
LEAD_PREFIX_CHARS = 40  # how much of the description is looked for at the start of an element's text
LEAD_NEVER_INSIDE = frozenset({"a", "nav", "footer", "aside", "form", "figcaption", "button", "select", "label"})
# Bounds on the work one page may cost, far above any real review (the corpus's largest pages have
# about 1 million characters and 10,000 elements); extraction time grows with the element count.
MAX_PAGE_CHARS = 5_000_000
MAX_PAGE_ELEMENTS = 60_000
