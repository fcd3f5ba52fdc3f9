"""Word-level English for the offline writer: plurals, articles, countability, verbs, casing.

Heuristics with small word lists, no dictionary and no model: good enough to write "an
electrician", "espresso machines", "How Much Do Solar Panels Cost?" and "What Is SEO?", and
to avoid "a nutrition" or "What Is Compost Bin?". When a word is unknown the rules pick the
form that stays grammatical in the most frames (a countable noun, pluralised with -s).
"""

from __future__ import annotations

import re
from functools import lru_cache

# Kept lower-case inside a headline unless first, last or first after a colon or "?".
SMALL_WORDS = frozenset(
    "a an and as at but by en for from in into nor of on or per so the to via vs with".split()
)
# Written upper-case even when a keyword is typed in lower case ("what is seo").
ACRONYMS = frozenset(
    """ac ai api atm b2b b2c bbq cbd cd cmo cms cpa cpu crm css ctr cv dcm diy dna dui dvd
    eeat eft ehr ev evs eta etf etfs faq faqs fha gdpr gfci gps gpu hdmi hiit hoa hr hris
    hsa html hvac iot ip ira iras irs kpi kpis led leds llc mba mri nas nda nft nfts obd
    osb pc pcos pcs pdf phd pos ppc pr ps4 ps5 pto pvc qr ram roi rsvp rv rvs saas seo
    sim sms sql ssd ssl suv suvs tsa tv tvs spf ui uk url usa usb ux va vat vpn vr"""
    .split()
)  # fmt: skip
# Names with their own casing.
BRANDS = {
    "iphone": "iPhone", "ipad": "iPad", "imac": "iMac", "ios": "iOS", "macos": "macOS",
    "youtube": "YouTube", "linkedin": "LinkedIn", "tiktok": "TikTok", "wordpress": "WordPress",
    "paypal": "PayPal", "playstation": "PlayStation", "ebay": "eBay", "hubspot": "HubSpot",
    "quickbooks": "QuickBooks", "chatgpt": "ChatGPT", "github": "GitHub", "airpods": "AirPods",
    "woocommerce": "WooCommerce", "crossfit": "CrossFit", "freshbooks": "FreshBooks",
    "doordash": "DoorDash",
    "airtable": "Airtable", "clickup": "ClickUp", "openai": "OpenAI", "gopro": "GoPro",
    "macbook": "MacBook", "covid": "COVID",
}  # fmt: skip

# Nouns with no plural in ordinary use ("a nutrition", "softwares" read wrong).
MASS = frozenset(
    """advice aerobics air art baggage bedding bread broth butter cardio care cash
    cement cereal chalk cheese chess childcare clothing coffee compost concrete content
    cooking copper corn cotton credit damage data debt decor design dentistry dirt drywall
    dough drainage education electricity energy entertainment equipment equity evidence
    feedback fencing fertilizer fertiliser finance firewood fitness flooring flour food
    footwear freight fruit fuel fun furniture garbage gas gasoline gear glass gold golf
    grass gravel grocery gum hair hardware harm health heat help hockey homework honey
    housing humidity hygiene ice income information infrastructure ink insulation insurance
    jewelry jewellery juice knowledge labor labour land landscaping laundry leather
    legislation leisure lettuce lighting linen liquidity livestock logistics luck luggage
    lumber machinery maintenance makeup management marketing meat medicine merchandise milk
    mold money mortar mulch music news nutrition oil oxygen paint paper parking pasta
    patience payroll peace pepper plastic plumbing pollution pork postage poultry power
    privacy produce productivity protein rain research rice roofing rust safety salmon
    salt sand security seafood shipping siding silver skincare sleep slime smoke snow
    soap software soil soup spam staff steam steel storage stress sugar sunscreen
    sunshine sushi tea technology tennis tile timber toast tofu toothpaste traffic
    training transport transportation travel trash trust tuition turf underwear
    unemployment vinegar violence vocabulary water wealth weather weight wheat wildlife
    wine wiring wood wool work yoga yogurt loss ease value quality time effort flexibility
    progress performance reliability comfort durability style""".split()
) | frozenset(
    # Services and processes, mass nouns at the end of a compound ("skin barrier repair").
    """administration assistance attribution automation coaching communication composition
    construction consulting consumption control coverage depreciation distribution
    fermentation filtration financing funding germination hydration immigration
    inflammation inflation inspection installation irrigation litigation mediation
    meditation mileage motivation navigation pollination prevention production protection
    registration regulation removal repair replacement retention sanitation segmentation
    support taxation therapy treatment ventilation""".split()
)  # fmt: skip
# -ing words that are things you can count ("a wedding", "two rings").
COUNT_ING = frozenset(
    """awning booking building ceiling clipping coating crossing dumpling earring evening
    feeling filling finding fitting heading king listing meeting morning offering opening
    outing painting pudding railing rating recording ring sapling seedling setting sibling
    sling spring string swing thing topping wedding wing""".split()
)  # fmt: skip
_MASS_ACRONYMS = frozenset("ai cbd crm diy hr hvac iot ppc pr roi saas seo ui ux vr".split())
_MASS_SUFFIXES = ("ness", "ism", "ics", "ology", "graphy", "ware", "ship")

