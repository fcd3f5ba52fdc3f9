"""What a section is about, read from its heading, and the sentences that fit each kind.

`TOPIC[kind]` opens a section; `BODY[kind]` is mixed with the shared cores in its paragraphs.
The "action" kind serves imperative headings ("Gather the Right Tools") through {action}.
"""

from __future__ import annotations

import re

from igny8.ai.offline.english import VERB_ONLY, gerund, plural
from igny8.ai.offline.nouns import number_of, split_noun

TOPIC: dict[str, list[str]] = {
    "what": [
        "At its simplest, {subject} is about making a few good decisions and sticking with them.",
        "{subject} covers more ground than the name suggests, so it helps to start with the "
        "basics.",
        "Put plainly, {subject} is the part of {kw} that everything else builds on.",
        "Strip away the jargon and {subject} comes down to a handful of ideas.",
        "It is easier to understand {subject} by looking at what it does than at how it is "
        "defined.",
        "Most definitions of {subject} agree on the essentials, even if the details vary.",
    ],
    "why": [
        "{subject} matters because it shapes what you get from {kw} long after the first decision.",
        "The case for taking {subject} seriously is simple: it saves time, money and frustration.",
        "For {audience}, {subject} is often the difference between a result that lasts and one "
        "that does not.",
        "It is tempting to skip {subject}, but the benefits show up quickly.",
        "There are three good reasons to pay attention to {subject}: cost, quality and peace of "
        "mind.",
    ],
    "how": [
        "The process behind {subject} is more straightforward than it looks from the outside.",
        "{subject} follows a predictable pattern once you know what to look for.",
        "Here is how {subject} works in practice, without the jargon.",
        "Behind {subject} sits a simple sequence: prepare, act, check and adjust.",
    ],
    "prep": [
        "Before you begin, it helps to gather everything in one place.",
        "A little preparation here saves a lot of back-and-forth later.",
        "You do not need much to get started, but a few things make a real difference.",
        "Good preparation is half the job, and it starts with a short list.",
    ],
    "action": [
        "The aim here is to {action}, and to do it carefully rather than quickly.",
        "Take your time: the better you {action}, the smoother everything after it will be.",
        "It is tempting to rush, but the time you take to {action} pays off later.",
        "When you {action}, work methodically and note anything unexpected.",
        "Most people can {action} in an afternoon, though the first time may take longer.",
        "If you are unsure how to {action}, start with the smallest version of the task.",
        "It is worth making the effort to {action}: the payoff is bigger than the effort.",
        "Making time to {action} is one of the simplest changes you can make.",
    ],
    "step": [
        "This step is all about {subject}, so give it your full attention.",
        "{subject} is the focus of this step, and it is worth doing properly.",
        "At this stage, {subject} takes centre stage.",
        "Plenty of people rush {subject}, but this is the step where care pays off most.",
    ],
    "item": [
        "{subject} earns its place on this list because it delivers results without much effort.",
        "What makes {subject} worth trying is how easily it fits into an existing routine.",
        "{subject} is a favourite among {audience}, and for good reason.",
        "Few ideas offer as much for as little effort as {subject}.",
        "{subject} is simple, but it is surprisingly easy to overlook.",
        "If you only try one thing from this list, {subject} is a strong candidate.",
    ],
    "criterion": [
        "On {subject}, {x} and {y} differ more than their descriptions suggest.",
        "When it comes to {subject}, {x} has the edge in some situations and {y} in others.",
        "{subject} is where many people make up their minds between {x} and {y}.",
        "Judged purely on {subject}, the gap between {x} and {y} is narrower than you might think.",
        "{subject} deserves careful weighing, because {x} and {y} take different approaches.",
    ],
    "verdict": [
        "So which should you choose? For most {audience}, it comes down to budget and priorities.",
        "There is no universal winner, but there is usually a clear winner for your situation.",
        "Taken together, the points above lead to a simple rule of thumb.",
        "After weighing everything, the answer is clearer than it first seemed.",
    ],
    "mistakes": [
        "Even experienced {audience} slip up with {kw} from time to time.",
        "Most mistakes with {kw} are easy to avoid once you know what they look like.",
        "The same handful of mistakes comes up again and again.",
        "Knowing the common pitfalls is half the work of avoiding them.",
    ],
    "question": [
        "The short answer is that it depends on your goals, your budget and your timeline.",
        "It varies, but there are a few reliable rules of thumb.",
        "Most experts give a similar answer, even if they phrase it differently.",
        "This comes up often, and the honest answer has a few parts.",
    ],
    "yes_no": [
        "For most {audience}, yes, provided you go in with realistic expectations.",
        "Usually, yes, although there are exceptions worth knowing about.",
        "It can be, but only if it fits your situation.",
        "In many cases the answer is yes, but it depends on how you approach {kw}.",
    ],
    "conclusion": [
        "{kw} does not have to be complicated, and the sections above show why.",
        "The main thing to take away is that {kw} rewards steady, informed effort.",
        "Whether you are starting out or refining what you do, the principles are the same.",
        "With the basics in place, {kw} becomes far more manageable.",
        "Every situation is different, but the ideas here apply almost everywhere.",
    ],
    "overview": [
        "Before getting into the details, here is the big picture.",
        "A quick overview puts everything that follows in context.",
        "At a glance, the differences come down to a few key points.",
    ],
    "choice": [
        "{subject} is the better fit when its strengths match what you need most.",
        "There are clear situations in which {subject} is the sensible pick.",
        "{subject} suits people who want a straightforward, predictable result.",
        "If your priorities lean a certain way, {subject} is hard to beat.",
    ],
    "features": [
        "The features of {kw} that matter most are the ones you will use every day.",
        "On paper, {kw} offers plenty; in practice, a few features do most of the work.",
        "Here are the parts of {kw} that deserve a closer look.",
    ],
    "pros": [
        "There is a lot to like about {kw}, starting with how approachable it is.",
        "The strengths of {kw} show up quickly in everyday use.",
        "Several things stand out about {kw}, for the right reasons.",
    ],
    "cons": [
        "No option is perfect, and {kw} has a few weak spots worth knowing about.",
        "A few drawbacks of {kw} are worth weighing before you commit.",
        "Some limitations of {kw} only become clear after a while.",
    ],
    "fit": [
        "{kw} is a good fit for {audience} who want dependable results without a steep "
        "learning curve.",
        "Not everyone needs {kw}, but some people will get a lot out of it.",
        "Whether {kw} suits you depends mostly on your goals and how much time you have.",
    ],
    "alternatives": [
        "If {kw} does not quite fit, there are good alternatives to consider.",
        "It is worth knowing the alternatives to {kw} before you decide.",
        "A few other options cover similar ground to {kw}, each with its own trade-offs.",
    ],
    "troubleshooting": [
        "When something goes wrong with {kw}, the cause is usually simple.",
        "Most problems with {kw} have a handful of common causes.",
        "If results are not what you expected, work through the usual suspects first.",
    ],
    "general": [
        "{subject} is a good place to look more closely.",
        "There is more to {subject} than first meets the eye.",
        "{subject} deserves attention from anyone serious about {kw}.",
        "Let us look at {subject} in a little more detail.",
        "{subject} is often where good intentions meet real-world constraints.",
        "A clear view of {subject} makes the rest of {kw} easier to plan.",
        "Questions about {subject} come up more often than almost any other.",
    ],
}

