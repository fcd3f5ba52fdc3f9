"""How long the built-in offline provider takes per article and per image.

Calls the provider directly (no database, no Django set-up, no network): `write_content` at
1,000 and 2,500 words, and `generate_image` at 1200x630 and 1024x1024 in PNG and WebP. Each
run uses a different title and keyword, as a real batch would. Prints the median and p95
seconds of each, the words or bytes produced, and the Python and Pillow versions. Run it
from the repository root:

    .venv/bin/python bench/ai_offline.py             # 20 runs per measurement
    .venv/bin/python bench/ai_offline.py --runs 50
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import PIL

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from igny8.ai.functions import words_in_html  # noqa: E402
from igny8.ai.providers.offline import OfflineProvider  # noqa: E402
from igny8.ai.types import ImageRequest, TextRequest  # noqa: E402

TOPICS = [
    "home composting", "rainwater harvesting", "sourdough starter", "budget travel insurance",
    "standing desk setup", "indoor herb garden", "first marathon training", "email newsletter",
    "solar panel maintenance", "puppy crate training",
]  # fmt: skip
CONTEXT = {
    "site_name": "Bench Site",
    "audience": "busy beginners",
    "sector": "Lifestyle",
    "language": "en",
    "image_style": "Clean editorial illustration",
    "brand_color": "#4f46e5",
    "default_word_count": 1200,
}


def article_input(run: int, words: int) -> dict:
    topic = TOPICS[run % len(TOPICS)]
    name = topic.title()
    outline = [
        (f"What Is {name}?", 2),
        (f"Why {name} Matters", 2),
        (f"How to Get Started with {name}", 2),
        ("Gather the Right Tools", 3),
        ("Set a Realistic Schedule", 3),
        ("Common Mistakes to Avoid", 2),
        ("Final Thoughts", 2),
    ]
    return {
        "title": f"The Complete Guide to {name} (Part {run + 1})",
        "outline": [{"heading": h, "level": level} for h, level in outline],
        "primary_keyword": topic,
        "secondary_keywords": [f"{topic} tips", f"{topic} cost"],
        "target_words": words,
        "structure": "guide",
        "include_faq": True,
    }


def measure(runs: int, call: Callable[[int], float]) -> tuple[list[float], list[float]]:
    """Seconds per run and what each produced (words or bytes), after one warm-up call."""
    call(-1)
    seconds, produced = [], []
    for run in range(runs):
        start = time.perf_counter()
        amount = call(run)
        seconds.append(time.perf_counter() - start)
        produced.append(amount)
    return seconds, produced


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="runs per measurement (default 20)")
    runs = max(1, parser.parse_args().runs)
    provider = OfflineProvider()

    def article(words: int) -> Callable[[int], float]:
        def call(run: int) -> float:
            data = article_input(max(run, 0), words)
            result = provider.complete_json(TextRequest("write_content", [], {}, data, CONTEXT))
            return words_in_html(json.loads(result.text)["html"])

        return call

    def image(size: str, fmt: str) -> Callable[[int], float]:
        def call(run: int) -> float:
            topic = TOPICS[max(run, 0) % len(TOPICS)].title()
            request = ImageRequest(
                prompt=f"Clean editorial illustration of {topic}",
                size=size,
                input={"title": f"The Complete Guide to {topic}"},
                context=CONTEXT,
                format=fmt,
            )
            return len(provider.generate_image(request).image)

        return call

    print(f"Python {platform.python_version()} ({platform.machine()}), Pillow {PIL.__version__}")
    print(f"{runs} runs per measurement, after one warm-up call\n")
    print(f"{'measurement':<28}{'median s':>10}{'p95 s':>10}   produced (median)")
    rows = [(f"article, {w:,} words", article(w), "words") for w in (1000, 2500)]
    rows += [
        (f"image {size} {fmt}", image(size, fmt), "bytes")
        for size in ("1200x630", "1024x1024")
        for fmt in ("png", "webp")
    ]
    for label, call, unit in rows:
        seconds, produced = measure(runs, call)
        amount = statistics.median(produced)
        print(
            f"{label:<28}{statistics.median(seconds):>10.4f}{p95(seconds):>10.4f}"
            f"   {amount:,.0f} {unit}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