IRREGULAR_PLURALS = {
    "man": "men", "woman": "women", "child": "children", "person": "people", "foot": "feet",
    "tooth": "teeth", "mouse": "mice", "goose": "geese", "leaf": "leaves", "knife": "knives",
    "life": "lives", "wife": "wives", "shelf": "shelves", "half": "halves", "loaf": "loaves",
    "wolf": "wolves", "calf": "calves", "thief": "thieves", "cactus": "cacti",
    "fungus": "fungi", "analysis": "analyses", "crisis": "crises", "criterion": "criteria",
    "phenomenon": "phenomena", "ox": "oxen",
}  # fmt: skip
SINGULAR_OF = {v: k for k, v in IRREGULAR_PLURALS.items()}
# Same in the singular and the plural.
UNCHANGING = frozenset(
    "aircraft bison deer fish moose salmon series sheep shrimp species trout offspring".split()
)
# Singular words that end in -s.
SINGULAR_S = frozenset(
    """alias atlas bias bus canvas chaos chassis diabetes gas iris lens mathematics measles
    news pancreas pilates plus status thus this yes always perhaps its his has was does
    is us bonus campus census circus virus walrus octopus apparatus asbestos""".split()
)
# Plural-only words ("jeans are", "the best jeans").
PLURAL_ONLY = frozenset(
    "jeans pants trousers shorts leggings scissors glasses goggles pliers tongs clothes".split()
)

