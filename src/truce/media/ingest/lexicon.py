"""The words extraction looks for: incident triggers, actors, speakers and stances.

Everything here is data, kept apart from the rules in :mod:`truce.media.ingest.extract` so a
new deployment can read (and extend) what is recognised. Incident types are those of
the ``istanbul-2025`` taxonomy; a scenario without one of them simply never sees it.
"""

from __future__ import annotations

import re

# -- incident triggers -----------------------------------------------------------------
# (type, pattern). "generic" triggers (fighting, attack, assault ...) start an incident
# of type armed_clash only when their sentence dates or places it; otherwise they
# continue the incident before them. Violent types may be refined by a later mention.
GENERIC = "generic"
VIOLENT = {
    "armed_clash",
    "attack_on_post",
    "air_or_drone_strike",
    "shelling",
    "infiltration",
    "explosion",
    "airspace_violation",
    GENERIC,
}
BORDER = {"border_closure", "border_reopening"}

TRIGGERS: list[tuple[str, re.Pattern[str]]] = [
    (
        "attack_on_post",
        re.compile(
            r"\b(?:attack(?:s|ed|ing)?|assault(?:s|ed)?|storm(?:ed|ing)|raid(?:s|ed)?|"
            r"captur(?:ed|ing)|overr?an|seiz(?:ed|ing))\b"
            r"(?:\s+(?:on|at|against))?(?:\s+[\w'\u2019-]+){0,4}?\s+"
            r"(?:border\s+)?(?:posts?|check\s?posts?|checkpoints?|outposts?)\b",
            re.I,
        ),
    ),
    (
        "explosion",
        re.compile(
            r"\b(?:explosions?|blasts?|suicide\s+(?:car\s+)?(?:bomb(?:ing|er)?s?|attack)|"
            r"car\s+bomb(?:ing)?s?|(?:VB)?IEDs?|roadside\s+bombs?)\b",
            re.I,
        ),
    ),
    (
        "air_or_drone_strike",
        re.compile(
            r"\b(?:air\s?strikes?|air\s+raids?|drone\s+(?:strikes?|attacks?)|"
            r"(?:drones?|aircraft|jets?|warplanes?|helicopters?)\s+(?:struck|hit|targeted|"
            r"bombed|attacked)|(?<=the\s)strike|"
            r"precision\s+strikes|aerial\s+(?:strikes?|bombardment|attacks?)|"
            r"(?<!suicide\s)(?<!car\s)bomb(?:ed|ing)|strikes)\b",
            re.I,
        ),
    ),
    (
        "shelling",
        re.compile(
            r"\b(?:shell(?:ing|ed)|(?:mortar|artillery)\s+(?:shells?|fire|rounds?)|"
            r"mortars?|artillery|shells|rocket\s+fire|rockets)\b",
            re.I,
        ),
    ),
    (
        "infiltration",
        re.compile(
            r"\b(?:infiltrat\w+|(?:attempt(?:ed|ing|s)?|tried|trying)\s+to\s+cross\s+the\s+border)\b",
            re.I,
        ),
    ),
    (
        "airspace_violation",
        re.compile(
            r"\b(?:violat\w+\s+(?:\w+\s+){0,2}air\s?space|air\s?space\s+violations?)\b", re.I
        ),
    ),
    (
        "armed_clash",
        re.compile(
            r"\b(?:clash(?:es|ed)?|exchange[sd]?\s+(?:of\s+)?(?:heavy\s+)?fire|gunfire|"
            r"fire\s?fights?|gun\s?battles?|skirmish(?:es)?|opened\s+fire|firing|"
            r"traded?\s+(?:heavy\s+)?fire)\b",
            re.I,
        ),
    ),
    (
        GENERIC,
        re.compile(
            r"\b(?:fighting|offensive|assault|attacks?|attacked|hostilities)\b",
            re.I,
        ),
    ),
]
# Words (lower case) of which an ASCII sentence must hold one for each trigger to match:
# a cheap test before the regex scan. Non-ASCII sentences skip it (case folding may match
# other letters there).
TRIGGER_WORDS: dict[str, tuple[str, ...]] = {
    "attack_on_post": ("post", "checkpoint"),
    "explosion": ("explosion", "blast", "suicide", "bomb", "ied"),
    "air_or_drone_strike": (
        "strike", "raid", "drone", "aircraft", "jet", "warplane", "helicopter", "bomb", "aerial",
    ),
    "shelling": ("shell", "mortar", "artillery", "rocket"),
    "infiltration": ("infiltrat", "cross"),
    "airspace_violation": ("space",),
    "armed_clash": ("clash", "fire", "firing", "fight", "battle", "skirmish"),
    GENERIC: ("fight", "offensive", "assault", "attack", "hostilit"),
}  # fmt: skip
_CROSSING_WORD = r"(?:crossings?|border|gate|frontier|Torkham|Chaman)"
BORDER_TRIGGERS: list[tuple[str, re.Pattern[str]]] = [
    ("border_reopening", re.compile(r"\bre-?open(?:ed|ing|s)?\b", re.I)),
    (
        "border_closure",
        re.compile(r"\b(?:shut|closed|closure|sealed|suspended)\b(?!\s+for\s+trade)", re.I),
    ),
]
CROSSING_CONTEXT = re.compile(_CROSSING_WORD, re.I)
ONGOING_STATE = re.compile(
    r"\b(?:remains?|remained|still|stays?|stayed|kept|(?:has|have|had)\s+been)\s+(?:\w+\s+)?$",
    re.I,
)
# "had been shut since October 12" dates a closure: no longer merely a state
SINCE_AFTER = re.compile(r"^\s+(?:[\w-]+\s+){0,3}?since\s+(?!then\b)\w", re.I)
# "the reopening of the crossings depended on action by Kabul": a condition, not an event
CONDITIONAL_AFTER = re.compile(
    r"^[^.;]{0,40}?\b(?:depend(?:s|ed|ing)?\s+on|hinge[sd]?\s+on|conditional\s+on|"
    r"subject\s+to)\b",
    re.I,
)
HYPOTHETICAL = re.compile(
    r"\b(?:if|could|would|might|may|should|threat(?:en(?:ed|s)?)?|possible|no\s+incident|"
    r"prevent\w*|avoid\w*|refrain\w*|will\s+cease|cease|against\s+(?:any|each))\b",
    re.I,
)

