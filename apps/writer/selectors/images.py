"""Reads for the images page and the editor's images panel: contents of a site with their
images, what each panel can do next and the job that is generating them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, Max, OuterRef, QuerySet
from django.http import QueryDict

from apps.workspace.models import Job, JobStatus, Site
from apps.writer import figures
from apps.writer.models import Content, ContentVersion, Image, ImageStatus
from apps.writer.services.images import in_article_count
from igny8.ai.costs import Price

BUSY = {JobStatus.QUEUED, JobStatus.RUNNING}
NO_IMAGES = "none"


@dataclass(frozen=True)
class ImageFilters:
    status: str = ""
    content: int | None = None  # one article only (the editor's link to this page)
    ignored: tuple[str, ...] = ()

    @classmethod
    def from_query(cls, query: QueryDict) -> ImageFilters:
        ignored = []
        status = (query.get("status") or "").strip()
        allowed = {value for value, _ in ImageStatus.choices} | {NO_IMAGES}
        if status and status not in allowed:
            ignored.append(f"unknown status “{status[:40]}”")
            status = ""
        raw = (query.get("content") or "").strip()
        content = int(raw) if raw.isdigit() else None
        if raw and content is None:
            ignored.append("an article that is not a number")
        return cls(status=status, content=content, ignored=tuple(ignored))

    @property
    def active(self) -> bool:
        return bool(self.status or self.content)

    def as_query(self) -> dict[str, str]:
        query = {"status": self.status} if self.status else {}
        if self.content:
            query["content"] = str(self.content)
        return query


def image_contents(*, site: Site, filters: ImageFilters) -> QuerySet[Content]:
    """Live contents of the site, newest first; with a status filter, those having an image
    in that status (or, for "none", no image at all)."""
    contents = (
        Content.objects.alive()
        .filter(site=site)
        .select_related("site", "sector")
        .order_by("-updated", "-id")
    )
    if filters.content:
        contents = contents.filter(pk=filters.content)
    if filters.status == NO_IMAGES:
        return contents.exclude(Exists(Image.objects.filter(content=OuterRef("pk"))))
    if filters.status:
        return contents.filter(
            Exists(Image.objects.filter(content=OuterRef("pk"), status=filters.status))
        )
    return contents


@dataclass
class ImagePanel:
    """One content's images and what can be done with them now."""

    content: Content
    images: list[Image]
    in_article: int
    per_image: Price
    job: Job | None = None
    prompts_job: Job | None = None  # image prompts being written (queued or running)
    finishing: Job | None = None  # a job whose pictures are made, still placing them
    headings: list[str] = field(default_factory=list)  # the body's H2/H3, to place pictures
    version: int = 0  # the article's latest version when the panel was read
    waiting: list[Image] = field(default_factory=list)  # a generate run would make these
    failed: list[Image] = field(default_factory=list)  # a retry would make these
    busy: list[Image] = field(default_factory=list)  # in a queued or running job

    @property
    def ready(self) -> int:
        return sum(1 for i in self.images if i.status == ImageStatus.GENERATED)

    @property
    def has_files(self) -> bool:
        return any(i.file for i in self.images)

    @property
    def generate_cost(self) -> Price:
        return self.per_image * len(self.waiting)

    @property
    def retry_cost(self) -> Price:
        return self.per_image * len(self.failed)

    @property
    def generating(self) -> bool:
        return bool(self.busy)

    @property
    def working(self) -> bool:
        """A job is making prompts or pictures: the panel follows it until it ends."""
        return bool(self.busy) or self.prompts_job is not None or self.finishing is not None

    @property
    def unplaced(self) -> list[Image]:
        """In-article pictures that are not in the body."""
        return [i for i in self.images if i.kind == "in_article" and i.file and i.placed is None]

    @property
    def wanted(self) -> int:
        return 1 + self.in_article


def _dimensions(size: str) -> tuple[int, int]:
    try:
        width, height = (int(n) for n in size.lower().split("x"))
    except ValueError:
        return 4, 3
    return max(width, 1), max(height, 1)


def panels_for(contents: list[Content], *, per_image: Price) -> list[ImagePanel]:
    """A panel per content: three queries whatever the number of contents."""
    images: dict[int, list[Image]] = {c.pk: [] for c in contents}
    for image in Image.objects.filter(content__in=contents).order_by("content_id", "position"):
        images[image.content_id].append(image)
    # Every image's last job: one that made its picture may still be running (placing the
    # pictures in the body), and the panel follows it to its end.
    job_ids = {i.job_id for group in images.values() for i in group if i.job_id}
    versions = dict(
        ContentVersion.objects.filter(content__in=contents)
        .values("content")
        .annotate(n=Max("number"))
        .values_list("content", "n")
    )
    prompt_jobs = {c.image_prompts_job_id for c in contents if c.image_prompts_job_id}
    jobs = {j.pk: j for j in Job.objects.filter(pk__in=job_ids | prompt_jobs)}
    panels = []
    for content in contents:
        prompts_job = jobs.get(content.image_prompts_job_id)
        panel = ImagePanel(
            content=content,
            images=images[content.pk],
            in_article=in_article_count(content),
            per_image=per_image,
            prompts_job=prompts_job if prompts_job and prompts_job.status in BUSY else None,
            headings=[h.text for h in figures.headings(content.html)],
            version=versions.get(content.pk, 0),
        )
        for image in panel.images:
            image.width, image.height = _dimensions(image.size)
            # Where the body shows it: None (not in the article), "" (before any heading).
            image.placed = figures.heading_of(content.html, image.pk) if image.file else None
            job = jobs.get(image.job_id) if image.job_id else None
            in_job = (
                image.status in (ImageStatus.PENDING, ImageStatus.GENERATING)
                and job is not None
                and job.status in BUSY
            )
            if in_job:
                panel.busy.append(image)
                if panel.job is None or job.pk > panel.job.pk:
                    panel.job = job
            elif job is not None and job.status in BUSY:
                panel.finishing = job  # its pictures are made; it is putting them in the body
                if image.prompt and image.status != ImageStatus.GENERATED:
                    panel.waiting.append(image)  # a failed one, retried once the job ends
                    panel.failed.append(image)
            elif image.prompt and image.status != ImageStatus.GENERATED:
                # A "generating" image whose job is over was interrupted: it can be retried.
                image.interrupted = image.status == ImageStatus.GENERATING
                panel.waiting.append(image)
                if image.status != ImageStatus.PENDING:
                    panel.failed.append(image)
        panels.append(panel)
    return panels