# First words that make a phrase an instruction or a verb phrase ("unclog a drain").
BASE_VERBS = frozenset(
    """accept add adjust afford answer apply arrange ask attract avoid bake balance be beat
    become begin bite bleed bloom blow boil book borrow breathe brew bring build burn buy
    calculate call cancel care carry catch change charge chase check choose claim clean
    clear climb close come compare compost connect consider contact contribute convert cook
    cool copy cost count cover crack crate create cry cure cut dance deal decide declutter
    decorate delete deliver design detail die dig disinfect do donate download drain draw
    dress drink drive drop dry dye earn eat edit enjoy enter exercise expect explain fail
    fall feed feel fight file fill find finish fish fit fix flip fly fold follow forget form
    freeze freshen frost fry get give glue go grill grind groom grow hang happen hate have
    heal hear heat help hide hire hit hold hunt hurt improve increase insulate install
    invest iron jump keep kill kiss knit know land last laugh lay lead learn leave lend let
    lie lift light like listen live load lock look lose love lower maintain make manage
    mark marry measure meditate meet melt mix mount move mow need negotiate open order
    organize organise overwinter own pack paint park pass pay peel pick pitch plan plant
    play plug polish pot pour practice practise prepare prevent print propagate
    protect prune publish pull pump punch purchase push put quit raise rank reach read
    rebuild recover recycle reduce refinance refresh register relax remember remove renew
    renovate rent repair repeat repot replace reset rest retire return reuse ripen rise
    roast root rub run save say scan scratch search see seed sell send serve set sew shave
    shed ship shop shower shrink sign sing sit sketch ski skip sleep slice smell smoke
    soften solve sort speak spend split spray sprout stain start stay steam stick stop store
    stream stretch study style sue support survive swaddle swim switch take talk tan taste
    teach tell test text thaw thin think throw tie tile tip track trade train
    transfer transplant travel treat trim trust try turn tutor type unclog understand
    unlock update upgrade upload use vacuum visit wait wake walk want wash watch water wax
    wean wear weave weed weigh whiten win winterize wire wish withdraw work worry wrap write
    yell bathe cause crawl deduct expire flicker happen knead miss neuter owe roll sink spay
    teethe rewire reheat sprain hurt reward affect matter deserve shape offer suit depend
    vary cover follow trace show tend""".split()
)  # fmt: skip
# Verbs that are not also common nouns: safe to read as the start of a verb phrase.
VERB_ONLY = frozenset(
    """afford attract avoid become begin borrow bring build buy calculate choose clean compare
    connect consider convert create decide declutter decorate defrost descale do eat
    explain feed find fix get give go grow hire improve increase insulate install invest
    keep know learn let lose maintain make manage negotiate organize organise prepare
    prevent propagate protect prune publish reduce refinance remove renovate repair replace
    repot sell send sew sharpen shrink solve spend stay swaddle take teach tell think throw
    troubleshoot unblock unclog understand unlock update upgrade use wash winterise
    winterize write""".split()
)  # fmt: skip
# Adjectives that end a "be" question's subject ("is oatmeal good for you").
PREDICATE_ADJECTIVES = frozenset(
    """bad better cheaper cloudy cold dangerous dead dry due early edible effective enough
    expensive free good harmful healthy high hot illegal itchy late legal loud low necessary
    normal ok okay oily pale poisonous possible real safe slow sore swollen tired toxic true
    wet worse worth wrong""".split()
)


def is_acronym(word: str) -> bool:
    return word.lower() in ACRONYMS


def case_word(word: str) -> str:
    """A word as written in prose: acronyms upper-case, brands in their own casing, "i" → "I"."""
    low = word.lower()
    if low in BRANDS:
        return BRANDS[low]
    if low in ACRONYMS and word == low:
        return word.upper()
    if low == "i":
        return "I"
    return word


def prose_case(text: str) -> str:
    """A lower-case keyword as it sits in a sentence: "what is seo" → "what is SEO"."""
    return " ".join(case_word(w) for w in text.split(" ") if w)


def _cap(word: str) -> str:
    """ "espresso" → "Espresso", "step-by-step" → "Step-by-Step", "iPhone" and "SEO" kept."""
    if word != word.lower():
        return word  # typed with capitals, or an acronym already upper-cased
    if any(c.isdigit() for c in word):
        if not word[0].isalpha():
            return word  # "5k", "401k", "3am"
        return word.upper() if len(word) <= 4 else word[0].upper() + word[1:]  # "B12", "Life360"
    parts = word.split("-")
    out = [p[:1].upper() + p[1:] if (i == 0 or p not in SMALL_WORDS) else p
           for i, p in enumerate(parts)]  # fmt: skip
    return "-".join(out)


