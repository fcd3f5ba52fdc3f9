"""Title templates for each keyword shape and content structure (titles.py fills them).

Slots: {label} the keyword as a headline ("Roof Replacement Cost"), {lead} the keyword ready
for a subtitle ("Is My Squash Dying?" / "How to Unclog a Drain:"), {ref} the topic for "Guide
to …" ("Compost Bins"), {x}/{y} a comparison's sides, {n} a count, {for_whom} the audience, and
the shape's own ({best_single}, {a_good}, {near}, {how_much}, {answer}…).
"""

from __future__ import annotations

# {lead} is the keyword ready for a subtitle ("Is My Squash Dying?" / "Roblox Login:").
TITLES: dict[str, dict[str, list[str]]] = {
    "topic": {
        "guide": [
            "{label}: The Complete Guide",
            "The Complete Guide to {ref}",
            "{label}: A Beginner's Guide",
            "{label} Explained: A Practical Guide",
            "Everything You Need to Know About {ref}",
            "{label}: The Complete Guide for {for_whom}",
        ],
        "article": [
            "{label}: What to Know Before You Start",
            "What Everyone Should Know About {ref}",
            "{label}: Key Facts, Tips and Common Questions",
            "Why {ref} {deserve} Your Attention",
            "A Practical Look at {ref} for {for_whom}",
        ],
        "how_to": [
            "How to Get Started with {ref}",
            "How to Make the Most of {ref}",
            "{label}: A Step-by-Step Guide",
            "{label} in {steps} Simple Steps",
            "How to Get {ref} Right the First Time",
        ],
        "listicle": [
            "{n} Tips for {ref} That Actually Work",
            "{n} Things to Know About {ref}",
            "{n} Smart Ways to Approach {ref}",
            "{n} Expert Tips on {ref} for {for_whom}",
            "{label}: {n} Tips That Make a Difference",
        ],
        "comparison": [
            "{x} vs {y}: Which Is Better for {for_whom}?",
            "{x} vs {y}: Key Differences Explained",
            "{x} or {y}? An Honest Comparison",
            "{x} vs {y}: Pros, Cons and Costs Compared",
        ],
        "review": [
            "{label} Review: What Works and What Doesn't",
            "An Honest Review of {ref}",
            "{label} Review: {is} {it} Worth It?",
            "{label}: A Hands-On Review for {for_whom}",
        ],
        "faq": [
            "{label} FAQ: {n} Questions Answered",
            "{label}: Answers to the {n} Most Common Questions",
            "Your {label} Questions, Answered",
        ],
    },
    "collection": {  # "backyard wedding ideas", "sleep hygiene tips", "perimenopause symptoms"
        "guide": [
            "{label}: The Complete Guide",
            "{label}: A Beginner's Guide",
            "{label}: Everything You Need to Know",
        ],
        "article": [
            "{label}: What to Know",
            "{label}: The Essentials",
            "{label}: Key Facts and Common Questions",
        ],
        "how_to": ["{label}: How to Put Them to Work", "{label}: A Step-by-Step Guide"],
        "listicle": [
            "{n} {label} Worth Knowing",
            "{label}: {n} to Know About",
            "{label}: Our {n} Favourites",
        ],
        "comparison": ["{label}: The Options Compared", "{label}: Which Ones Fit You?"],
        "review": ["{label}: An Honest Review", "{label}: What Works and What Doesn't"],
        "faq": ["{label}: Your Questions Answered", "{label}: {n} Common Questions Answered"],
    },
    "question": {
        "guide": [
            "{lead} {answer}",
            "{lead} A Complete Guide",
            "{lead} Everything You Need to Know",
        ],
        "article": [
            "{lead} {answer}",
            "{lead} What You Need to Know",
            "{lead} A Clear Answer and What to Do Next",
        ],
        "how_to": ["{lead} What to Do, Step by Step", "{lead} A Step-by-Step Answer"],
        "listicle": ["{lead} {n} Things You Should Know", "{lead} {n} Key Facts"],
        "comparison": ["{lead} Your Options Compared", "{lead} Comparing the Options"],
        "review": ["{lead} An Honest Look", "{lead} An Honest Assessment"],
        "faq": ["{lead} Your Questions Answered", "{lead} {n} Common Questions Answered"],
    },
    "how_to": {
        "guide": [
            "{label}: The Complete Guide",
            "{label}: A Beginner's Guide",
            "{ref}: The Complete Guide for {for_whom}",
        ],
        "article": [
            "{label}: What to Know Before You Start",
            "{label}: Tips That Actually Work",
            "{ref}: Key Facts, Tips and Common Questions",
        ],
        "how_to": [
            "{label}: A Step-by-Step Guide",
            "{label} in {steps} Simple Steps",
            "{label}: A Beginner's Step-by-Step Guide",
        ],
        "listicle": [
            "{label}: {n} Tips That Actually Work",
            "{n} Tips for {ref}",
            "{label}: {n} Things to Know First",
        ],
        "comparison": ["{label}: Comparing the Best Methods", "{label}: Which Method Works Best?"],
        "review": [
            "{label}: An Honest Look at the Options",
            "{label}: What Works and What Doesn't",
        ],
        "faq": ["{label}: {n} Questions Answered", "{label}: Your Questions Answered"],
    },
    "local": {
        "guide": [
            "{label}: How to Choose {one}",
            "How to Find {a_good} {near}",
            "{label}: What to Check Before You Choose",
        ],
        "article": [
            "{label}: What to Know Before You Choose",
            "How to Find {a_good} {near}",
            "{label}: Costs, Reviews and What to Ask",
        ],
        "how_to": [
            "How to Find {a_good} {near}, Step by Step",
            "How to Choose {a_noun} {near}: A Step-by-Step Guide",
        ],
        "listicle": [
            "{n} Tips for Finding {a_good} {near}",
            "{n} Things to Check Before Choosing {a_noun} {near}",
        ],
        "comparison": [
            "{label}: How to Compare Your Options",
            "Comparing {label}: What Matters Most",
        ],
        "review": [
            "{label}: How to Read Reviews and Choose Well",
            "{label}: An Honest Guide to Choosing {one}",
        ],
        "faq": ["{label}: Your Questions Answered", "{label}: {n} Common Questions Answered"],
    },
    "best": {
        "guide": [
            "How to Choose {best_single}",
            "{best_single}: A Buyer's Guide",
            "{label}: A Buyer's Guide",
        ],
        "article": [
            "{label}",
            "{best_single}: What to Look For",
            "Finding {best_single}: What Really Matters",
        ],
        "how_to": [
            "How to Choose {best_single}: A Step-by-Step Guide",
            "How to Find {best_single}",
        ],
        "listicle": ["{best_n}", "{label}: {n} Top Picks", "{best_single}: {n} Things to Look For"],
        "comparison": [
            "{label} Compared",
            "{label}: A Side-by-Side Comparison",
            "Choosing {best_single}: The Options Compared",
        ],
        "review": ["{label}: Honest Reviews", "{best_single}: An Honest Review"],
        "faq": ["{best_single}: Your Questions Answered", "{label}: {n} Questions Answered"],
    },
    "comparison": {
        "guide": [
            "{versus}: The Complete Guide",
            "{versus}: Which One Fits Your Needs?",
            "{versus}: Which Is Better for {for_whom}?",
            "The Difference Between {x} and {y}: A Complete Guide",
        ],
        "article": [
            "{versus}: Key Differences Explained",
            "{versus}: Which One Is Right for You?",
            "The Difference Between {x} and {y}, Explained",
        ],
        "how_to": ["{versus}: How to Choose, Step by Step", "{versus}: How to Decide"],
        "listicle": ["{versus}: {n} Differences That Matter", "{versus}: {n} Things to Compare"],
        "comparison": [
            "{versus}: Which One Fits Your Needs?",
            "{versus}: Key Differences Explained",
            "{x_or_y} An Honest Comparison",
            "The Difference Between {x} and {y}: An Honest Comparison",
            "{versus}: Pros, Cons and Costs Compared",
        ],
        "review": ["{versus}: An Honest Comparison", "{versus}: What Works and What Doesn't"],
        "faq": ["{versus}: Your Questions Answered", "{versus}: {n} Common Questions Answered"],
    },
    "cost": {
        "guide": [
            "{how_much} A Complete Price Guide",
            "{label}: What to Expect and How to Save",
            "{label}: A Complete Guide",
        ],
        "article": ["{label}: What to Expect and How to Save", "{how_much} What You Need to Know"],
        "how_to": [
            "{label}: How to Get a Fair Price, Step by Step",
            "{label}: How to Budget, Step by Step",
        ],
        "listicle": ["{label}: {n} Ways to Save", "{label}: {n} Things That Affect the Price"],
        "comparison": ["{label}: Comparing Your Options", "{label}: Budget vs Premium Options"],
        "review": ["{label}: Is It Worth Paying More?", "{label}: An Honest Breakdown"],
        "faq": ["{label}: Your Questions Answered", "{how_much} Your Questions Answered"],
    },
    "problem": {
        "guide": [
            "{label}? Here Is What to Do",
            "{label}: Causes and Fixes",
            "{label}: A Complete Troubleshooting Guide",
        ],
        "article": ["{label}: Causes and Fixes", "{label}? Here Is What to Do"],
        "how_to": ["{label}: How to Fix It, Step by Step", "{label}: A Step-by-Step Fix"],
        "listicle": ["{label}: {n} Common Causes and Fixes", "{label}: {n} Things to Check"],
        "comparison": ["{label}: Comparing the Fixes", "{label}: Which Fix Works Best?"],
        "review": ["{label}: The Fixes That Work", "{label}: An Honest Look at the Fixes"],
        "faq": ["{label}: Your Questions Answered", "{label}: {n} Common Questions Answered"],
    },
    "navigational": {
        "guide": ["{label}: A Quick Guide", "{label}: How It Works and Common Problems"],
        "article": ["{label}: What to Know", "{label}: A Quick Guide"],
        "how_to": ["{label}: A Step-by-Step Guide", "{label}: How to Get It Working"],
        "listicle": ["{label}: {n} Things to Know", "{label}: {n} Quick Tips"],
        "comparison": ["{label}: Your Options Compared", "{label}: The Alternatives Compared"],
        "review": ["{label}: An Honest Review", "{label}: What Works and What Doesn't"],
        "faq": ["{label}: Your Questions Answered", "{label}: {n} Common Questions Answered"],
    },
}
# Subtitles for a question, by what it asks.
ANSWERS = {
    "problem": ["How to Tell and What to Do", "Causes, Signs and What to Do"],
    "what_is": ["A Beginner's Guide", "A Plain-English Explanation"],
    "cost": ["Typical Costs and How to Save", "What to Expect and How to Save"],
    "why": ["The Usual Causes and What to Do", "Common Causes and Fixes"],
    "other": ["What You Need to Know", "The Complete Answer", "Everything You Need to Know"],
}