BODY: dict[str, list[str]] = {
    "what": [
        "Once those essentials are clear, the rest of {kw} falls into place more easily.",
        "A working definition is enough to get started; precision can come later.",
        "The term means slightly different things across {sector}, which is why context matters.",
    ],
    "why": [
        "The benefits tend to build on each other, so an early start pays off.",
        "Even a modest improvement here makes the rest of the work noticeably easier.",
        "Ignoring it rarely causes an immediate problem, which is exactly why it is neglected.",
    ],
    "how": [
        "Each stage depends on the one before, so it pays to take them in order.",
        "Most of the work happens in preparation; the rest is steady follow-through.",
    ],
    "action": [
        "Check your work before moving on; fixing a problem now is easier than later.",
        "Keep a note of what you did, so you can repeat it or undo it next time.",
        "If something does not look right, stop and reassess rather than pushing ahead.",
        "A second pair of eyes helps at this stage, especially on a first attempt.",
    ],
    "item": [
        "It works on its own, but it works even better alongside the other ideas here.",
        "The main caveat is that it can take a few weeks before the benefits are obvious.",
    ],
    "criterion": [
        "If this is your top priority, {x} is usually the safer choice.",
        "{y} tends to appeal to people who value flexibility over simplicity.",
        "Neither option is perfect here, so weigh this against the other criteria.",
        "The right pick depends on how you plan to use it day to day.",
    ],
    "verdict": [
        "Choose {x} if simplicity and predictability matter most; choose {y} for more control.",
        "If you are still undecided, start with the cheaper option and upgrade when you know more.",
    ],
    "mistakes": [
        "Rushing the preparation is the classic error, and it is the easiest to fix.",
        "Another frequent problem is copying someone else's approach without adapting it.",
        "Ignoring small warning signs tends to turn minor issues into expensive ones.",
        "Trying to change everything at once makes it impossible to tell what worked.",
        "Skipping regular checks is a quiet mistake that only shows up later.",
    ],
    "pros": [
        "It is easy to get started, and the basics are well thought out.",
        "Results are consistent once it is set up properly.",
        "It offers good value for what it asks of you in time and money.",
    ],
    "cons": [
        "The learning curve is steeper than the marketing suggests.",
        "It takes more upkeep than some of the alternatives.",
        "Costs can creep up once you add the extras.",
    ],
    "troubleshooting": [
        "Change one thing at a time, so you can tell which fix worked.",
        "Check the basics first: most problems start with something simple.",
        "If a problem keeps coming back, look for the cause rather than the symptom.",
    ],
    "conclusion": [
        "Start with one change, see how it goes, and build from there.",
        "Come back to this article whenever you need a refresher.",
        "If in doubt, keep it simple and focus on the fundamentals.",
        "Above all, give yourself time: results build gradually.",
    ],
}