def headline(text: str) -> str:
    """Headline case: small words lower-case inside (not first, last or after ":"/"?"), "vs"
    always lower-case after the first word, acronyms and brand casing kept."""
    words = [case_word(w) for w in text.split(" ") if w]
    out = []
    for index, word in enumerate(words):
        low = word.lower()
        starts = index == 0 or out[-1].endswith((":", "?", "!", "—", "–"))
        following = words[index + 1].lower() if index + 1 < len(words) else ""
        letter = low == "a" and following in ("vs", "and", "or")  # "Class A vs Class C"
        if (
            low.rstrip(":?!,") == "vs"
            and index > 0
            or not starts
            and index < len(words) - 1
            and low in SMALL_WORDS
            and not letter
        ):
            out.append(low)
        else:
            out.append(_cap(word))
    return " ".join(out)


def sentence_case(text: str) -> str:
    text = prose_case(text)
    return text[:1].upper() + text[1:] if text else text


def article_for(word: str) -> str:
    """ "a" or "an" for the sound `word` starts with ("an SEO audit", "a user", "an hour")."""
    if not word:
        return "a"
    low = word.lower()
    if word.isupper() and len(word) > 1 or low in ACRONYMS:
        return "an" if low[0] in "aefhilmnorsx" else "a"
    if low.startswith(("hour", "honest", "honor", "honour", "heir")):
        return "an"
    if low.startswith(("uni", "use", "usu", "ure", "uti", "eu", "one", "once", "ubi")):
        return "a"
    return "an" if low[0] in "aeiou" else "a"


def with_article(phrase: str) -> str:
    return f"{article_for(phrase.split(' ', 1)[0])} {phrase}" if phrase else phrase


@lru_cache(maxsize=4096)
def is_plural_word(word: str) -> bool:
    low = word.lower().strip(".,;:?!")
    if not low or low in SINGULAR_S or low in ACRONYMS and not low.endswith("s"):
        return False
    if low in PLURAL_ONLY or low in SINGULAR_OF or low in ("people", "children", "data"):
        return True
    if word.isupper() and len(word) > 1:  # "SaaS", "GPS", "HRIS": names, not plurals
        return False
    if low in ACRONYMS:
        return low[:-1] in ACRONYMS  # "evs", "iras"
    return low.endswith("s") and not low.endswith(("ss", "us", "is", "ics", "ous", "'s", "’s"))


@lru_cache(maxsize=4096)
def singular(word: str) -> str:
    low = word.lower()
    if not is_plural_word(word) or low in PLURAL_ONLY or low in UNCHANGING:
        return word
    if low in SINGULAR_OF:
        return _same_case(word, SINGULAR_OF[low])
    if low.endswith("ies") and len(low) > 4:
        return word[:-3] + "y"
    if re.search(r"(?:ss|sh|ch|x|z|zz|oes)es$", low) or low.endswith(("sses", "xes")):
        return word[:-2]
    return word[:-1]


@lru_cache(maxsize=4096)
def plural(word: str) -> str:
    """ "machine" → "machines", "battery" → "batteries", "bus" → "buses", "man" → "men"."""
    low = word.lower()
    if is_plural_word(word) or low in UNCHANGING or low in MASS:
        return word
    if low in IRREGULAR_PLURALS:
        return _same_case(word, IRREGULAR_PLURALS[low])
    if word.isupper() and len(word) > 1 or low in ACRONYMS:
        return word + "s"
    if re.search(r"[^aeiou]y$", low):
        return word[:-1] + "ies"
    if low.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if low.endswith(("tomato", "potato", "hero", "echo", "volcano")):
        return word + "es"
    return word + "s"


def _same_case(model: str, word: str) -> str:
    return word.capitalize() if model[:1].isupper() else word


@lru_cache(maxsize=4096)
def is_mass(word: str) -> bool:
    """Nouns with no "a" and no plural: "insurance", "home composting", "skincare"."""
    low = word.lower()
    if low in MASS or low in _MASS_ACRONYMS:
        return True
    if low in ACRONYMS:
        return False  # "an ATM", "RVs"
    if low.endswith("ing") and low not in COUNT_ING and len(low) > 4:
        return True
    return low.endswith(_MASS_SUFFIXES) and len(low) > 5


