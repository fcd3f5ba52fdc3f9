"""image_prompts and generate_image offline: prompts tied to headings, and title-card images.

The title card is a real image of exactly the requested size: a diagonal gradient in the
site's brand colour, a few lighter shapes, the title wrapped and centred in the largest size
that fits, and the site name small at the bottom. It uses Pillow's bundled font (FreeType,
Latin script); scripts the font lacks come out as boxes, which is one more reason to connect
a real image provider.
"""

from __future__ import annotations

import io
import re
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from igny8.ai.offline.kinds import classify, subject_of
from igny8.ai.offline.text import rng_for, shorten
from igny8.ai.offline.voice import voice

COMPOSITIONS = [
    "wide shot with soft natural light",
    "close-up detail with a shallow depth of field",
    "flat-lay arrangement seen from above",
    "simple isometric scene with clean shapes",
    "calm, uncluttered scene with plenty of negative space",
    "three-quarter view with warm, even lighting",
    "minimal composition with one clear focal point",
]
SETTINGS = [
    "in an everyday, real-world setting",
    "in a bright, tidy workspace",
    "shown step by step",
    "with the key details clearly visible",
    "as a friendly, approachable scene",
]
DEFAULT_COLOR = "#4f46e5"
_NOT_PICTURED = {"conclusion", "faq", "verdict"}


