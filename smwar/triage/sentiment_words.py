"""The words sentiment is read from besides the published lexicons (VADER's for English, the
German Polarity Lexicon for German): how people complain about and praise a company online,
what negates, boosts and contrasts in each language, the phrases of sarcasm, and the emoji
whose meaning depends on what stands around them. Valences are on VADER's scale (-4…4);
multi-word entries are phrases, matched word by word."""

from __future__ import annotations

from typing import Final

# VADER's booster increment, which its authors derived from human ratings
BOOST: Final = 0.293

# A word's part in a complaint: a failure (an outage, a defect, waiting, money gone), its
# resolution ("fixed", "geht wieder"), a response (what a person or a machine should do or a
# customer should have: a reply, a visit, a start, the internet; its lack is a failure: "has not
# replied", "reagiert nicht", "startet nicht", "kein Internet") or a cue of sarcasm ("danke
# auch", 🙃)
FAILURE, RESOLUTION, RESPONSE, SARCASM = "failure", "resolution", "response", "sarcasm"
IRONIC = "ironic"  # the role of praise that sarcasm turned round

GERMAN_NEGATORS: Final = frozenset({
    "nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "nie", "niemals", "nichts", "ohne", "nix",
    "net", "garnicht", "niemand", "niemandem", "niemanden", "weder", "nirgends", "keinerlei", "null", "0",
})  # fmt: skip
ENGLISH_NEGATORS: Final = frozenset({
    "not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "nowhere", "without", "cannot", "cant",
    "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "wont", "wouldnt", "couldnt", "shouldnt",
    "hasnt", "havent", "hadnt", "aint", "nope", "zero", "0",
})  # fmt: skip
# negators that negate only what follows them, never a verb before them ("läuft ohne Murren"),
# and the words that, after a preposition, make a negator do so too ("kaputt nach nicht mal
# zwei Wochen", but "passt nicht mal durch die Tür")
LEADING_NEGATORS: Final = frozenset({"ohne", "without"})
NOT_EVEN: Final = frozenset({"mal", "einmal", "even"})
# the words after which a negator negates nothing: "nicht nur laut, sondern auch undicht"
NOT_ONLY: Final = frozenset({"nur", "only", "just", "but"})  # and "nothing but praise"
# "can't … enough" praises: "can't recommend it enough", "can't thank them enough"
CANNOT: Final = frozenset({"can't", "cannot", "cant", "couldn't"})
# words a negation reaches across without their counting toward its reach of three words:
# "never had a single problem", "nie ist auch nur ein Tropfen ausgelaufen", "not one call back"
SCOPE_FILLERS: Final = frozenset({
    "a", "an", "the", "single", "one", "even", "ein", "eine", "einen", "einem", "einer", "eines", "einzigen",
    "einziger", "einziges", "auch", "nur", "mal", "mehr", "der", "die", "das", "den", "dem", "des", "once", "anyone",
    "anybody", "did", "does", "jemand",
})  # fmt: skip
# prepositions and conjunctions at which a negation's reach ends: "kein Tropfen seit der Reparatur"
SCOPE_ENDS: Final = frozenset({
    "seit", "nach", "mit", "bei", "für", "wegen", "weil", "in", "vor", "since", "after", "with", "for", "because",
    "within",
})  # fmt: skip
# numbers written out carry nothing: a phrase is read across them ("seit vier Monaten" as "seit
# Monaten") and a negation reaches across them
NUMERALS: Final = frozenset({
    "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf", "zwölf", "zwanzig",
    "dreißig", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "twenty", "thirty",
})  # fmt: skip
GERMAN_BOOSTERS: Final = {
    "sehr": BOOST, "total": BOOST, "mega": BOOST, "extrem": BOOST, "echt": BOOST, "voll": BOOST,
    "absolut": BOOST, "richtig": BOOST, "so": BOOST, "wirklich": BOOST, "völlig": BOOST, "komplett": BOOST,
    "unglaublich": BOOST, "besonders": BOOST, "äußerst": BOOST, "ziemlich": BOOST, "dermaßen": BOOST,
    "super": BOOST, "ultra": BOOST, "tierisch": BOOST, "einfach": BOOST,
    "kaum": -BOOST, "etwas": -BOOST, "bisschen": -BOOST, "eher": -BOOST, "halbwegs": -BOOST, "leicht": -BOOST,
}  # fmt: skip
# VADER's boosters, and these
ENGLISH_BOOSTERS: Final = {"super": BOOST, "mega": BOOST}
# what comes after counts 1.5 times, what comes before half (VADER's "but")
GERMAN_CONTRAST: Final = frozenset(["aber", "doch", "jedoch", "allerdings", "trotzdem", "dennoch", "sondern"])
ENGLISH_CONTRAST: Final = frozenset(["but", "however", "although", "though"])
# "nicht laut, sondern leise": what a negator before it negated is set aside, not turned round;
# so is what "neither … nor" negates
CORRECTION: Final = frozenset({"sondern", "rather", "instead"})
VOIDING_NEGATORS: Final = frozenset({"neither", "nor", "weder"})
# boosters that are praise of their own where they boost nothing ("Super!", "Mega!")
STANDALONE_BOOSTERS: Final = frozenset({"super", "mega"})
# calls to follow a link, which with one make a post bait, of no sentiment
SPAM_CALLS: Final = (
    "hier klicken", "jetzt klicken", "jetzt sichern", "gratis sichern", "nur heute", "click here", "claim your",
    "claim now", "limited time", "link in bio",
)  # fmt: skip
# the particles of German separable verbs, which end the clause apart from the verb: "die App
# loggt mich ständig aus", "die Hotline legt einfach auf"
PARTICLES: Final = frozenset({"aus", "ab", "an", "auf", "ein", "raus", "rein", "zurück", "weg", "zu", "um", "durch"})
# after these a number counts a span, not a wait: "nach vier Wochen im Dauertest", "after two weeks"
COUNTING: Final = frozenset({"nach", "after"})
# what is needed: a response not needed is not missed ("kein Techniker nötig")
NEEDED: Final = frozenset({"nötig", "notwendig", "erforderlich", "needed", "necessary", "required"})
# asked, these are impatience, not relief: "Wann kommt endlich der Techniker?"
IMPATIENCE: Final = frozenset({"endlich", "finally"})
# what is only wished or imagined carries no sentiment: "ich dachte, sie wäre kaputt"
IRREALIS: Final = frozenset({"wäre", "wären", "hätte", "hätten"})
# what follows a hedge is only claimed, asked, written about or denied evidence, and carries no
# sentiment: "the alleged breach", "ob die wirklich so leise ist", "keine Belege, dass Daten
# abgeflossen sind", "working on a story about AquaPro leaks"
HEDGES: Final = frozenset({
    "alleged", "allegedly", "reportedly", "supposedly", "unconfirmed", "rumour", "rumours", "rumor", "rumors",
    "whether", "evidence", "story", "piece", "article", "covering", "recherche", "recherchiere", "recherchieren",
    "mutmaßlich", "mutmaßliche", "mutmaßlichen", "mutmaßlicher", "mutmaßliches",
    "angeblich", "angebliche", "angeblichen", "angeblicher", "angebliches", "unbestätigt", "unbestätigte",
    "unbestätigten", "gerücht", "gerüchte", "gerüchten", "ob", "beleg", "belege", "belegen", "hinweise",
})  # fmt: skip
# but "ich hätte gern eine Antwort" is a polite request, and what stands around it is real
POLITE: Final = frozenset({"gern", "gerne"})

