"""Titles and headings that fit each kind of keyword, for each content structure.

Every template here is written for one keyword shape, so it stays grammatical: a question
leads with the question ("Is My Squash Dying? How to Tell and What to Do"), a local search
says "Near You" or the place, a "best" search names the things in the plural, a comparison
keeps both sides. Templates take their slots from `slots(voice, …)`.
"""

from __future__ import annotations

from igny8.ai.offline.english import doubled_word, headline, with_article
from igny8.ai.offline.nouns import contains, is_plural_phrase
from igny8.ai.offline.title_bank import ANSWERS, TITLES
from igny8.ai.offline.voice import COLLECTIONS, Voice


def bank(v: Voice) -> str:
    if v.kind == "topic" and v.shape.list_head in COLLECTIONS:
        return "collection"
    return v.kind if v.kind in TITLES else "topic"


def answer(v: Voice, index: int = 0) -> str:
    s = v.shape
    if s.problem:
        key = "problem"
    elif s.subkind == "what_is":
        key = "what_is"
    elif s.cost:
        key = "cost"
    elif s.keyword.startswith("why "):
        key = "why"
    else:
        key = "other"
    options = ANSWERS[key]
    return options[index % len(options)]


def sides(v: Voice, related: list[Voice]) -> tuple[str, str]:
    """The two things a comparison weighs, headline-cased: its own two sides; else the topic
    and a related keyword about the same thing; else two ways of going about it."""
    s = v.shape
    if v.kind == "comparison":
        return headline(v.side_nouns[0]), headline(v.side_nouns[1])
    if v.kind == "how_to":
        return "Doing It Yourself", "Hiring a Professional"
    if v.kind == "local":
        return "a Local Independent", "a Larger Company"
    if v.kind == "best":
        return "a Budget Pick", "a Premium Pick"
    if v.kind in ("question", "problem") and s.subkind != "what_is":
        return "a Quick Fix", "a Long-Term Solution"
    others = [r.ref for r in related if r.kind in ("topic", "navigational") and r.ref != v.ref]
    first = v.ref if v.kind in ("topic", "navigational") else headline(v.noun or v.prose)
    return first, others[0] if others else "the Alternatives"


def slots(
    v: Voice,
    *,
    for_whom: str,
    n: int = 0,
    steps: int = 0,
    related: list[Voice] | None = None,
    index: int = 0,
) -> dict[str, str]:
    x, y = sides(v, related or [])
    plural = v.ref_is_plural
    # A comparison's own qualifier: "Python or Java for Beginners?"
    qualified = f" {headline(v.qualifier)}" if v.kind == "comparison" and v.qualifier else ""
    return {
        "label": v.label,
        "lead": v.lead,
        "ref": v.ref,
        "for_whom": for_whom or "You",
        "n": str(n),
        "steps": str(steps),
        "x": x,
        "y": y,
        "versus": v.versus if v.kind == "comparison" else f"{x} vs {y}",
        "x_or_y": f"{x} or {y}{qualified}?",
        "answer": answer(v, index),
        "is": "Are" if plural else "Is",
        "it": "They" if plural else "It",
        "deserve": "Deserve" if plural else "Deserves",
        "one": "One" if v.number in ("count", "plural") else "a Provider",
        "a_good": headline(v.a_good),
        "a_noun": headline(v.a_noun),
        "near": headline(v.near),
        "best_single": headline(v.best_single) if v.kind == "best" else v.label,
        "best_n": headline(_best_n(v, n)) if v.kind == "best" else v.label,
        "how_much": v.how_much if v.kind == "cost" else v.lead,
    }


def _best_n(v: Voice, n: int) -> str:
    """ "The 7 Best Espresso Machines Under $200"; a mass noun takes no number ("The Best Dog
    Food: 7 Top Picks")."""
    s = v.shape
    if v.number in ("mass", "proper") or not s.superlative.startswith(("best", "top")):
        return f"{v.best_plural}: {n} top picks"
    if s.superlative.startswith("top "):
        return v.best_plural
    return " ".join(p for p in (f"the {n} best", v.nouns, v.qualifier) if p)


def titles(v: Voice, structure: str, **kwargs) -> list[str]:
    """Title candidates for `structure`, best first, all filled and checked."""
    templates = TITLES[bank(v)].get(structure) or TITLES[bank(v)]["article"]
    values = slots(v, **kwargs)
    out = []
    for template in templates:
        title = headline(template.format(**values))
        if acceptable(title):
            out.append(title)
    # Titles that carry the keyword as searched come first: search engines read the title. Not
    # for "best" searches: "The 7 Best Espresso Machines" is how those are written.
    if v.kind != "best":
        out.sort(key=lambda title: not contains(title, v.shape.keyword))
    return out or [v.label]


def acceptable(text: str) -> bool:
    """No doubled word, no "Guide … Guide", no "near me" in a title or heading."""
    low = text.lower()
    if doubled_word(text) or "near me" in low:
        return False
    for word in ("guide", "review", "faq", "questions answered", "checklist", "explained"):
        if low.count(word) > 1:
            return False
    return True


