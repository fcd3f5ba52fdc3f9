"""Phrase banks of the offline writer (English).

Slots: {kw} the article's topic as a noun phrase ("compost bins", "your squash", "unclogging a
drain"; voice.py), {subject} what a section is about, {action} an imperative heading ("gather
the right tools"), {audience}, {sector}, {x}/{y} the two sides of a comparison. A verb right
after {kw} or {subject} agrees with it ("compost bins are"). The sentences that carry the
keyword exactly as searched are in openings.py. A sentence's first letter is capitalised after
filling, so a template may start with a slot. Every bank is large enough that an article of a
few thousand words rarely needs the same sentence shape twice.
"""

from __future__ import annotations

# Body sentences, assembled as opener + core + ending. Cores start lower-case, no final stop.
CORES = [
    "the details of {subject} matter more than the headline advice suggests",
    "{subject} rewards a little planning before you spend time or money on it",
    "most problems with {subject} trace back to a rushed first decision",
    "it helps to write down what a good result with {subject} looks like before you start",
    "small, regular adjustments to {subject} tend to beat one big overhaul",
    "the right approach to {subject} depends on your budget, your time and your appetite for risk",
    "{audience} often find that {subject} is simpler than it first appears",
    "a quick check on {subject} every few weeks catches most issues early",
    "there is rarely a single correct answer to {subject}, but some answers are clearly better",
    "comparing two or three options side by side makes {subject} much easier to judge",
    "good notes on {subject} make the next decision faster",
    "the cost of a mistake with {subject} is usually time rather than money",
    "people who are new to {kw} tend to overthink {subject} and underthink the basics",
    "{subject} is easier to manage when you break it into smaller decisions",
    "what works for one project may not work for the next, so treat {subject} as a test",
    "the best results with {subject} come from steady habits rather than one-off efforts",
    "a realistic timeline for {subject} keeps expectations in check",
    "experienced people in {sector} treat {subject} as an ongoing process, not a one-off job",
    "the simplest version of {subject} is often the one that lasts",
    "before changing anything, measure where you stand with {subject} today",
    "clear priorities make {subject} far less overwhelming",
    "{subject} affects the rest of your plans for {kw} more than most people expect",
    "trusted sources and first-hand experience are the best guides to {subject}",
    "a short checklist keeps {subject} on track when things get busy",
    "the trade-offs in {subject} become obvious once you list them on paper",
    "it is worth asking someone experienced to look over your plans for {subject}",
    "quality matters more than quantity when it comes to {subject}",
    "{subject} is one of the areas where patience clearly pays off",
    "the first attempt at {subject} rarely looks perfect, and that is fine",
    "a little research on {subject} up front prevents expensive surprises later",
    "every choice about {subject} should serve the goal you set at the start",
    "the usual advice about {subject} is sound, but it needs adapting to your situation",
    "{audience} who stay consistent with {subject} usually stick with it longer",
    "tracking one or two numbers is enough to see whether {subject} is working",
    "changing seasons and shifting needs mean {subject} deserves a fresh look now and then",
    "a good plan for {subject} leaves room for the unexpected",
    "skipping the groundwork on {subject} tends to cost more later than it saves now",
    "{subject} becomes second nature after a few rounds of practice",
    "a clear goal turns {subject} from a chore into a series of small wins",
    "the right tools help with {subject}, but judgement matters more",
    "real-world examples say more about {subject} than marketing claims do",
    "what looks like a minor detail in {subject} can change the outcome",
    "there is no need to master every aspect of {subject} at once",
    "{subject} works best when it fits the way you already work",
    "it pays to revisit your assumptions about {subject} once you have some results",
    "many {audience} learn the most about {subject} from their own early mistakes",
    "a modest budget goes further when {subject} is planned carefully",
    "consistency with {subject} matters more than intensity",
    "understanding why {subject} works makes it easier to adapt when conditions change",
    "a second opinion on {subject} is cheap insurance against an expensive error",
    "the effort you put into {subject} early on compounds over time",
    "keeping {subject} visible in your plans stops it from slipping down the list",
    "{subject} is where a careful approach to {kw} starts to show results",
    "a simple routine for {subject} is easier to keep than an elaborate one",
    "doing a few things well beats doing everything halfway, and {subject} is no exception",
    "the numbers behind {subject} are worth checking for yourself",
    "a calm, methodical pace suits {subject} better than a rush",
    "most of the value in {subject} comes from a handful of decisions",
    "setting a date to review {subject} keeps it from drifting",
    "the best time to adjust {subject} is before small issues become big ones",
    "{audience} rarely regret the time they spend understanding {subject}",
    "a written plan for {subject} is easier to follow than one kept in your head",
    "good habits around {subject} are easier to build than bad ones are to break",
    "the gap between an average and a great result with {subject} is mostly attention to detail",
]

