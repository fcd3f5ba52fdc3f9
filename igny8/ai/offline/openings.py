"""The sentences that carry the primary keyword exactly as it was searched: the first sentence
of an article and its meta description, one bank for each keyword shape (voice.searched).

"{phrase}" is the keyword in the form the bank expects: a noun phrase ("garden fertilizer"),
"a compost bin", "how to unclog a drain", the question itself ("Is my squash dying?"), "a good
electrician near you", "the best espresso machine under $200", "the scrum vs kanban question",
"roof replacement cost". Every template is grammatical with every
phrase of its bank; a sentence's first letter is capitalised after filling.
"""

from __future__ import annotations

OPENINGS: dict[str, list[str]] = {
    "topic": [
        "If you have been researching {phrase}, you have probably noticed how much conflicting "
        "advice there is.",
        "{phrase} is one of those topics that looks simple until you try it yourself.",
        "Few topics raise as many questions among {audience} as {phrase}.",
        "There is a lot of advice about {phrase} out there, and not all of it is useful.",
        "Interest in {phrase} keeps growing, and for good reason.",
        "Most people come to {phrase} with a specific problem in mind and too little time to "
        "solve it.",
    ],
    "topic_count": [
        "If you are thinking about {phrase}, you have probably noticed how much conflicting "
        "advice there is.",
        "There is more to {phrase} than first meets the eye.",
        "Few things raise as many questions among {audience} as {phrase}.",
        "Most people look into {phrase} with a specific problem in mind and too little time to "
        "solve it.",
        "Getting the most from {phrase} is easier than it looks, once you know what matters.",
    ],
    "how_to": [
        "Knowing {phrase} saves time, money and a fair amount of frustration.",
        "If you have ever wondered {phrase}, you are in good company.",
        "Learning {phrase} is easier than it looks, and this article shows why.",
        "Most people look up {phrase} with a specific problem in mind and too little time to "
        "solve it.",
        "There is a lot of advice out there on {phrase}, and not all of it is useful.",
    ],
    "ways": [
        "There are more {phrase} than most people think, and some work far better than others.",
        "Not all {phrase} are equal: a few do most of the work.",
    ],
    "question": [
        "{phrase} It is a fair question, and the answer depends on a few things worth "
        "understanding.",
        "{phrase} If you are asking, you are not alone: it comes up all the time.",
        "“{phrase}” comes up again and again, and it deserves a clear answer.",
        "{phrase} The short answer depends on a few details, and this article walks through them.",
    ],
    "clause": [
        "Knowing {phrase} makes a real difference, and it is easier to work out than it looks.",
        "Working out {phrase} is easier with a clear plan.",
        "{phrase} depends on a few things worth understanding.",
        "Plenty of {audience} want to know {phrase}, and the answer has a few parts.",
    ],
    "local": [
        "Finding {phrase} is the easy part; choosing well takes a little more thought.",
        "A quick search for {phrase} turns up plenty of names, but not all of them are a good fit.",
        "Most people look for {phrase} with a specific job in mind and too little time to compare.",
    ],
    "best": [
        "Finding {phrase} takes more than reading product pages.",
        "Choosing {phrase} comes down to a few features that matter and many that do not.",
        "{phrase} is not always the most expensive option, and it is rarely the most advertised.",
    ],
    "comparison": [
        "{phrase} comes up whenever people weigh their options, and the answer is clearer than "
        "it seems.",
        "{phrase} has no single right answer, but it does have a right answer for you.",
        "Many {audience} get stuck on {phrase}, usually because both options have real strengths.",
    ],
    "cost": [
        "{phrase} varies more than most people expect, and the reasons are worth knowing.",
        "Before you commit, it pays to understand {phrase} and what drives the price.",
        "Budgeting is easier once you know what shapes {phrase}.",
    ],
    "problem": [
        "{phrase}? You are not alone, and the cause is usually simpler than it looks.",
        "“{phrase}” is one of the most common complaints, and most of the time it has a simple "
        "explanation.",
    ],
    "navigational": [
        "{phrase} should be simple, but it does not always work the way you expect.",
        "Most people only think about {phrase} when something goes wrong.",
    ],
}

# Meta descriptions: {topics} names two or three of the article's sections.
META: dict[str, list[str]] = {
    "topic": [
        "{phrase}: a practical guide for {audience}, covering {topics}.",
        "{phrase}, explained for {audience}: {topics}, and what to do next.",
        "{phrase} made simple: clear advice on {topics}.",
    ],
    "topic_count": [
        "Thinking about {phrase}? A practical guide for {audience}, covering {topics}.",
        "Choosing {phrase}: clear advice for {audience} on {topics}.",
    ],
    "how_to": [
        "{phrase}: a practical guide for {audience}, covering {topics}.",
        "Learn {phrase}, with clear advice on {topics}.",
    ],
    "ways": ["{phrase}: a practical guide for {audience}, covering {topics}."],
    "question": [
        "{phrase} A practical answer for {audience}, covering {topics}.",
        "{phrase} Clear advice on {topics}, and what to do next.",
    ],
    "clause": [
        "{phrase}: a practical guide for {audience}, covering {topics}.",
        "{phrase}, explained: {topics}, and what to do next.",
    ],
    "local": [  # {search}: the search as typed, quoted: the one place "near me" is kept
        "Searching for “{search}”? How to choose well: {topics}.",
        "Searched for “{search}”? Clear advice for {audience} on {topics}.",
    ],
    "best": [
        "{phrase}: what to look for, with clear advice on {topics}.",
        "How to choose {phrase}, with clear advice on {topics}.",
    ],
    "comparison": [
        "{phrase}: how the two differ on {topics}, and which to choose.",
        "{phrase}, answered for {audience}: {topics}, and a clear verdict.",
    ],
    "cost": [
        "{phrase}: what to expect, covering {topics}.",
        "{phrase}, explained for {audience}: {topics}, and how to save.",
    ],
    "problem": ["{phrase}? Causes, fixes and {topics}, explained in plain words."],
    "navigational": ["{phrase}: a quick guide covering {topics}."],
}

# Weaving a related secondary keyword into a section. NP: a noun phrase ("compost bins");
# ASKED: a question, quoted (“Why is my squash turning yellow?”); SEARCHED: a search, quoted
# as typed (“emergency electrician near me”).
MENTIONS_NP = [
    "{kw2} is closely related, so it is worth considering at the same time.",
    "This is also where {kw2} comes into the picture.",
    "Many readers arrive here looking into {kw2}, and the same principles apply.",
    "If you are weighing up {kw2}, the same logic holds.",
    "It makes sense to look at {kw2} alongside this, since the two often go together.",
    "A good grasp of {kw2} makes this part noticeably easier.",
    "People who ask about {kw2} usually face the same decision.",
    "The same advice applies to {kw2}, with only minor differences.",
    "Questions about {kw2} often come up at this stage, too.",
    "Keep {kw2} in mind here: it affects the outcome more than you might expect.",
]
MENTIONS_ASKED = [
    "A related question readers often ask is “{kw2}”, and the same advice applies.",
    "Many people also search for “{kw2}”; the same principles hold.",
    "If you came here asking “{kw2}”, this part applies to you too.",
    "“{kw2}” comes up at this stage, too, and the answer follows the same logic.",
]
MENTIONS_SEARCHED = [
    "Many people also search for “{kw2}”; the same principles hold.",
    "If you searched for “{kw2}”, this part applies to you too.",
    "A search for “{kw2}” leads to the same advice, with only minor differences.",
]