def image_prompts(data: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    rng = rng_for("image_prompts", data, context)
    style = (context.get("image_style") or "Clean editorial illustration").strip().rstrip(".")
    color = context.get("brand_color") or DEFAULT_COLOR
    keyword = (data.get("primary_keyword") or "").strip() or data["title"].strip()
    audience = (context.get("audience") or "").strip()
    for_whom = f" for {audience}" if audience else ""

    def prompt(subject: str) -> str:
        return (
            f"{style} of {subject}{for_whom}, {rng.choice(SETTINGS)}, {rng.choice(COMPOSITIONS)}; "
            f"a colour palette that works with {color}; no text, letters or logos."
        )

    def alt(subject: str, detail: str) -> str:
        return shorten(f"{style_noun(style)} of {subject} {detail}".strip(), 124)

    # The topic as a noun phrase: "an illustration of your squash", not "… of is my squash dying".
    topic = voice(keyword).prose if data.get("primary_keyword") else keyword
    featured_subject = topic if data.get("primary_keyword") else subject_of(data["title"], "")
    featured = {
        "prompt": prompt(featured_subject),
        "alt": alt(featured_subject, f"for the article “{data['title'].strip()}”"),
    }
    headings = [h.strip() for h in data.get("headings") or [] if h.strip()] or [data["title"]]
    # Pictures for the body of the article, not for its conclusion or FAQ, when there is a choice.
    pictured = [h for h in headings if classify(h, "article") not in _NOT_PICTURED]
    chosen = spread(
        pictured if len(pictured) >= data["in_article"] else headings, data["in_article"]
    )
    in_article = []
    for heading in chosen:
        kind = classify(heading, "article")
        subject = subject_of(heading, topic, kind)
        if kind == "mistakes":
            subject = f"common mistakes with {topic}"
        detail = "" if subject.lower() in heading.lower() else f"illustrating “{heading}”"
        in_article.append(
            {"heading": heading, "prompt": prompt(subject), "alt": alt(subject, detail)}
        )
    return {"featured": featured, "in_article": in_article}


def spread(headings: list[str], count: int) -> list[str]:
    """`count` headings spread evenly through the article (repeating only when too few)."""
    if count <= 0:
        return []
    if count >= len(headings):
        return [headings[i % len(headings)] for i in range(count)]
    step = len(headings) / count
    return [headings[int(i * step + step / 2)] for i in range(count)]


def style_noun(style: str) -> str:
    """ "watercolour illustration of…" for an alt text: the style, capitalised once."""
    style = style.strip() or "Illustration"
    return style[:1].upper() + style[1:]


# --- title cards --------------------------------------------------------------------------


def parse_size(size: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d{1,4})\s*[xX×]\s*(\d{1,4})\s*", size or "")
    if not match:
        return 1024, 1024
    return max(16, int(match.group(1))), max(16, int(match.group(2)))


def hex_rgb(color: str) -> tuple[int, int, int]:
    color = (color or "").strip().lstrip("#")
    if not re.fullmatch(r"[0-9a-fA-F]{6}", color):
        color = DEFAULT_COLOR[1:]
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def luminance(rgb: tuple[int, int, int]) -> float:
    return (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


def wrap(draw: ImageDraw.ImageDraw, text: str, face, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(trial, font=face) <= width:
            lines[-1] = trial
        else:
            lines.append(word)
    return lines


def title_card(
    *, title: str, size: str, color: str, site_name: str = "", fmt: str = "png", seed: Any = ""
) -> bytes:
    """A PNG or WebP title card of exactly `size` (e.g. "1200x630")."""
    width, height = parse_size(size)
    rng = rng_for("title_card", title, size, color, site_name, seed)
    base = hex_rgb(color)
    dark = mix(base, (0, 0, 0), 0.45)
    light = mix(base, (255, 255, 255), 0.35)
    # Diagonal gradient from the brand colour to a darker shade: (x + y) / 2 over a square.
    vertical = Image.linear_gradient("L")
    ramp = Image.blend(vertical, vertical.rotate(90 if rng.random() < 0.5 else -90), 0.5)
    ramp = ramp.resize((width, height), Image.Resampling.BILINEAR)
    image = Image.composite(Image.new("RGB", (width, height), dark),
                            Image.new("RGB", (width, height), base), ramp)  # fmt: skip
    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    shapes = ImageDraw.Draw(overlay)
    short = min(width, height)
    for _ in range(3):
        radius = int(short * rng.uniform(0.25, 0.6))
        cx = rng.choice([0, width]) + rng.randint(-short // 5, short // 5)
        cy = rng.randint(0, height)
        shapes.ellipse((cx - radius, cy - radius, cx + radius, cy + radius),
                       fill=(*light, rng.randint(28, 60)))  # fmt: skip
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")

    draw = ImageDraw.Draw(image)
    ink = (255, 255, 255) if luminance(mix(base, dark, 0.5)) < 0.6 else (20, 20, 28)
    text = " ".join((title or "Untitled").split())
    box_w, box_h = int(width * 0.82), int(height * 0.58)
    size_px = max(10, min(int(height / 6.5), int(width / 9)))
    while True:
        face = font(size_px)
        lines = wrap(draw, text, face, box_w)
        spacing = int(size_px * 0.25)
        block = draw.multiline_textbbox((0, 0), "\n".join(lines), font=face, spacing=spacing)
        fits = block[2] - block[0] <= box_w and block[3] - block[1] <= box_h
        if fits or size_px <= 12:
            break
        size_px = max(12, int(size_px * 0.9))
    text_top = height / 2 - (block[3] - block[1]) / 2
    bar, bar_w = max(4, short // 90), short // 7
    bar_y = max(bar, text_top - size_px * 0.7)
    draw.rectangle((width // 2 - bar_w // 2, bar_y, width // 2 + bar_w // 2, bar_y + bar),
                   fill=mix(light, (255, 255, 255), 0.3))  # fmt: skip
    draw.multiline_text((width / 2, height / 2), "\n".join(lines), font=face, fill=ink,
                        anchor="mm", align="center", spacing=spacing)  # fmt: skip
    if site_name.strip() and height >= 120:
        small = font(max(10, int(short / 28)))
        draw.text((width / 2, height - height / 14), site_name.strip(), font=small,
                  fill=mix(ink, base, 0.25), anchor="mm")  # fmt: skip

    out = io.BytesIO()
    if fmt == "webp":
        image.save(out, format="WEBP", quality=86, method=4)
    else:
        image.save(out, format="PNG", compress_level=6)
    return out.getvalue()