def is_verb(word: str) -> bool:
    return word.lower() in BASE_VERBS


def verb_of_gerund(word: str) -> str:
    """ "using" → "use", "closing" → "close", "running" → "run"; "" when not a known verb."""
    if not word.endswith("ing") or len(word) < 5:
        return ""
    stem = word[:-3]
    for candidate in (stem, stem + "e", stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2]
                      else "", stem[:-1] + "ie" if stem.endswith("y") else ""):  # fmt: skip
        if candidate in BASE_VERBS:
            return candidate
    return ""


def third_person(verb: str) -> str:
    """ "cost" → "costs", "do" → "does", "fix" → "fixes", "carry" → "carries"."""
    low = verb.lower()
    if low in ("be", "is"):
        return "is"
    if low == "have":
        return "has"
    if low in ("do", "go"):
        return low + "es"
    if re.search(r"[^aeiou]y$", low):
        return low[:-1] + "ies"
    if low.endswith(("s", "x", "z", "ch", "sh")):
        return low + "es"
    return low + "s"


def gerund(verb: str) -> str:
    """ "choose" → "choosing", "set" → "setting", "tie" → "tying", "unclog" → "unclogging"."""
    word = verb.lower()
    if (
        word in _DOUBLING
        or re.fullmatch(r"(?:un|re)?[^aeiou]*[aeiou][bdgmnpt]", word)
        and (len(word) <= 4 or word.startswith(("un", "re")) and len(word) <= 7)
    ):
        return word + word[-1] + "ing"
    if word.endswith("ie"):
        return word[:-2] + "ying"
    if word.endswith("e") and not word.endswith(("ee", "ye", "oe")) and word != "be":
        return word[:-1] + "ing"
    return word + "ing"


# One-syllable verbs that double their last letter, and a few longer ones.
_DOUBLING = frozenset(
    """cut dig get map pin plan put run set ship shop sit stop swap trim unclog begin
    forget upset regret refer prefer commit submit admit control patrol quit""".split()
)


def doubled_word(text: str) -> str | None:
    """The first word written twice in a row ("is is", "the the"), or None. Words on either side
    of punctuation ("fix it. It helps") do not count."""
    for match in re.finditer(r"(?<![\w'’$])([\w'’$]+)\s+(\1)(?![\w'’$])", text, re.I):
        if not match.group(1).isdigit():
            return match.group(1).lower()
    return None


_AGREE = {"is": "are", "was": "were", "has": "have", "does": "do", "doesn't": "don't",
          "isn't": "aren't", "wasn't": "weren't", "hasn't": "haven't"}  # fmt: skip


def plural_verb(word: str) -> str | None:
    """The plural of a present-tense verb ("is" → "are", "rewards" → "reward", "varies" →
    "vary"), or None when `word` is not one."""
    if word in _AGREE:
        return _AGREE[word]
    if not word.endswith("s") or len(word) < 4:
        return None
    if word.endswith("ies") and word[:-3] + "y" in BASE_VERBS:
        return word[:-3] + "y"
    if word.endswith("es") and word[:-2] in BASE_VERBS:
        return word[:-2]
    if word[:-1] in BASE_VERBS:
        return word[:-1]
    return None


def agree(template: str, slot: str) -> str:
    """`template` with the verb right after {slot} in the plural: "{kw} is" → "{kw} are"."""
    marker = "{" + slot + "} "
    if marker not in template:
        return template

    # Only where the slot is the subject: at the start, or after a comma, "that", "and", "if"…
    # ("consistency with {subject} matters" is about consistency).
    lead = (
        r"(^|[,;:] |\b(?:that|and|if|whether|when|where|which|why|how|because|so|until|once|mean) )"
    )

    def fix(match: re.Match) -> str:
        verb = plural_verb(match.group(3))
        return match.group(1) + match.group(2) + (verb or match.group(3))

    return re.sub(lead + r"(\{" + slot + r"\} )([\w']+)", fix, template)