# Words of online complaint and praise the German lexicon (written from newspaper text) lacks,
# and some of its entries that online are no sentiment ("ehrlich gesagt", "klar"): valence 0
GERMAN_WORDS: Final = {
    "kaputt": -2.0, "defekt": -1.8, "abzocke": -2.8, "abzocken": -2.5, "betrug": -2.8, "betrüger": -2.8,
    "frechheit": -2.5, "schrott": -2.5, "mist": -1.8, "müll": -2.0, "scheiße": -3.0, "scheiss": -3.0,
    "beschissen": -3.0, "mies": -2.0, "lächerlich": -2.0, "unverschämt": -2.5, "ätzend": -2.2,
    "nervig": -1.8, "nervt": -1.8, "peinlich": -2.0, "unfähig": -2.5, "wucher": -2.2, "reinfall": -2.2,
    "ärgerlich": -1.8, "sauer": -1.8, "wütend": -2.5, "stinksauer": -3.0, "hinhalten": -1.5,
    "ignoriert": -1.5, "vertröstet": -1.5, "finger weg": -2.5, "danke": 1.8, "dankeschön": 2.0,
    "vielen dank": 2.2, "top": 2.0, "klasse": 2.2, "spitze": 2.2, "genial": 2.5, "klappt": 1.0,
    "funktioniert": 0.8, "zufrieden": 2.0, "begeistert": 2.5, "hilfreich": 1.8, "freundlich": 1.8,
    "kompetent": 1.8, "empfehlenswert": 2.2, "lieblings": 1.5, "geil": 2.2, "cool": 1.5,
    "schnell": 0.8, "unkompliziert": 1.5, "super": 2.2, "katastrophe": -2.8, "desaster": -2.8, "leider": -0.8,
    "ärger": -1.8, "problem": -1.2, "beschwerde": -1.2, "reklamation": -1.0, "skandal": -2.5, "sorry": -0.5,
    "unmöglich": -1.8, "zumutung": -2.5, "schade": -1.2, "blöd": -1.8, "doof": -1.8, "daneben": -1.8,
    "frustrierend": -2.0, "lachhaft": -2.2, "saftladen": -2.5, "enttäuscht": -2.2, "enttäuschend": -2.2,
    "leise": 1.0, "flüsterleise": 1.5, "zuverlässig": 1.8, "pünktlich": 1.5, "chapeau": 2.5, "bravo": 2.0,
    "traum": 2.2, "der hammer": 2.5, "mega teil": 2.5, "großartig": 2.5, "fair": 1.5, "nett": 1.5,
    "gefreut": 1.0, "warnung": -1.2, "unter aller kanone": -3.0, "schlag ins gesicht": -2.5,
    "den geist aufgibt": -2.0, "gibt den geist auf": -2.0, "funkstille": -1.8, "unbrauchbar": -2.2,
    "spaß": 1.5, "schick": 1.5, "beste": 2.5, "empfehle": 1.8, "testsieger": 2.2, "wie ein uhrwerk": 2.0,
    "keine probleme": 1.5, "null probleme": 1.5, "ich liebe": 2.5, "liebe es": 2.5, "shoutout": 1.5,
    "geschmacklos": -2.2, "widerlich": -2.5, "ekelhaft": -2.5, "respektlos": -2.2,
    "mega": 2.0, "wieder kaufen": 2.0, "nicht kaufen": -2.0, "sucht": 0.0, "dauert": 0.0, "dauern": 0.0,
    "einen stern": -1.5, "ein stern": -1.5, "liebe leute": 0.0, "lieber": 0.0,
    "leck mich": -3.0, "können mich mal": -2.5, "kann mich mal": -2.5, "elektroschrott": -2.5, "idioten": -2.5,
    "ehrlich": 0.0, "ehrliche": 0.0, "interessant": 0.0, "klar": 0.0, "sicher": 0.0, "frage": 0.0, "lohnt": 0.0,
    "liebe": 0.0, "liebes": 0.0, "fertig": 0.0, "mitgenommen": 0.0, "ruft": 0.0, "zieht": 0.0, "wie versprochen": 1.0,
    "rät": 0.0, "der wahnsinn": 2.0, "tiefe": 0.0, "testsieg": 2.2, "gerettet": 1.5,
    # praise the lexicon lacks: smooth running, value, expectations exceeded
    "reibungslos": 1.8, "problemlos": 1.5, "tadellos": 2.0, "jeden cent wert": 2.2, "übertroffen": 1.8,
    "kinderleicht": 1.5, "nicht besser laufen können": 2.5, "nicht besser sein können": 2.5, "kaufempfehlung": 2.0,
    "wie am schnürchen": 2.0, "ein gedicht": 2.0, "hält was sie verspricht": 2.0, "hält was er verspricht": 2.0,
    # "warum" asked of a company asks it to account for itself: a reproach, not a plain question
    "warum": -1.5, "wieso": -1.5, "weshalb": -1.5,
    "lecker": 2.0, "kulanz": 1.8, "kulant": 2.0, "wie neu": 1.8, "so muss das sein": 1.8, "so muss es sein": 1.8,
    "riecht frisch": 1.5, "riecht gut": 1.5, "fehlkauf": -2.2, "nicht ok": -1.8, "nicht okay": -1.8,
    "nicht in ordnung": -1.8, "unzumutbar": -2.5, "teurer": -1.0, "spam": -1.5, "fake": -1.8, "masche": -1.5,
    "betrugsmasche": -2.5, "ausrede": -1.5, "ausreden": -1.5,
    "nutzlos": -2.0, "sinnlos": -1.8, "vergeblich": -1.2, "lärm": -1.5, "krach": -1.5, "zu laut": -1.5,
    "lohnt sich nicht": -1.8, "könnte besser sein": -1.2, "luft nach oben": -1.0,
    # insults and scorn
    "vollidioten": -3.0, "deppen": -2.5, "witzfiguren": -2.5, "amateure": -2.0, "stümper": -2.5,
    "versager": -2.5, "luschen": -2.2, "trottel": -2.5, "lügner": -2.5, "verbrecher": -2.8, "gauner": -2.5,
    "schneeflocken": -1.5, "clowns": -2.0, "lachnummer": -2.2, "armutszeugnis": -2.5, "drecksladen": -3.0,
    "scheißladen": -3.0, "schrottladen": -2.5, "kindergarten": -1.5, "hohlköpfe": -2.5, "dummheit": -2.2,
    "schwachsinn": -2.2, "blödsinn": -2.0, "quatsch": -1.5, "unsinn": -1.5, "vertuschen": -1.8, "heuchler": -2.2,
    "witzlos": -2.0, "witz": -1.5, "propaganda": -1.5,
    # cynicism and indignation; congratulations (which sarcasm turns round); what only asks
    "wundert mich nicht": -1.2, "überrascht mich nicht": -1.2, "bergab": -1.5, "abkassieren": -2.0,
    "abtauchen": -1.2, "unfassbar dass": -1.8, "unglaublich dass": -1.8, "zu viel verlangt": -1.5,
    "hut ab": 2.0, "glückwunsch": 2.0, "herzlichen glückwunsch": 2.2, "bittet": 0.0, "bitten": 0.0,
    "update": 0.0,
}  # fmt: skip
GERMAN_VERBS: Final = frozenset({
    "klappt", "funktioniert", "nervt", "ignoriert", "vertröstet", "hinhalten", "abzocken", "empfehle",
})  # fmt: skip
ENGLISH_WORDS: Final = {
    "finally": 0.8, "reliable": 1.8, "kudos": 2.0, "rip-off": -2.5, "ripoff": -2.5, "scam": -2.8,
    "flimsy": -1.8, "decorative": -0.8, "junk": -2.2, "slow": -1.0,
    "quiet": 1.2, "silent": 1.2, "fast": 1.0, "quick": 1.0, "durable": 1.5, "sturdy": 1.2, "built to last": 1.5,
    "punctual": 1.2, "polite": 1.2, "overpriced": -1.8, "favourite": 2.0, "gold standard": 2.0, "legend": 1.5,
    "customer for life": 2.5, "shoutout": 1.5, "a joke": -2.0, "five stars": 2.5, "one star": -2.2, "fine": 0.8,
    "sorted": 0.8,
    "ok": 0.0, "okay": 0.0, "like": 0.0, "please": 0.0, "curious": 0.0, "sure": 0.0, "yeah": 0.0, "worth": 0.0,
    "hope": 0.0, "help": 0.0, "pretty": 0.0, "kind": 0.0, "question": 0.0, "support": 0.0, "dear": 0.0,
    "worth it": 1.8, "worth the money": 1.5, "done with": -1.5, "would buy again": 2.0, "don't buy": -2.0,
    "losing my mind": -2.0, "nobody asked": -1.5, "fell off": -1.5, "clowns": -2.0,
    "thanks to": 0.0, "certain": 0.0, "honestly": 0.0, "creating": 0.0, "creates": 0.0, "share": 0.0,
    "why": -1.5, "affected": 0.0, "did its job": 1.5, "does its job": 1.5,
    # praise VADER lacks: smooth running, value, expectations exceeded
    "spot on": 1.8, "game changer": 2.0, "worth every penny": 2.2, "rock solid": 2.0, "does the job": 1.2,
    "seamless": 1.5, "smooth": 1.2, "a breeze": 1.8, "exceeded": 1.5, "couldn't be happier": 2.5,
    "could not be happier": 2.5, "couldn't be better": 2.5,
    # words of VADER's that here mostly carry nothing or the opposite: "Well, the app is down again",
    # "third party", "is it true that", "energy label", "credit card"
    "well": 0.0, "works well": 1.5, "well made": 1.8, "well built": 1.8, "went well": 1.5, "third party": 0.0,
    "true": 0.0, "yes": 0.0, "energy": 0.0, "credit": 0.0, "credit where it's due": 2.0, "growth": 0.0, "play": 0.0,
    "joke": -1.0, "piece of junk": -2.5, "piece of crap": -3.0, "piece of garbage": -2.5, "piece of trash": -2.5,
    "horror story": -2.0, "same old story": -1.5, "how not to": -1.5,
    "only thing that works": -1.2,
    "like new": 1.8, "smells fresh": 1.5, "smells great": 1.5,
    "not ok": -1.8, "not okay": -1.8, "unusable": -2.0, "nightmare": -2.5, "hassle": -1.5, "pointless": -1.5,
    "garbage": -2.2, "noisy": -1.5, "too loud": -1.5, "could be better": -1.2, "room for improvement": -1.0,
    # insults and scorn
    "crooks": -2.5, "shills": -2.0, "amateurs": -2.0, "clown": -2.0, "bozo": -2.0, "amateur hour": -2.2,
    "clown show": -2.5, "brainwashed": -2.0, "what a joke": -2.0, "oxymoron": -1.5, "well done": 2.0, "cuts": 0.0,
    # cynicism and indignation
    "not surprised": -1.2, "no surprise": -1.0, "downhill": -1.5, "unbelievable that": -1.8,
    "too much to ask": -1.5, "trade fair": 0.0, "care programme": 0.0, "care program": 0.0,
}  # fmt: skip