# -- actors -----------------------------------------------------------------------------
ACTORS: list[tuple[str, re.Pattern[str]]] = [
    (
        "TTP",
        re.compile(
            r"\b(?:TTP|Tehr(?:i|ee)k-e-Taliban(?:\s+Pakistan)?|Pakistani\s+Taliban|"
            r"Fitna\s+al-Khawarij|khawarij|khwarij|kharijis?)\b",
            re.I,
        ),
    ),
    ("Gul Bahadur group", re.compile(r"\bGul\s+Bahadur\b", re.I)),
    (
        "Afghan Taliban forces",
        re.compile(
            r"\b(?:Afghan\s+Taliban(?:\s+(?:forces|fighters|troops|regime))?|"
            r"Taliban\s+(?:forces|fighters|troops)|Afghan\s+(?:forces|troops|soldiers|positions|posts)|"
            r"(?<!Pakistani\s)(?<!-e-)Taliban(?!\s+Pakistan)|Islamic\s+Emirate\s+forces)\b"
        ),
    ),
    (
        "Pakistan Army",
        re.compile(
            r"\b(?:Pakistan(?:i)?\s+(?:Army|army|forces|troops|soldiers|military|aircraft|"
            r"jets|drones|air\s?strikes?|strikes|security\s+forces|posts)|"
            r"Pakistan's\s+(?:military|army)|ISPR|[Ss]ecurity\s+forces|Pakistani\s+mortar)\b"
        ),
    ),
]