# --- headings -------------------------------------------------------------------------------


def why(v: Voice) -> list[str]:
    """Headings for the section on why the topic matters."""
    s = v.shape
    if v.kind == "topic" and s.list_head in COLLECTIONS:
        return ["Why It Pays to Know Them", "Where to Start"]
    if v.kind == "topic":
        return [f"Why {v.ref} {v.verb('matter').title()}", f"The Benefits of {v.ref}"]
    if v.kind == "how_to":
        return [
            f"Why {headline(v.gerund_phrase)} Matters",
            f"The Benefits of {headline(v.gerund_phrase)}",
        ]
    if v.kind == "question":
        if s.problem:
            return ["Common Causes", "What Causes It"]
        if s.subkind == "what_is" and v.noun:
            matter = v.verb("matter", plural_subject=v.number == "plural").title()
            return [f"Why {headline(v.noun)} {matter}"]
        return ["Why It Matters", "What Affects the Answer"]
    if v.kind == "local":
        if v.number == "count":
            return [f"Why {headline(v.noun and 'a local ' + v.noun)} Makes Sense"]
        if v.number == "proper":
            return ["Why Shopping Locally Makes Sense"]
        make = "Make" if v.number == "plural" else "Makes"
        return [f"Why Local {headline(v.noun)} {make} Sense"]
    if v.kind == "best":
        return ["What Sets the Best Options Apart", "Why the Right Choice Matters"]
    if v.kind == "comparison":
        x, y = sides(v, [])
        return [f"Key Differences Between {x} and {y}"]
    if v.kind == "cost":
        return ["What Affects the Price", "What Drives the Cost"]
    if v.kind == "problem":
        return ["Common Causes", "What Causes It"]
    return ["What You Can Do with It", "Why It Matters"]


def start(v: Voice) -> list[str]:
    """Headings for the section on how to begin."""
    s = v.shape
    if v.kind == "topic" and s.list_head in COLLECTIONS:
        return ["How to Put Them to Work", "A Step-by-Step Approach"]
    if v.kind == "topic":
        return [f"How to Get Started with {v.ref}", "A Step-by-Step Approach"]
    if v.kind == "local":
        return [headline(f"how to choose {v.a_noun} {v.near}")]
    if v.kind == "best":
        return [headline(f"how to choose {v.best_single}")]
    if v.kind == "comparison":
        x, y = sides(v, [])
        return [f"How to Choose Between {x} and {y}"]
    if v.kind == "cost":
        return ["How to Keep the Cost Down", "How to Get a Fair Quote"]
    if v.kind == "problem":
        return ["How to Fix It", "A Step-by-Step Fix"]
    if v.kind == "question":
        return ["What to Do Next", "A Step-by-Step Approach"]
    return ["A Step-by-Step Approach", "How to Do It Right"]


def works(v: Voice) -> str:
    """The heading on how the topic works (articles)."""
    s = v.shape
    if v.kind == "topic" and s.list_head in COLLECTIONS:
        return "How to Use Them"
    if v.kind == "topic":
        return f"How {v.ref} {v.verb('work').title()}"
    return {
        "how_to": "How It Works",
        "question": "A Closer Look",
        "local": "How to Compare Local Options",
        "best": "How to Compare the Options",
        "comparison": "How {} and {} Differ".format(*(headline(x) for x in v.side_nouns)),
        "cost": "Typical Price Ranges",
        "problem": "How to Diagnose It",
    }.get(v.kind, "How It Works")


def glance(v: Voice) -> str | None:
    """ "Compost Bin at a Glance"; None where that would not read ("Is My Squash Dying? at
    a Glance")."""
    if v.kind in ("question", "problem"):
        return None
    return f"{v.versus if v.kind == 'comparison' else v.label} at a Glance"


def related_heading(r: Voice) -> str:
    """A related keyword as a heading of its own: a question stays a question."""
    return r.label if r.kind in ("question", "how_to", "problem", "comparison") else r.ref


def related_noun(r: Voice) -> str | None:
    """A related keyword as a noun phrase for "The Role of …", or None when it is not one."""
    return r.ref if r.kind in ("topic", "navigational") else None


def _navigational_faq(v: Voice) -> list[str]:
    """What people ask about a brand's login, help line or site: about the brand and the
    page they are looking for ("How Do You Sign In to Chase Bank?"), never about the search
    as if it were a thing ("How Do Chase Bank Login Work?")."""
    brand = v.brand_phrase[: -len(v.shape.list_head)].strip() if v.shape.list_head else ""
    brand = headline(brand or v.noun)
    app = headline(with_article(f"{brand} app"))
    ending = v.shape.list_head
    if ending in ("customer service", "phone number"):
        return [
            f"How Do You Reach {brand} Customer Service?",
            f"What Should You Have Ready Before You Contact {brand}?",
            f"When Is the Best Time to Call {brand}?",
            f"Can You Reach {brand} Without Calling?",
            headline(f"how do you spot {with_article(f'fake {brand} number')}") + "?",
            f"What If {brand} Does Not Answer?",
        ]
    if ending == "official site":
        return [
            f"How Do You Know You Are on the Official {brand} Site?",
            f"What Can You Do on the {brand} Website?",
            f"Is There {app}?",
            f"How Do You Contact {brand}?",
            f"What Should You Do If the {brand} Site Is Down?",
        ]
    first = f"How Do You Create {headline(with_article(f'{brand} account'))}?"
    if ending != "sign up":
        first = f"How Do You Sign In to {brand}?"
    return [
        first,
        f"What If You Forget Your {brand} Password?",
        f"How Do You Know You Are on the Real {brand} Page?",
        f"Is It Safe to Sign In to {brand} on a Shared Computer?",
        f"Is There {app}?",
        "Who Can Help If You Still Cannot Get In?",
    ]