# The roles of words: what fails, what resolves it, what is said in sarcasm. A failure carries
# the valence given here (none if 0: only its part counts); a negated failure ("nicht mehr
# undicht", "no longer leaking") is a resolution, a negated resolution ("isn't fixed") a failure.
# Most failures are the bundled runbooks' words for a defect, an outage, a leak of data and an
# offensive ad, and some praise is the words of their positive hype.
GERMAN_ROLES: Final = {
    FAILURE: {
        "ausfall": -1.5, "ausgefallen": -1.5, "störung": -1.2, "down": -1.5, "offline": -1.0, "abgestürzt": -1.5,
        "stürzt ab": -1.5, "absturz": -1.5, "fehler": -1.2, "fehlercode": -1.2, "serverfehler": -1.5,
        "serverprobleme": -1.5, "geht nicht": -1.5, "funktioniert nicht": -1.5, "klappt nicht": -1.5,
        "nicht erreichbar": -1.5, "unerreichbar": -1.5, "lädt nicht": -1.2, "schlägt fehl": -1.5,
        "schiefgelaufen": -1.5, "tot": -1.5, "hängt": -0.8, "keine verbindung": -1.2, "wirft mich raus": -1.2,
        "undicht": -1.5, "ausgelaufen": -1.5, "läuft aus": -1.5, "ausläuft": -1.5, "leckt": -1.5,
        "verliert wasser": -1.5, "tropft": -1.2, "überschwemmung": -2.0, "überschwemmt": -2.0, "geflutet": -2.0,
        "wasserschaden": -2.0, "unter wasser": -1.5, "geplatzt": -1.5, "aufgequollen": -1.5, "rissig": -1.5,
        "kaputt": 0.0, "defekt": 0.0, "warteschleife": -1.2, "wartezeit": -1.0, "gewartet": -1.0,
        "keine antwort": -1.5, "schon wieder": -1.0, "immer noch nicht": -1.2, "immer noch kein": -1.2,
        "immer noch keine": -1.2, "noch immer nicht": -1.2, "noch immer kein": -1.2, "seit tagen": -1.0,
        "seit wochen": -1.0, "zum dritten mal": -1.2, "zum zweiten mal": -1.0, "storniert": -1.0,
        "abgelehnt": -1.2, "verspätet": -1.2, "datenleck": -2.0, "datenpanne": -2.0, "gehackt": -2.0,
        "geleakt": -2.0, "sicherheitslücke": -1.8, "sexistisch": -2.5, "rassistisch": -2.5,
        "diskriminierend": -2.2, "problem": 0.0, "probleme": -1.2, "ärger": 0.0, "beschwerde": 0.0,
        "rumpelt": -1.2, "wasserlache": -1.5, "eingesperrt": -1.0, "delle": -1.2, "verbeult": -1.5,
        "frühestens": -0.8,
        "reklamiert": -1.0, "stürzt": -1.2, "zu spät": -1.2, "wieder weg": -1.0, "stinkt": -1.8, "riecht": -0.8,
        "timeout": -1.0, "wartungsmodus": -0.8, "ins leere": -1.2, "schmeißt mich raus": -1.2, "pfütze": -1.2,
        "wasser überall": -1.8, "steht wasser": -1.5, "abgesoffen": -1.8, "gerissen": -1.2, "ruiniert": -2.0,
        "geknackt": -1.8, "kompromittiert": 0.0, "abgeflossen": -1.8, "darknet": -1.5, "frauenfeindlich": 0.0,
        "bodyshaming": -2.2, "übergriffig": -2.0, "herablassend": -1.5, "boykott": -1.5, "shitstorm": -1.8,
        "unterste schublade": -2.5, "schlechter witz": -2.0, "fremdgeschämt": -1.8, "phishing": -1.5,
        "lieferzeit": -0.5, "nie wieder": -2.5, "geld zurück": -1.5, "wer hat das getestet": -1.5,
        "wer hat das bitte getestet": -1.5,
        # money, parts, damage, waiting, being fobbed off, hazards: the common complaints
        "doppelt abgebucht": -1.8, "zweimal abgebucht": -1.8, "doppelt berechnet": -1.8,
        "zweimal berechnet": -1.8, "inkasso": -1.8, "fehlt": -1.0, "fehlen": -1.0, "fehlte": -1.0,
        "fehlende": -1.0, "beschädigt": -1.8, "zerkratzt": -1.5, "aufgelegt": -1.5, "rausgeflogen": -1.2,
        "abgewimmelt": -2.0, "verschlampt": -1.8, "verbummelt": -1.5, "gesperrt": -1.0, "schimmel": -2.0,
        "rost": -1.5, "rostet": -1.5, "verrostet": -1.5, "verstopft": -1.2, "überhitzt": -1.8, "qualmt": -2.0,
        "geschmolzen": -1.8, "kurzschluss": -1.8, "stromschlag": -2.0, "fehlermeldung": -1.2, "ewig": -1.0,
        "ewigkeit": -1.0, "ewigkeiten": -1.0, "stundenlang": -1.0, "tagelang": -1.0, "wochenlang": -1.0,
        "monatelang": -1.2, "tropfen": 0.0, "seit stunden": -1.0, "seit monaten": -1.0,
        "dasselbe problem": -1.2, "gleiche problem": -1.2, "gleiche fehler": -1.2, "gleiche spiel": -1.2,
        "warte": -0.8, "warten": -0.8, "wartet": -0.8,
        # noises, postponements, losses
        "quietscht": -1.2, "quietschen": -1.2, "klappert": -1.2, "klappern": -1.2, "brummt": -1.0, "dröhnt": -1.2,
        "vibriert": -1.0, "wackelt": -1.0, "ruckelt": -1.0, "geräusche": -0.8, "verschoben": -1.0,
        "verschiebt": -1.0, "verloren": -1.2, "voller wasser": -1.2, "schweigt": -1.2, "schweigen": -1.2,
        "aufgibt": -1.5, "gibt auf": -1.5, "aufgegeben": -1.5, "gefahr": -1.8, "warnt": -1.0, "klage": -1.5,
        "ermittlungen": -1.0, "immer noch nichts": -1.5, "bis heute nichts": -1.5, "noch nass": -1.2,
        "besetzt": -1.0, "zurückschicken": -1.2, "wie kann das sein": -1.2,
        # jamming, stopping, residue, bills twice over
        "klemmt": -1.2, "klemmen": -1.2, "verklemmt": -1.2, "hakt": -1.0, "bleibt stehen": -1.2,
        "schaltet ab": -1.2, "schaltet sich ab": -1.2, "bricht ab": -1.2, "rückstände": -1.0, "verklebt": -1.2,
        "verkalkt": -1.2, "verschimmelt": -2.0, "doppelte rechnung": -1.5, "rechnung doppelt": -1.5,
        "doppelt bezahlt": -1.8, "zweimal bezahlt": -1.8, "zweimal zahlen": -1.5, "doppelt zahlen": -1.5,
        "nie passiert": -1.5, "versteckt": -1.0, "verstecken": -1.0,
        # helplessness, and a customer's next steps: cancelling, a lawyer
        "was nun": -1.0, "wie geht es jetzt weiter": -1.0, "wie geht's jetzt weiter": -1.0, "was soll ich tun": -1.0,
        "was soll ich jetzt tun": -1.0, "an wen kann ich mich wenden": -1.0, "kündige": -1.0, "widerruf": -0.8,
        "reklamieren": -1.0, "anwalt": -1.2,
        "panne": -1.5, "pannen": -1.5, "leck": -1.5, "lecks": -1.5, "verzögerung": -1.0, "verzögerungen": -1.0,
        "verspätung": -1.0, "rückrufaktion": -1.5, "textbaustein": -1.5, "textbausteine": -1.5,
        "standardantwort": -1.2, "flecken": -1.2, "fleckig": -1.2, "grauschleier": -1.2,
        "komme nicht durch": -1.5, "legt auf": -1.5, "wasser auf dem boden": -1.2, "nicht nennen": -1.2,
        "vergessen": -1.2,
        "vergisst": -1.2, "nach wochen": -1.0, "nach monaten": -1.0,
        # stopping, unasked changes to an account, promises, contradictions
        "aufgehört": -1.2, "hört auf": -1.2, "nie angefordert": -1.2, "nicht angefordert": -1.2,
        "versprochen": -0.8, "widersprüchlich": -1.2, "widersprüchliche": -1.2,
        "verschiedene auskünfte": -1.2,
        # a promise or an expectation not kept
        "zugesagt": -0.8, "sollte eigentlich": -1.0, "bitte helft": -1.0, "helft mir": -1.0,
        # logged out, looping, botched, running over; accusations
        "ausgeloggt": -1.2, "rausgeworfen": -1.2, "endlosschleife": -1.5, "kommt nicht an": -1.2,
        "kommt nie an": -1.5, "verpfuscht": -1.8, "ausfallzeit": -1.5, "wasserfleck": -1.2, "loggt aus": -1.2,
        "läuft über": -1.2, "fällt aus": -1.5, "sexismus": -2.0, "vorwurf": -1.5, "vorwürfe": -1.5,
        "vorwürfen": -1.5,
    },
    RESOLUTION: {
        "gelöst": 1.8, "behoben": 1.8, "repariert": 1.5, "erstattet": 1.5, "geht wieder": 1.5,
        "funktioniert wieder": 1.5, "endlich": 0.8, "lösung": 1.0, "getauscht": 1.0, "ausgetauscht": 1.0,
    },
    RESPONSE: {
        "gemeldet": 0.5, "geantwortet": 0.5, "antwortet": 0.3, "antworten": 0.3, "reagiert": 0.3,
        "zurückgerufen": 0.8, "ruft zurück": 0.5, "angekommen": 0.3, "geliefert": 0.3,
        # what is expected of a person or a machine, with no sentiment of its own ("startet",
        # "ruft an"): only its lack is a failure ("dreht sich nicht mehr", "niemand ruft an")
        "ruft": 0.0, "anrufen": 0.0, "angerufen": 0.0, "meldet": 0.0, "melden": 0.0, "kommt": 0.0, "gekommen": 0.0,
        "erschienen": 0.0, "bekommen": 0.0, "bekommt": 0.0, "erhalten": 0.0, "startet": 0.0, "starten": 0.0,
        "läuft": 0.0, "dreht": 0.0, "drehen": 0.0, "schleudert": 0.0, "schleudern": 0.0,
        "pumpt": 0.0, "pumpen": 0.0, "heizt": 0.0, "heizen": 0.0, "trocknet": 0.0, "trocknen": 0.0, "spült": 0.0,
        "spülen": 0.0, "wäscht": 0.0, "verbindet": 0.0, "verbinden": 0.0, "einloggen": 0.0,
        "anmelden": 0.0, "öffnet": 0.0, "öffnen": 0.0, "geht": 0.0, "gehen": 0.0, "lädt": 0.0, "laden": 0.0,
        "passt": 0.0, "stimmt": 0.0, "ergebnis": 0.0, "funktioniert": 0.0, "klappt": 0.0, "kümmern": 0.0,
        "kümmert": 0.0, "zieht": 0.0, "angeschlossen": 0.0, "installiert": 0.0,
        "aufgebaut": 0.0,
        "hält": 0.0, "gehalten": 0.0, "nimmt ab": 0.0, "hebt ab": 0.0, "lieferbar": 0.0, "verfügbar": 0.0,
        # what a customer should have: to be without it is a failure ("seit 3 Tagen kein Internet",
        # "eine Woche ohne Trockner")
        "trockner": 0.0, "internet": 0.0, "strom": 0.0, "warmwasser": 0.0,
        "techniker": 0.0, "termin": 0.0, "rückmeldung": 0.0, "rückruf": 0.0, "lieferung": 0.0, "ersatzteil": 0.0,
    },
    SARCASM: {
        "danke auch": -2.0, "danke für nichts": -2.5, "vielen dank für nichts": -2.5, "danke für nix": -2.5,
        "na toll": -2.0, "na super": -2.0, "na klasse": -2.0, "na prima": -2.0, "na bravo": -2.0,
        "wer hätte das gedacht": -1.5, "macht ja spaß": -2.0, "ganz toll": -1.0, "na wunderbar": -2.0,
        "na herrlich": -2.0, "na perfekt": -2.0, "na danke": -2.0, "ganz großes kino": -2.0, "läuft bei euch": -1.5,
        "läuft bei dir": -1.5, "was ich heute brauchte": -1.5, "genau das was ich brauchte": -1.5,
        "hätte ich bloß": -1.5, "hätte ich doch": -1.2,
    },
}  # fmt: skip
ENGLISH_ROLES: Final = {
    FAILURE: {
        "outage": -1.5, "outages": -1.5, "down": -1.2, "offline": -1.0, "crash": 0.0, "crashes": -1.5,
        "crashed": -1.5, "error": 0.0, "errors": -1.5, "fails": 0.0, "failed": 0.0, "failing": -1.8,
        "not working": -1.5, "doesn't work": -1.5, "won't load": -1.5, "can't log in": -1.5, "timeout": -1.0,
        "timing out": -1.2, "unavailable": -1.2, "unreachable": -1.2, "bad gateway": -1.5, "dead": 0.0,
        "broken": 0.0, "broke": -1.5, "leak": 0.0, "leaks": -1.4, "leaking": -1.5, "leaked": -1.8,
        "flooded": -2.0, "flood": -1.5, "water damage": -2.0, "soaked": -1.0, "burst": -1.2, "cracked": -1.2,
        "on hold": -1.2, "waiting": -0.8, "still waiting": -1.5, "still no": -1.5, "still not": -1.5,
        "still pending": -1.5, "still doesn't": -1.5, "still don't": -1.5, "still can't": -1.5,
        "still hasn't": -1.5, "still haven't": -1.5, "still isn't": -1.5, "no response": -1.5, "no answer": -1.5,
        "no reply": -1.5, "yet again": -1.0, "once again": -0.8, "never happened": -1.5, "never arrived": -1.5,
        "never showed up": -1.5, "never came": -1.5, "hours late": -1.5, "days late": -1.5, "weeks late": -1.5,
        "third time": -1.0, "fourth time": -1.0, "fifth time": -1.0, "delayed": 0.0, "delay": 0.0,
        "stuck": 0.0, "lost": 0.0, "charged twice": -1.5, "overcharged": -1.8, "cancelled": 0.0,
        "canceled": -1.0, "hung up": -1.5, "data leak": -2.0, "breach": -2.0, "breached": -2.0, "hacked": -2.0,
        "sexist": -2.5, "racist": -2.5, "offensive": 0.0, "tone-deaf": -1.8, "never again": -2.5,
        "won't sync": -1.2, "won't let me": -1.2, "spins forever": -1.2, "loops forever": -1.2, "rings out": -1.2,
        "something went wrong": -1.2, "puddle": -1.2, "drip": 0.0, "dripping": -1.2, "drips": -1.2, "seeping": -1.2,
        "water everywhere": -1.8, "ruined": 0.0, "destroyed": 0.0, "stolen": 0.0, "exposed": -1.0,
        "pastebin": -1.5, "paste site": -1.5, "phishing": -1.5, "pwned": -2.0, "dumped": 0.0, "being sold": -1.5,
        "tasteless": -2.2, "disgusting": 0.0, "vile": 0.0, "disrespectful": -2.0, "demeaning": -2.0,
        "patronising": -1.8, "patronizing": -1.8, "misogynist": -2.5, "misogynistic": -2.5, "boycott": 0.0,
        "backlash": -1.5, "take it down": -1.5, "wtf": 0.0,
        "grinding": -1.2, "dent": -1.2, "dented": -1.5, "warped": -1.5,
        "locked in": -1.0, "stopped working": -1.5, "logs me out": -1.2, "logged me out": -1.2, "kicks me out": -1.2,
        "mopping up": -1.2,
        "dumpster fire": -3.0, "wear and tear": -1.0, "within spec": -1.0, "who signed off": -1.5,
        "who thought this was a good idea": -1.5,
        # money, parts, damage, waiting, being fobbed off, hazards: the common complaints
        "billed twice": -1.5, "double charged": -1.5, "double-charged": -1.5, "runaround": -1.8, "ghosted": -1.8,
        "excuses": -1.5, "disconnected": -1.2, "declined": -1.0, "overheat": -1.5, "rust": -1.5, "rusty": -1.5,
        "rusting": -1.5, "clogged": -1.2, "overheats": -1.8, "overheating": -1.8, "overheated": -1.8,
        "burnt": -1.5, "melted": -1.5, "dies": -1.5, "froze": -1.2, "freezes": -1.2, "glitch": -1.2,
        "glitchy": -1.5, "buggy": -1.5, "laggy": -1.2, "takes forever": -1.5, "took forever": -1.5,
        "same thing": -1.2, "same problem": -1.2, "same issue": -1.2, "darknet": -1.5, "covering it up": -1.5,
        "cover-up": -1.5, "issues": -1.2, "waited": -1.0,
        # a promise or an expectation not kept
        "squeaks": -1.2, "squeaking": -1.2, "rattles": -1.2, "rattling": -1.2, "vibrates": -1.0, "banging": -1.2,
        "noise": -0.8, "noises": -0.8, "bricked": -2.0, "crashing": -1.5, "lose": 0.0, "week late": -1.5,
        "month late": -1.5, "fills with water": -1.2, "full of water": -1.2, "standing water": -1.2,
        "logging me out": -1.2, "kicking me out": -1.2, "breaks": -1.2, "under maintenance": -1.0,
        "still nothing": -1.5, "still wet": -1.2, "still soapy": -1.2, "still dirty": -1.2, "always busy": -1.2,
        "how is this acceptable": -1.8, "how is that acceptable": -1.8, "for once": -1.2, "returning it": -1.2,
        "sending it back": -1.2, "i'm done": -1.5, "i am done": -1.5, "issue": 0.0,
        "jams": -1.2, "jammed": -1.2, "shuts off": -1.2, "cuts out": -1.2, "aborts": -1.2, "residue": -1.0,
        "gunk": -1.2, "sludge": -1.2, "invoiced twice": -1.5, "duplicate invoice": -1.5, "pay twice": -1.5,
        "duplicate charge": -1.5, "paid twice": -1.8, "charged me twice": -1.5, "tripped": -1.2, "mould": -1.5,
        "what now": -1.0, "what do i do now": -1.0, "what am i supposed to do": -1.0, "who do i contact": -1.0,
        "chargeback": -1.5, "lawyer": -1.2, "doesn't heat": -1.5, "won't heat": -1.5, "doesn't spin": -1.5,
        "after weeks": -1.0, "after months": -1.0, "won't turn": -1.5, "beeps": -0.8, "scratched": -1.5,
        "without a word": -1.2, "someone used my": -1.5, "streaks": -1.2, "dingy": -1.5, "stains": -1.2,
        "stained": -1.2, "hangs up": -1.5, "closed on me": -1.2, "can't get through": -1.5, "out of warranty": -0.8,
        "water on the floor": -1.2, "wouldn't call": -1.2,
        "without me asking": -1.2, "never requested": -1.2,
        "different answers": -1.2, "pooling": -1.2,
        "swamp": -1.2, "musty": -1.5, "mouldy": -1.8, "moldy": -1.8, "smelly": -1.5, "i've had better": -1.5,
        "just don't": -1.5, "testing my patience": -1.8,
        "mold": -1.5, "won't spin": -1.5, "gave up": -1.5,
        "gives up": -1.5, "lawsuit": -1.5, "investigation": -1.0, "probe into": -1.0,
        "supposed to": -1.0, "should have": -0.8, "should've": -0.8, "was promised": -1.0, "were promised": -1.0,
        "please help": -1.0,
        # logged out, looping, botched, flooding, stained
        "logged out": -1.2, "logging people out": -1.2, "login loop": -1.5, "botched": -1.8, "flooding": -2.0,
        "flaking": -1.2, "shrinkflation": -1.5, "no way to reach": -1.5, "can't get back in": -1.5,
        "never arrives": -1.5, "stain": -1.0, "water all over": -1.8, "all over the floor": -1.5,
    },
    RESOLUTION: {
        "fixed": 1.5, "resolved": 1.5, "solved": 1.5, "sorted": 1.0, "back online": 1.5, "working again": 1.5,
        "finally": 0.8, "replaced": 1.0, "refunded": 1.5, "fix": 0.0, "fixes": 0.0, "solve": 0.0, "solves": 0.0,
    },
    RESPONSE: {
        "replied": 0.5, "answered": 0.5, "responded": 0.5, "called back": 0.8, "showed up": 0.5, "arrived": 0.3,
        "worked": 0.5, "works": 0.5,
        # expected, of no sentiment of its own: only its lack is a failure ("nobody answers",
        # "won't start", "doesn't drain")
        "work": 0.0, "answer": 0.0, "answers": 0.0, "respond": 0.0, "responds": 0.0, "reply": 0.0, "replies": 0.0,
        "call back": 0.0, "calls back": 0.0, "get back": 0.0, "gets back": 0.0, "show up": 0.0, "shows up": 0.0,
        "arrive": 0.0, "received": 0.0, "rinse": 0.0, "rinses": 0.0, "start": 0.0, "starts": 0.0, "spins": 0.0,
        "drain": 0.0, "drains": 0.0, "heats": 0.0, "dries": 0.0, "open": 0.0, "opens": 0.0, "connect": 0.0,
        "connects": 0.0, "sync": 0.0, "syncs": 0.0, "loads": 0.0, "boot": 0.0, "boots": 0.0, "turn on": 0.0,
        "last": 0.0, "lasted": 0.0, "picks up": 0.0, "picked up": 0.0, "installed": 0.0, "draining": 0.0,
        "spinning": 0.0, "call me back": 0.0, "seems to care": 0.0, "fit": 0.0, "fits": 0.0,
        "wash": 0.0,
        "washes": 0.0,
        # what a customer should have: to be without it is a failure ("no internet for 3 days")
        "dryer": 0.0, "internet": 0.0, "power": 0.0, "hot water": 0.0,
        "technician": 0.0, "appointment": 0.0, "callback": 0.0, "delivery": 0.0, "update": 0.0,
    },
    SARCASM: {
        "thanks for nothing": -2.5, "thank you for nothing": -2.5, "yeah right": -2.0, "great timing": -1.5,
        "just what i needed": -1.5, "what a surprise": -1.5, "oh great": -1.5, "nothing says": -1.0,
        "oh wonderful": -1.5, "oh perfect": -1.5, "oh joy": -1.5, "oh lovely": -1.5, "just great": -1.5,
        "just perfect": -1.5, "how convenient": -1.5, "ah yes": -1.5, "exactly what i needed": -1.5,
        "oh sure": -1.5, "yeah because": -1.5, "good one": -1.5, "cool story": -1.5,
        "i wish i had": -1.2, "wish i'd": -1.2,
        # "imagine" doing something, online, mocks whoever does it
        "imagine paying": -1.5, "imagine buying": -1.5, "imagine being": -1.5, "imagine having": -1.5,
        "imagine working": -1.5, "imagine thinking": -1.5, "imagine trusting": -1.5, "imagine defending": -1.5,
        "imagine spending": -1.5, "imagine owning": -1.5,
    },
}  # fmt: skip