# -- speakers ---------------------------------------------------------------------------
# canonical name → (member, pattern that names it). Persons also answer to their surname
# once the article has named them in full.
SPEAKERS: list[tuple[str, str | None, re.Pattern[str]]] = [
    (
        "ISPR",
        "PK",
        re.compile(
            r"\bISPR\b|Inter-Services\s+Public\s+Relations|military'?s?\s+media\s+wing|"
            r"^(?:the\s+)?(?:Pakistani\s+|Pakistan's\s+)?(?:military|army)$|"
            r"Pakistan(?:'s|i)\s+(?:military|army)\b",
            re.I,
        ),
    ),
    ("Zabihullah Mujahid", "AF", re.compile(r"\bZabihullah\s+Mujahid\b|^Mujahid$")),
    ("Hamdullah Fitrat", "AF", re.compile(r"\bHamdullah\s+Fitrat\b|^Fitrat$")),
    ("Enayatullah Khwarazmi", "AF", re.compile(r"\bEnayatullah\s+Khwarazmi\b|^Khwarazmi$")),
    ("Rahmatullah Najib", "AF", re.compile(r"\b(?:Rahmatullah|Haji)\s+Najib\b")),
    ("Mohammad Yaqoob", "AF", re.compile(r"\bMohammad\s+Yaqoob\b|^Yaqoob$")),
    ("Khawaja Asif", "PK", re.compile(r"\bKhawaja\s+(?:Muhammad\s+)?Asif\b|^Asif$")),
    ("Attaullah Tarar", "PK", re.compile(r"\bAtt?aullah\s+Tarar\b|^Tarar$")),
    ("Ishaq Dar", "PK", re.compile(r"\bIshaq\s+Dar\b")),
    ("Tahir Andrabi", "PK", re.compile(r"\bTahir\s+(?:Hussain\s+)?Andrabi\b|^Andrabi$")),
    ("Mohsin Naqvi", "PK", re.compile(r"\bMohsin\s+Naqvi\b|^Naqvi$")),
    ("Shehbaz Sharif", "PK", re.compile(r"\bShehbaz\s+Sharif\b")),
    ("Asim Munir", "PK", re.compile(r"\bAsim\s+Munir\b")),
    ("Hakan Fidan", "TR", re.compile(r"\bHakan\s+Fidan\b|^Fidan$")),
    ("Recep Tayyip Erdoğan", "TR", re.compile(r"\b(?:Recep\s+Tayyip\s+)?Erdo[gğ]an\b")),
    ("Ibrahim Kal\u0131n", "TR", re.compile(r"\bIbrahim\s+Kal[i\u0131]n\b")),
    ("Majed al-Ansari", "QA", re.compile(r"\bMajed\s+al-Ansari\b|^al-Ansari$|^Ansari$")),
    ("Donald Trump", None, re.compile(r"\bDonald\s+Trump\b|^Trump$")),
    (
        "Pakistan Foreign Office",
        "PK",
        re.compile(r"^(?:the\s+)?(?:Pakistan(?:'s|i)?\s+)?Foreign\s+Office$", re.I),
    ),
    (
        "Pakistan Ministry of Information and Broadcasting",
        "PK",
        re.compile(r"Ministry\s+of\s+Information(?:\s+and\s+Broadcasting)?|MoIB", re.I),
    ),
    (
        "Afghan Ministry of Defence",
        "AF",
        re.compile(
            r"Afghan(?:istan's)?\s+(?:Ministry\s+of\s+(?:National\s+)?Defen[cs]e|"
            r"Defen[cs]e\s+Ministry)",
            re.I,
        ),
    ),
    (
        "Turkish Foreign Ministry",
        "TR",
        re.compile(
            r"Turk(?:ish|ey's|iye's|ïye's)\s+(?:Foreign\s+Ministry|Ministry\s+of\s+"
            r"Foreign\s+Affairs)|Türkiye's\s+Foreign\s+Ministry",
            re.I,
        ),
    ),
    (
        "Qatari Foreign Ministry",
        "QA",
        re.compile(
            r"Qatar(?:i|'s)\s+(?:Foreign\s+Ministry|Ministry\s+of\s+Foreign\s+Affairs)", re.I
        ),
    ),
    (
        "Turkish government",
        "TR",
        re.compile(r"^(?:Ankara|Turkey|Türkiye|the\s+Turkish\s+government)$", re.I),
    ),
    ("Qatari government", "QA", re.compile(r"^(?:Doha|Qatar|the\s+Qatari\s+government)$", re.I)),
    (
        "Taliban",
        "AF",
        re.compile(
            r"^(?:the\s+)?(?:Afghan\s+)?(?:Taliban(?:\s+government|\s+regime)?|"
            r"Islamic\s+Emirate(?:\s+of\s+Afghanistan)?|Kabul|interim\s+Afghan\s+government)$",
            re.I,
        ),
    ),
    (
        "Pakistani officials",
        "PK",
        re.compile(
            r"^(?:the\s+)?(?:Pakistani|Pakistan's|Islamabad's)\s+(?:officials|side|delegation|"
            r"negotiators|government)$|^(?:Pakistan|Islamabad)$",
            re.I,
        ),
    ),
    (
        "Afghan officials",
        "AF",
        re.compile(r"^(?:the\s+)?Afghan\s+(?:officials|side|delegation|negotiators)$", re.I),
    ),
]
NATIONALITY: list[tuple[str, re.Pattern[str]]] = [
    ("PK", re.compile(r"\b(?:Pakistan(?:i|'s)?|Islamabad)\b")),
    ("AF", re.compile(r"\b(?:Afghan(?:istan|istan's)?|Taliban|Islamic\s+Emirate|Kabul)\b")),
    ("TR", re.compile(r"\b(?:Turk(?:ish|ey|ey's)|Türkiye(?:'s)?|Ankara)\b")),
    ("QA", re.compile(r"\b(?:Qatar(?:i|'s)?|Doha)\b")),
]
# News outlets cited as sources are never speakers.
MEDIA = re.compile(
    r"\b(?:AFP|AP|Associated\s+Press|Reuters|Geo(?:\s+News)?|DW|Radio\s+Pakistan|Express\s+News|"
    r"Ariana\s+News|RTA|TOLO\s?news|Al\s+Jazeera|Anadolu|PTV|ARY|Dawn|media|outlets?|"
    r"television|channel|reporters)\b",
    re.I,
)
TITLES = (
    "minister", "spokesman", "spokesperson", "spokeswoman", "president", "chief", "general",
    "secretary", "ambassador", "envoy", "commander", "director", "governor", "head", "analyst",
    "adviser", "advisor", "official", "chairman", "premier",
)  # fmt: skip
ANONYMOUS = re.compile(
    r"^(?:a|an|one|another|some|two|three|several)\b|\bsources?\b|\bresidents?\b|"
    r"\bwitness(?:es)?\b|\bagents?\b|\btraders?\b|\bshopkeepers?\b|\bexporters?\b|"
    r"\bofficials?\s+(?:at|in)\b|\bpolice\b|\bhospital\b",
    re.I,
)
REPORTING_VERBS = (
    r"said|says|told|tells|stated|states|added|warned|warns|accused|accuses|denied|denies|deny|"
    r"rejected|rejects|claimed|claims|urged|urges|demanded|demands|insisted|insists|pledged|"
    r"vowed|announced|welcomed|condemned|condemns|dismissed|wrote|writes|offered|offers|"
    r"emphasi[sz]ed|reiterated|explained|noted|declared|confirmed|asked|proposed|blamed|"
    r"called|expects|expected|stressed|argued|maintained|alleged|acknowledged|gave"
)

