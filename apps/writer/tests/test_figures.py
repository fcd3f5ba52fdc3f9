"""Figures in the body (pure): placed after the heading an image was prompted for, replaced
where they stand, never duplicated, moved and removed; the sanitiser keeps them whole."""

from __future__ import annotations

import re

from apps.writer import figures
from apps.writer.html import sanitize

BODY = sanitize(
    "<p>Intro.</p><h2>Choosing a bin</h2><p>Pick one.</p><h3>Plastic or wood</h3><p>Both.</p>"
    "<h2>What goes in</h2><p>Greens.</p><h2>Turning</h2><p>Weekly.</p>"
)


def fig(pk: int, alt: str = "A bin", caption: str = "Our bin", v: str = "1") -> figures.Figure:
    return figures.Figure(
        image_id=pk, src=f"/writer/images/{pk}/file/?v={v}", alt=alt, caption=caption, width=1024,
        height=768,
    )  # fmt: skip


def test_a_figure_goes_right_after_its_heading_and_survives_the_sanitiser():
    html = figures.place(BODY, fig(5), heading="What goes in", position=2)
    assert (
        '<h2>What goes in</h2>\n<figure><img src="/writer/images/5/file/?v=1" alt="A bin" '
        'width="1024" height="768" loading="lazy" data-igny8-image="5">'
        "<figcaption>Our bin</figcaption></figure>\n<p>Greens.</p>"
    ) in html
    assert sanitize(html) == sanitize(sanitize(html))
    assert 'data-igny8-image="5"' in sanitize(html) and "<figcaption>Our bin" in sanitize(html)
    assert figures.placed_ids(html) == [5]
    assert figures.heading_of(html, 5) == "What goes in"


def test_placing_again_replaces_the_same_figure_where_it_stands():
    html = figures.place(BODY, fig(5), heading="What goes in")
    moved_by_hand = figures.move(html, fig(5), heading="Turning")
    again = figures.place(moved_by_hand, fig(5, alt="A new bin", v="2"), heading="What goes in")
    assert again.count("<figure>") == 1 and 'alt="A new bin"' in again and "?v=2" in again
    assert figures.heading_of(again, 5) == "Turning", "a person's move is kept"
    assert figures.place(again, fig(5, alt="A new bin", v="2")) == again


def test_several_pictures_under_one_heading_keep_their_order():
    html = figures.place(BODY, fig(1), heading="Turning", position=1)
    html = figures.place(html, fig(2), heading="Turning", position=2)
    assert figures.placed_ids(html) == [1, 2]
    assert html.index("<h2>Turning</h2>") < html.index('data-igny8-image="1"')


def test_a_heading_no_longer_there_falls_back_to_the_position():
    html = figures.place(BODY, fig(3), heading="A heading renamed since", position=2)
    assert figures.heading_of(html, 3) == "What goes in"
    assert figures.heading_of(figures.place(BODY, fig(4), heading="", position=9), 4) == "Turning"
    bare = figures.place("<p>Only text.</p><p>More.</p>", fig(6), heading="x")
    assert bare.startswith("<p>Only text.</p>\n<figure>")


def test_remove_and_move():
    html = figures.place(BODY, fig(5), heading="Choosing a bin")
    moved = figures.move(html, fig(5), heading="Plastic or wood")
    assert figures.heading_of(moved, 5) == "Plastic or wood" and moved.count("<figure>") == 1
    assert figures.move(html, fig(5), heading="Nowhere") is None
    removed = figures.remove(moved, 5)
    assert "<figure>" not in removed and figures.heading_of(removed, 5) is None
    assert re.sub(r">\s+<", "><", sanitize(removed)) == BODY, "only layout differs"
    # A bare picture of the image (its figure unwrapped by hand) goes too; others stay.
    loose = BODY + '<p><img src="/writer/images/5/file/" data-igny8-image="5"></p>'
    other = figures.place(loose, fig(8), heading="Turning")
    assert figures.placed_ids(figures.remove(other, 5)) == [8]


def test_the_reference_is_kept_only_as_a_number():
    clean = sanitize(
        '<img src="/a.png" data-igny8-image="12"><img src="/b.png" data-igny8-image="x">'
    )
    assert 'data-igny8-image="12"' in clean and 'data-igny8-image="x"' not in clean
    assert figures.placed_ids(clean) == [12]


def test_captions_and_alts_are_escaped():
    html = figures.render(fig(5, alt='A "bin" <b>', caption="Tom & Jerry's <i>bin</i>"))
    assert 'alt="A &quot;bin&quot; &lt;b&gt;"' in html
    assert "<figcaption>Tom &amp; Jerry's &lt;i&gt;bin&lt;/i&gt;</figcaption>" in html
    assert "<figcaption>" not in figures.render(fig(5, caption=""))