# emoji VADER's English lexicon has no words for (its names: "enraged face", "thumbs down"…)
EMOJI: Final = {
    "😡": -2.5, "🤬": -3.0, "😠": -2.2, "😤": -1.8, "👎": -2.0, "💩": -2.0, "🤮": -2.5, "😒": -1.5,
    "🤢": -2.2, "🤡": -2.0, "🖕": -3.0, "🤔": 0.0, "👍": 2.0, "😍": 2.8, "🥰": 2.5, "🎉": 2.0, "🙏": 1.5, "💪": 1.5,
}  # fmt: skip
# emoji and words that praise in praise and mock or rage after a complaint: 🔥 is a hit or a
# fire, 👏 is applause or a slow clap, 😂 and "lol" laugh with or at; alone, each has its
# value's sign: a post about a company that only laughs "lol" laughs at it
CONTEXTUAL: Final = {
    "🔥": 2.0, "👏": 2.0, "😂": -1.0, "🤣": -1.0, "lol": -1.0, "lmao": -1.0, "lmfao": -1.0, "rofl": -1.0,
    "haha": -1.0, "hahaha": -1.0, "hahahaha": -1.0, "hehe": -1.0, "wow": 1.5,
}  # fmt: skip
SARCASM_EMOJI: Final = {"🙃": -1.5, "🙄": -1.5, "🤦": -1.5}
# emoticons VADER's lexicon lacks
EMOTICONS: Final = {"xD": 2.0, "XD": 2.0, ":-P": 1.0, ";(": -1.5, ":'-(": -2.2, "=(": -1.9, ":-/": -1.2}