def faq_questions(v: Voice, for_whom: str, related: list[Voice] | None = None) -> list[str]:
    """Questions readers ask about the topic, the first one naming it (FAQ outlines and the
    FAQ block of an article). Related keywords that are questions are asked as they are."""
    s = v.shape
    who = for_whom or "Beginners"
    related = related or []
    if v.kind == "topic" and s.list_head in COLLECTIONS:
        base = [
            f"{v.label}: Where Should You Start?",
            "Which Ones Suit Beginners?",
            "How Much Should You Budget?",
            "What Mistakes Should You Avoid?",
            "How Do You Choose the Right Ones?",
            "How Often Should You Revisit Them?",
        ]
    elif v.kind == "navigational":
        base = [v.what, *_navigational_faq(v)]
    elif v.kind == "topic":
        r, does, is_ = v.ref, v.verb("do").title(), v.verb("be").title()
        base = [
            v.what,
            f"How {does} {r} Work?",
            f"How Much {does} {r} Cost?",
            f"{is_} {r} Worth It for {who}?",
            f"What Mistakes Should You Avoid with {r}?",
            f"Do You Need Special Tools for {r}?",
            "How Long Does It Take to See Results?",
            f"Can Beginners Handle {r}?",
        ]
        base += [f"How {is_} {r} Different from {n}?" for n in map(related_noun, related[:2]) if n]
    elif v.kind == "how_to":
        a, g = headline(v.action), headline(v.gerund_phrase)
        base = [
            v.what,
            f"How Long Does It Take to {a}?",
            f"What Do You Need to {a}?",
            f"How Much Does It Cost to {a}?",
            f"What Mistakes Should You Avoid When {g}?",
            f"Can Beginners {a}?",
            "When Should You Ask an Expert for Help?",
        ]
    elif v.kind == "local":
        base = [
            headline(f"how do you find {v.a_good} {v.near}") + "?",
            headline(f"what should you ask before choosing {v.a_noun}") + "?",
            "How Much Should You Expect to Pay?",
            "How Can You Tell If Reviews Are Genuine?",
            "What Are the Warning Signs to Watch For?",
            "Is the Nearest Option Always the Best?",
        ]
    elif v.kind == "best":
        base = [
            headline(f"what should you look for in {v.a_noun}") + "?",
            "How Much Should You Spend?",
            "Is the Cheapest Option Good Enough?",
            "Which One Is Best for Beginners?",
            "Is It Worth Paying More?",
            "What Are the Most Common Buying Mistakes?",
        ]
    elif v.kind == "comparison":
        x, y = sides(v, [])
        be = "Are" if is_plural_phrase(x) else "Is"
        base = [
            f"What Is the Main Difference Between {x} and {y}?",
            f"{be} {x} Better Than {y}?",
            f"Which Is Cheaper, {x} or {y}?",
            "Which Is Easier for Beginners?",
            f"Can You Switch from {x} to {y} Later?",
            f"Can You Use {x} and {y} Together?",
        ]
    elif v.kind == "cost":
        base = [
            v.how_much,
            "What Affects the Price?",
            "Are There Hidden Costs?",
            "How Can You Save Money?",
            "Is It Worth Paying More for Quality?",
            "How Do You Get an Accurate Quote?",
        ]
    elif v.kind == "problem":
        base = [
            f"{v.label}: What Causes It?",
            "Is It Dangerous?",
            "Can You Fix It Yourself?",
            "When Should You Call a Professional?",
            "How Can You Stop It Happening Again?",
            "How Much Does a Fix Cost?",
        ]
    else:  # a question
        first = v.label if v.label.endswith("?") else headline(v.question.rstrip("?")) + "?"
        base = [
            first,
            "What Does the Answer Depend On?",
            "What Should You Do First?",
            "When Should You Ask an Expert?",
            "What Mistakes Should You Avoid?",
            "How Can You Tell for Sure?",
            "Is There a Quick Rule of Thumb?",
        ]
        if s.problem:
            base += ["What Are the Most Common Causes?", "How Can You Prevent It?"]
    asked = [r.label for r in related if r.kind == "question" and r.label.endswith("?")]
    out = [headline(q) for q in dict.fromkeys(base + asked)]
    return [q for q in out if acceptable(q)]