# Section openers for very short articles, where every word counts.
SHORT_TOPICS = [
    "{subject} deserves a closer look.",
    "Here is what matters about {subject}.",
    "{subject} is simpler than it looks.",
    "A few points matter most here.",
    "Start with {subject}.",
    "{subject} pays off quickly.",
    "{subject} rewards care.",
    "Think about {subject} early.",
    "{subject} is worth the effort.",
    "{subject} needs a clear plan.",
    "{subject} takes a little practice.",
    "Mind the details of {subject}.",
]

OPENERS = [
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "In practice, ",
    "As a rule, ",
    "Put simply, ",
    "In our experience, ",
    "Over time, ",
    "Realistically, ",
    "On balance, ",
    "Just as important, ",
    "That said, ",
    "In most cases, ",
    "Generally speaking, ",
    "Either way, ",
    "It is worth remembering that ",
    "Keep in mind that ",
    "One thing is clear: ",
]

# Mostly a plain full stop: the occasional tail keeps sentences from sounding stamped out.
ENDINGS = ["."] * 20 + [", whatever your starting point.", ", even on a tight budget."]

INTRO_FOLLOW = [
    "This article brings the essentials together in one place, so you can decide with confidence.",
    "The advice here is practical and focused on what actually works for {audience}.",
    "The aim is a clear path from the basics to the finer points.",
    "Along the way you will find practical tips, common pitfalls and straight answers.",
    "You do not need specialist knowledge to follow along.",
    "Each section stands on its own, so feel free to jump to the part you need.",
    "Nothing here requires expensive tools or years of experience.",
    "We have focused on the decisions that make the biggest difference.",
]

INTRO_BY_STRUCTURE = {
    "guide": "This guide covers everything from the first decisions to the finer points.",
    "how_to": "The steps below are in the order we recommend, with checks along the way.",
    "listicle": "Each idea below comes with a short explanation of why it works.",
    "comparison": "We compare {x} and {y} on the points that matter most, then give a verdict.",
    "review": "This review covers what stands out, what falls short and who it suits best.",
    "faq": "Below are straight answers to the questions people ask most often.",
    "article": "Below, we look at the essentials and what to do next.",
}

# Bulleted advice: (bold label, explanation).
LIST_ITEMS = [
    ("Start small", "one modest change to {subject} teaches more than a complete overhaul."),
    ("Write it down", "a few notes on {subject} make the next decision much quicker."),
    ("Check the basics", "most problems with {subject} start with something simple."),
    ("Set a budget", "decide what {subject} is worth to you before you begin."),
    ("Plan ahead", "a rough schedule for {subject} keeps surprises to a minimum."),
    ("Measure progress", "pick one number that tells you whether {subject} is working."),
    ("Ask for advice", "someone with experience of {subject} will spot what you might miss."),
    ("Keep it simple", "the simplest approach to {subject} is usually the easiest to keep."),
    ("Review regularly", "a short check every few weeks keeps {subject} on track."),
    ("Learn from results", "let what actually happens with {subject} shape your next step."),
    ("Stay consistent", "steady effort on {subject} beats occasional bursts."),
    ("Mind the details", "small choices in {subject} add up to big differences."),
    ("Compare options", "two or three approaches to {subject} side by side make choices clearer."),
    ("Think long term", "favour the version of {subject} that will still suit you in a year."),
    ("Be realistic", "set goals for {subject} that fit your time and resources."),
    ("Test first", "try your approach to {subject} on a small scale before committing fully."),
    ("Keep records", "a simple log makes patterns in {subject} easy to see."),
    ("Know your limits", "some parts of {subject} are better left to a professional."),
]

# Explanations under an outline item's bullet points.
POINT_NOTES = [
    "This shapes much of what follows, so it deserves a careful look.",
    "It is easy to overlook, but it often decides the result.",
    "A few minutes spent here saves time later.",
    "Most {audience} find this simpler than expected once they start.",
    "Get this right and the rest becomes more straightforward.",
    "It is worth checking this against your own situation.",
    "This is where many first attempts go wrong.",
    "Small improvements here are noticeable quickly.",
]

TIPS = [
    "Tip: if you only have time for one thing today, make it {subject}.",
    "A useful rule of thumb: decide what success with {subject} looks like before you begin.",
    "Worth remembering: the simplest approach to {kw} is usually the easiest to maintain.",
    "Quick check: can you explain your plan for {subject} in one sentence? If not, simplify it.",
    "From experience: most {audience} underestimate how long {subject} takes the first time.",
    "Tip: keep a short log of what you change, so you can tell what made the difference.",
    "Good to know: you can always refine {subject} later, so do not wait for a perfect plan.",
]

META_EXTRAS = [
    "Practical tips, common mistakes and clear next steps.",
    "Written for beginners and experienced readers alike.",
    "Read it before you start.",
    "No jargon, just what works.",
]