# -- stances (first match wins, in this order) ------------------------------------------
STANCE_RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        "denial",
        re.compile(
            r"(?<!\bto\s)(?<!\band\s)\b(?:den(?:ied|ies|y|ying)|reject(?:ed|s|ing)?|dismiss(?:ed|es|ing)?|baseless|"
            r"propaganda|false|untrue|only\s+returned\s+fire|no\s+truth|not\s+involved|"
            r"(?:did|does|do)\s+not\s+allow)\b",
            re.I,
        ),
    ),
    (
        "warning",
        re.compile(
            r"\b(?:warn(?:ed|s|ing)?|open\s+war|consequences|reserve[sd]?\s+the\s+right|"
            r"will\s+respond|respond\s+accordingly|answered\s+with|"
            r"(?:will|would)\s+not\s+be\s+(?:acceptable|tolerated)|(?:will|would)\s+retaliate)\b",
            re.I,
        ),
    ),
    (
        "demand",
        re.compile(
            r"\b(?:urg(?:ed|es|ing)|demand(?:ed|ing)?\b|demands?\s+(?:that|for)|called\s+(?:on|for)|"
            r"calls\s+(?:on|for)|expects?|insist(?:ed|s|ing)?\s+that|insisting|asked|must|"
            r"appeal(?:ed|s)?\s+to|depend(?:s|ed)?\s+on|conditional\s+on)\b",
            re.I,
        ),
    ),
    (
        "offer",
        re.compile(
            r"\b(?:offer(?:ed|s|ing)?|(?:stood|stands|is|are)\s+ready|ready\s+to\s+(?:host|mediate|help)|"
            r"willing\s+to|prepared\s+to|ready\s+to\s+(?!respond|retaliate|defend)|"
            r"propos(?:ed|es)|mediate|(?:get\s+that|be)\s+solved|"
            r"pledged\s+to\s+(?:\S+\s+)?resolve|to\s+host)\b",
            re.I,
        ),
    ),
    (
        "accusation",
        re.compile(
            r"\b(?:accus(?:ed|es|ing)|blam(?:ed|es|ing)|condemn(?:ed|s|ing)?|unprovoked|violation|"
            r"opened\s+fire|initiated\s+from|aimed\s+at|cast(?:s|ing)?\s+(?:serious\s+)?doubts?|"
            r"irresponsible|harbou?r(?:ing|s|ed)?|sponsor\w*|shelled|bombed|response\s+to|"
            r"blame\s+game|not\s+possible|failed|fired\s+first|crossed\s+(?:over\s+)?from|"
            r"operating\s+from)\b",
            re.I,
        ),
    ),
    (
        "commitment",
        re.compile(
            r"\b(?:commit(?:ted|ment|s)?|pledg(?:ed|es)|vow(?:ed|s)|will\s+continue|"
            r"continue\s+to|will\s+(?:cease|respect)|would\s+not\s+(?:support|allow)|"
            r"will\s+not\s+allow|supports?\s+dialogue|announced|would\s+consider|"
            r"(?:have|has|had|sides|parties)\s+agreed(?!\s+with)|agreed\s+(?:to|an?|the)\b|"
            r"remains\s+committed|spare\s+no\s+effort|open\s+to\s+dialogue|"
            r"(?:will|would)\s+(?:travel|deploy|visit|send|begin|start))\b",
            re.I,
        ),
    ),
]
# Words (lower case) of which an ASCII statement must hold one for each stance rule to
# match: a cheap test before the regex scan. Non-ASCII statements skip it.
STANCE_WORDS: dict[str, tuple[str, ...]] = {
    "denial": (
        "den", "reject", "dismiss", "baseless", "propaganda", "false", "untrue", "returned",
        "truth", "involved", "allow",
    ),
    "warning": (
        "war", "consequences", "reserve", "respond", "answered", "acceptable", "tolerated",
        "retaliate",
    ),
    "demand": (
        "urg", "demand", "call", "expect", "insist", "asked", "must", "appeal", "depend",
        "conditional",
    ),
    "offer": (
        "offer", "ready", "willing", "prepared", "propos", "mediate", "solved", "pledged",
        "host",
    ),
    "accusation": (
        "accus", "blam", "condemn", "unprovoked", "violation", "opened", "initiated", "aimed",
        "cast", "irresponsible", "harbo", "sponsor", "shelled", "bombed", "response",
        "possible", "failed", "fired", "crossed", "operating",
    ),
    "commitment": (
        "commit", "pledg", "vow", "continue", "cease", "respect", "support", "allow",
        "announced", "consider", "agreed", "spare", "dialogue", "travel", "deploy", "visit",
        "send", "begin", "start",
    ),
}  # fmt: skip