# First words that make a heading an instruction ("Choose Your Soil").
VERBS = VERB_ONLY | frozenset(
    """add adjust apply ask assess avoid bake balance book build buy calculate call change check
    choose clean compare consider contact cook cover create cut decide define delete dig draft
    dry explore feed fill find fix follow gather get grow harvest hire identify improve install
    invest join keep label learn list make manage map measure mix monitor negotiate open
    optimise optimize pack paint pay pick plan plant practise practice prepare price protect
    prune publish read reduce remove repeat replace research review run save schedule seal
    secure select set share sort start stop store switch test track train trim try turn update
    upgrade use wash watch water write put adjust""".split()
)

_NUMBERING = re.compile(r"^\s*(?:step\s+\d+\s*[:.\-–—]\s*|\d+\s*[.):\-–—]\s*|#\d+\s*)", re.I)
_LEADING = re.compile(
    r"^(?:what(?:'s| is| are)|why(?: is| are| do| does| you should)?|how(?: to| do| does| can|"
    r" much| long| often)?|when(?: to| should)?|where(?: to)?|who(?: is| should)?|is|are|can|"
    r"should|do|does|understanding|the basics of|an introduction to|introduction to|"
    r"getting started with|a closer look at)\s+",
    re.I,
)
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
_TRAILING = re.compile(
    r"\s+(?:matters?|works?|makes? sense|is important|are important)\b.*$|\s+explained$", re.I
)
_PRONOUNS = frozenset("i you your we our it its they their this these that those".split())
_YES_NO = re.compile(r"^(?:is|are|can|do|does|should|will|would|could|must)\b", re.I)


_REVIEW_KINDS = [
    ("overview", r"at a glance|overview|key differences"),
    ("choice", r"^when .+ makes? sense|^choose .+ if\b"),
    ("features", r"^key features|^features\b|^main features"),
    ("pros", r"what we liked|^pros\b|strengths|what works"),
    ("cons", r"could be better|drawbacks|^cons\b|downsides|limitations"),
    ("fit", r"who (?:it is|it's|should) (?:for|consider)|who should"),
    ("alternatives", r"alternatives"),
    ("troubleshooting", r"troubleshoot|common problems|fixing problems"),
]


def strip_numbering(heading: str) -> str:
    return _NUMBERING.sub("", heading).strip()


def classify(heading: str, structure: str) -> str:
    """The kind of a section: decides which topic sentences and body sentences it gets."""
    text = strip_numbering(heading).lower()
    if re.search(r"\bfaqs?\b|frequently asked", text):
        return "faq"
    if re.search(r"conclusion|final thoughts|wrapping up|in summary|summary|bottom line|"
                 r"key takeaways|in closing|next steps", text):  # fmt: skip
        return "conclusion"
    if re.search(r"verdict|which (?:one )?should you|which is better|our pick|winner", text):
        return "verdict"
    if re.search(r"mistake|pitfall|to avoid|errors", text):
        return "mistakes"
    if "?" in text.rstrip("?") or "short answer" in text:  # "Is My Squash Dying? The Short…"
        return "yes_no" if _YES_NO.match(text) else "question"
    if re.search(r"^(?:common causes|what causes)|: what it means$", text):
        return "troubleshooting"
    if re.match(r"what(?:'s| is| are)\b", text):
        return "what"
    for kind, pattern in _REVIEW_KINDS:
        if re.search(pattern, text):
            return kind
    if text.endswith("?"):
        return "yes_no" if _YES_NO.match(text) else "question"
    if text.startswith("why") or re.search(r"\bbenefits?\b|\bmatters?\b", text):
        return "why"
    if re.search(r"what you(?:'ll| will)? need|before you (?:start|begin)|prerequisites|tools "
                 r"and materials|getting ready|what to (?:check first|have ready)|questions to "
                 r"ask yourself", text):  # fmt: skip
        return "prep"
    if text.startswith("how"):
        return "how"
    first = text.split(" ", 1)[0] if text else ""
    if first in VERBS:
        return "action"
    if re.match(r"\s*step\s+\d", heading, re.I):
        return "step"
    return {"listicle": "item", "comparison": "criterion", "how_to": "step", "faq": "question"}.get(
        structure, "general"
    )


