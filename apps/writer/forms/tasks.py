"""The task form (new task by hand, and editing one): messages a person understands."""

from __future__ import annotations

from django import forms

from apps.planner.forms.clusters import OutlineKeywordsForm
from apps.planner.models import MAX_KEYWORD_LENGTH
from apps.planner.services.ideas import outline_to_text
from apps.workspace.models import Sector, Site
from apps.writer.models import CONTENT_TYPES, STRUCTURES, Task
from apps.writer.services.tasks import (
    MAX_WORDS,
    MIN_WORDS,
    TITLE_MAX,
    WRITABLE_STRUCTURES,
    prompt_problem,
)

STRUCTURE_CHOICES = [(v, label) for v, label in STRUCTURES if v in WRITABLE_STRUCTURES]


class TaskForm(OutlineKeywordsForm):
    title = forms.CharField(
        max_length=TITLE_MAX,
        help_text="The article's working headline; the writer may polish it.",
        error_messages={
            "required": "Give the task a title: the article's working headline.",
            "max_length": "Keep the title under %(limit_value)d characters.",
        },
    )
    sector = forms.TypedChoiceField(
        coerce=int,
        error_messages={
            "required": "Choose the sector the article belongs to.",
            "invalid_choice": "Choose one of this site's sectors.",
        },
    )
    structure = forms.ChoiceField(
        choices=STRUCTURE_CHOICES,
        initial="article",
        error_messages={"invalid_choice": "Choose a structure from the list."},
    )
    content_type = forms.ChoiceField(
        label="Content type",
        choices=CONTENT_TYPES,
        initial="post",
        error_messages={"invalid_choice": "Choose a content type from the list."},
    )
    primary_keyword = forms.CharField(
        label="Primary keyword",
        max_length=MAX_KEYWORD_LENGTH,
        error_messages={
            "required": "Name the keyword the article targets first.",
            "max_length": "Keep the keyword under %(limit_value)d characters.",
        },
    )
    secondary_keywords = forms.CharField(
        label="Secondary keywords",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line (or separated by commas).",
    )
    outline = forms.CharField(
        widget=forms.Textarea(
            attrs={
                "rows": 10,
                "spellcheck": "true",
                "placeholder": "## Why it matters\n- a point to cover\n## How to do it\n### Tools",
            }
        ),
        help_text="One heading per line: “## ” for a section, “### ” for a sub-section, "
        "“- ” for a note under the heading above it. The article follows it in this order.",
        error_messages={"required": "An outline needs at least one “## ” heading."},
    )
    target_words = forms.IntegerField(
        label="Target words",
        required=False,
        min_value=MIN_WORDS,
        max_value=MAX_WORDS,
        error_messages={
            "invalid": "Enter a whole number of words.",
            "min_value": f"Choose at least {MIN_WORDS:,} words.",
            "max_value": f"Choose at most {MAX_WORDS:,} words.",
        },
    )
    brief = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Notes for the writer: angle, facts to include, what to avoid. The AI follows "
        "them (the offline writer cannot).",
    )
    prompt_override = forms.CharField(
        label="Prompt for this task",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text="Leave empty to use the workspace's writing prompt. Same format as under "
        "Settings → Prompts.",
    )

    def __init__(self, *args, site: Site, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.site = site
        self.sectors = {s.pk: s for s in site.sectors.order_by("name")}
        self.fields["sector"].choices = [("", "Choose a sector")] + [
            (pk, s.name) for pk, s in self.sectors.items()
        ]
        if len(self.sectors) == 1 and not self.is_bound:
            self.initial.setdefault("sector", next(iter(self.sectors)))
        words = self.fields["target_words"]
        words.help_text = (
            f"Leave empty for the site's default ({site.default_word_count:,} words); "
            f"{MIN_WORDS:,}–{MAX_WORDS:,}."
        )
        words.widget.attrs["placeholder"] = str(site.default_word_count)

    @classmethod
    def initial_for(cls, task: Task) -> dict:
        return {
            "title": task.title,
            "sector": task.sector_id,
            "structure": task.structure,
            "content_type": task.content_type,
            "primary_keyword": task.primary_keyword,
            "secondary_keywords": "\n".join(task.secondary_keywords or []),
            "outline": outline_to_text(task.outline),
            "target_words": task.target_words,
            "brief": task.brief,
            "prompt_override": task.prompt_override,
        }

    def clean_sector(self) -> Sector:
        return self.sectors[self.cleaned_data["sector"]]

    def clean_prompt_override(self) -> str:
        text = self.cleaned_data.get("prompt_override") or ""
        problem = prompt_problem(text)
        if problem:
            raise forms.ValidationError(problem)
        return text
