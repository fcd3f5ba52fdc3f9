"""Places a local keyword may end with ("plumber in austin tx", "dentist chicago").

A short list: US states and their abbreviations, large US cities, and countries and cities
people often search with. A place not listed stays part of the topic, which reads fine
("Pizza in Springfield"), only without the local-search framing.
"""

from __future__ import annotations

import re
from functools import lru_cache

STATES = {
    "al": "Alabama", "ak": "Alaska", "az": "Arizona", "ar": "Arkansas", "ca": "California",
    "co": "Colorado", "ct": "Connecticut", "de": "Delaware", "fl": "Florida", "ga": "Georgia",
    "hi": "Hawaii", "id": "Idaho", "il": "Illinois", "in": "Indiana", "ia": "Iowa",
    "ks": "Kansas", "ky": "Kentucky", "la": "Louisiana", "me": "Maine", "md": "Maryland",
    "ma": "Massachusetts", "mi": "Michigan", "mn": "Minnesota", "ms": "Mississippi",
    "mo": "Missouri", "mt": "Montana", "ne": "Nebraska", "nv": "Nevada", "nh": "New Hampshire",
    "nj": "New Jersey", "nm": "New Mexico", "ny": "New York", "nc": "North Carolina",
    "nd": "North Dakota", "oh": "Ohio", "ok": "Oklahoma", "or": "Oregon", "pa": "Pennsylvania",
    "ri": "Rhode Island", "sc": "South Carolina", "sd": "South Dakota", "tn": "Tennessee",
    "tx": "Texas", "ut": "Utah", "vt": "Vermont", "va": "Virginia", "wa": "Washington",
    "wv": "West Virginia", "wi": "Wisconsin", "wy": "Wyoming",
}  # fmt: skip
CITIES = (
    "albuquerque, amsterdam, anaheim, anchorage, atlanta, auckland, austin, bakersfield, "
    "baltimore, bangkok, barcelona, berlin, birmingham, boise, boston, brisbane, brooklyn, "
    "buffalo, calgary, charleston, charlotte, chicago, cincinnati, cleveland, colorado springs, "
    "columbus, dallas, denver, detroit, dubai, dublin, edinburgh, edmonton, el paso, fort worth, "
    "fresno, glasgow, honolulu, houston, indianapolis, jacksonville, kansas city, las vegas, "
    "leeds, lisbon, liverpool, london, long beach, los angeles, louisville, madrid, manchester, "
    "melbourne, memphis, miami, milwaukee, minneapolis, montreal, munich, nashville, "
    "new orleans, new york city, nyc, newark, oakland, oklahoma city, omaha, orlando, ottawa, "
    "paris, perth, philadelphia, phoenix, pittsburgh, portland, prague, raleigh, reno, "
    "richmond, rome, sacramento, salt lake city, san antonio, san diego, san francisco, "
    "san jose, santa barbara, savannah, scottsdale, seattle, singapore, spokane, st louis, "
    "st petersburg, sydney, tampa, tokyo, toronto, tucson, tulsa, vancouver, vienna, "
    "virginia beach, washington dc, wichita"
)
COUNTRIES = (
    "australia, austria, belgium, brazil, canada, costa rica, croatia, denmark, egypt, "
    "england, europe, finland, france, germany, greece, iceland, india, ireland, italy, japan, "
    "kenya, mexico, morocco, netherlands, new zealand, norway, peru, portugal, scotland, "
    "south africa, spain, sweden, switzerland, thailand, the uk, the us, the usa, uk, "
    "usa, vietnam, wales"
)
_SPECIAL = {"the us": "the US", "the usa": "the USA", "the uk": "the UK", "us": "the US",
            "usa": "the USA", "uk": "the UK", "nyc": "New York City",
            "washington dc": "Washington, DC", "st louis": "St. Louis",
            "st petersburg": "St. Petersburg"}  # fmt: skip
_NAMES = {n.strip() for n in (CITIES + ", " + COUNTRIES).split(",")} | {
    s.lower() for s in STATES.values()
}
_LONGEST = max(len(n.split()) for n in _NAMES)


def place_name(name: str) -> str:
    """ "austin" → "Austin", "the us" → "the US"."""
    return _SPECIAL.get(name) or " ".join(w.capitalize() for w in name.split())


def place_at_end(text: str) -> tuple[str, str]:
    """(place, the rest) when `text` ends with a known place, else ("", text).
    "plumber in austin tx" → ("Austin, TX", "plumber"); "dentist chicago" → ("Chicago",
    "dentist"). A bare place needs a word before it that is not a preposition."""
    words = text.split()
    state = ""
    if len(words) > 2 and words[-1] in STATES and words[-2] not in ("in", "near", "of"):
        state, words = words[-1].upper(), words[:-1]
    for size in range(min(_LONGEST, len(words) - 1), 0, -1):
        name = " ".join(words[-size:])
        if name not in _NAMES:
            continue
        rest = words[:-size]
        if rest[-1] in ("in", "near", "around"):
            rest = rest[:-1]
        elif rest[-1] in ("of", "to", "from", "for", "with", "and", "or"):
            continue
        if rest:
            return place_name(name) + (f", {state}" if state else ""), " ".join(rest)
    return "", text


@lru_cache(maxsize=4096)
def case_places(text: str) -> str:
    """Known places capitalised inside lower-case prose: "pizza in chicago" → "… Chicago"."""

    def name(match: re.Match) -> str:
        return place_name(match.group(0))

    return _PATTERN.sub(name, text)


_PATTERN = re.compile(
    r"\b(?:"
    + "|".join(
        sorted((re.escape(n) for n in _NAMES if len(n) > 3 or n == "nyc"), key=len, reverse=True)
    )
    + r")\b"  # fmt: skip
)