def _lower(words: list[str]) -> str:
    return " ".join(w if (w.isupper() and len(w) > 1) else w.lower() for w in words)


# Sections about the article as a whole talk about the primary keyword, not their heading.
_KEYWORD_KINDS = frozenset(
    {
        "conclusion",
        "mistakes",
        "verdict",
        "faq",
        "question",
        "yes_no",
        "overview",
        "features",
        "pros",
        "cons",
        "fit",
        "alternatives",
        "troubleshooting",
    }  # fmt: skip
)


# Headings whose subject is the article's own topic.
_ABOUT_KEYWORD = re.compile(
    r"^(?:a closer look|the details|the short answer|a step-by-step (?:approach|fix)|how to do "
    r"it right|where to start|what to do next|the basics|key facts|before you (?:start|begin))$",
    re.I,
)
_LEAD_INS = re.compile(
    r"^(?:the role of|the basics of|the benefits of|going further|a closer look at)\s+", re.I
)
_ASKING = frozenset("what which when where who whom whose how why my".split())


def subject_of(
    heading: str, keyword: str, kind: str = "general", *, names: tuple[str, ...] = ()
) -> str:
    """The noun phrase a section talks about: "Why Compost Matters" → "compost",
    "How to Start a Compost Bin" → "starting a compost bin". `keyword` is the article's topic
    as a noun phrase; a heading that names the topic (any of `names`, lower-case) or asks
    about it ("Is My Squash Dying? The Short Answer") is about `keyword`."""
    if kind in _KEYWORD_KINDS or kind == "prep":
        return keyword
    text = strip_numbering(heading).strip()
    low = text.lower()
    if any(name and name in low for name in names) or "?" in text.rstrip("?"):
        return keyword
    if ":" in text:  # "Going Further: How to Water Squash" is about watering squash
        before, _, after = text.partition(":")
        text = after.strip() or before.strip()
    text = _LEAD_INS.sub("", text.rstrip("?!.:").strip())
    if _ABOUT_KEYWORD.match(text):
        return keyword
    action = re.sub(r"^how to\s+", "", text, flags=re.I)
    first = action.split(" ", 1)[0].lower() if action else ""
    if action != text or first in VERBS:
        words = action.split()
        if 0 < len(words) <= 8:
            # "Review and Adjust" → "reviewing and adjusting"
            rest = [gerund(w) if i and words[i - 1].lower() in ("and", "or") and w.lower() in VERBS
                    else w for i, w in enumerate(words[1:], start=1)]  # fmt: skip
            return _with_topic(" ".join([gerund(words[0]), _lower(rest)]).strip(), keyword)
    for _ in range(2):  # "How much does …" loses both "how much" and "does"
        text = _LEADING.sub("", text)
    article = _ARTICLE.match(text)
    text = _ARTICLE.sub("", text)
    text = _TRAILING.sub("", text).strip(" ,;:-–—")
    words = text.split()
    if not words or len(words) > 8 or words[0].lower() in _PRONOUNS | _ASKING:
        return keyword
    phrase = _lower(words)
    noun, tail = split_noun(phrase.split())
    if noun and number_of(" ".join(noun)) == "count" and not noun[0].endswith("ing"):
        if article and tail:  # "the main difference between x and y" keeps its "the"
            return _with_topic(f"the {phrase}", keyword)
        phrase = " ".join([*noun[:-1], plural(noun[-1]), *tail])  # "ideal locations"
    return _with_topic(phrase, keyword)


def _with_topic(phrase: str, keyword: str) -> str:
    """ "fixing it" → "fixing your breaker": a pronoun at the end stands for the topic."""
    first = keyword.split(" ", 1)[0]
    if first.endswith("ing") or not re.search(r" (?:it|them)$", phrase):
        return phrase
    return re.sub(r" (?:it|them)$", " " + keyword, phrase)


def action_of(heading: str) -> str:
    """An imperative heading as a clause: "Step 2: Choose Your Soil" → "choose your soil"."""
    text = re.sub(r"^how to\s+", "", strip_numbering(heading).rstrip("?!.:"), flags=re.I)
    return _lower(text.split())
