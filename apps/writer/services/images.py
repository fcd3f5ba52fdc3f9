"""Images of an article: prompts first (1 featured + N in-article), then the pictures, both
through the AI engine and charged per run (free with the offline writer; pictures are free
offline title cards whenever the provider has no image model).

Decisions:
- Sizes: the featured image is 1200x630 (the shape WordPress themes and link previews use);
  in-article images are 1024x768 (4:3, a comfortable body-width picture). The offline writer
  draws them exactly; an image API is asked for its closest shape and the engine crops. WebP.
- Writing prompts again rewrites only images that have no file (waiting or failed). An image
  with a generated or uploaded file keeps its file, prompt and alt text: nothing a person paid
  for or chose is thrown away without them asking. Positions the site no longer asks for are
  removed when they have no file and kept when they do.
- Generating takes the waiting images of one article, one by one; one image failing does not
  stop the others, and each image is reserved, charged or refunded on its own. Running out of
  credits stops the job: the images not reached stay waiting.
- A job only takes images that are waiting (or that it, or a job that is over, was generating
  when a worker died), so a job delivered twice, or two jobs over the same images, never pay
  twice.
- A prompts run that writes no new prompt (every image keeps its picture, or gets the prompt
  and alt text it already had) changed nothing and is not charged.

Uploads, alt text and the stored files are in `images_files`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import Account
from apps.billing import credits
from apps.billing.errors import AccountLapsed, InsufficientCredits
from apps.workspace.models import Job, JobStatus
from apps.writer import html as article
from apps.writer.models import Content, Image, ImageKind, ImageStatus
from apps.writer.services import images_body as body
from apps.writer.services import images_files as files
from apps.writer.services.versions import content_rescore
from igny8 import jobs
from igny8.ai import costs
from igny8.ai.errors import AIError
from igny8.ai.failures import Tally, told

log = logging.getLogger(__name__)

FEATURED_SIZE = "1200x630"
IN_ARTICLE_SIZE = "1024x768"
FORMAT = "webp"
MAX_IN_ARTICLE = 8
ALT_MAX = Image._meta.get_field("alt").max_length
CAPTION_MAX = Image._meta.get_field("caption").max_length
HEADING_MAX = Image._meta.get_field("heading").max_length
BUSY_JOB = (JobStatus.QUEUED, JobStatus.RUNNING)

Progress = Callable[[int, int, str], None]


# --- prompts -------------------------------------------------------------------------------


def in_article_count(content: Content) -> int:
    """In-article images the site asks for (0–8), besides the featured one."""
    return max(0, min(int(content.site.images_per_article or 0), MAX_IN_ARTICLE))


def prompts_input(content: Content) -> dict:
    """What `image_prompts` gets: the title, the article's H2s and how many pictures."""
    headings = [h.text for h in article.parse(content.html).headings if h.level == 2 and h.text]
    return {
        "title": content.title.strip() or "Untitled article",
        "headings": headings,
        "in_article": in_article_count(content),
        "primary_keyword": content.primary_keyword,
    }


def prompts_estimate(content: Content) -> costs.Price:
    """What writing image prompts for this content costs."""
    from igny8.ai import engine

    return engine.price("image_prompts", prompts_input(content))


def prompts_cost() -> costs.Price:
    """What one prompts run costs (the same for every article: charged per request)."""
    from igny8.ai import engine

    return engine.price("image_prompts", {"title": "An article", "in_article": 0})


def _account() -> Account:
    return Account.objects.get(schema_name=connection.schema_name)


def _ensure_credits(needed: costs.Price, what: str, shown: int | None = None) -> None:
    costs.check_shown(shown, needed, what[:1].lower() + what[1:])
    credits.require_affordable(
        _account(), needed, costing=f"{what} cost", otherwise="then try again"
    )


def prompts_job(content: Content) -> Job | None:
    """The prompts job of this content while it is queued or running (the panel follows it)."""
    if not content.image_prompts_job_id:
        return None
    return Job.objects.filter(pk=content.image_prompts_job_id, status__in=BUSY_JOB).first()


def image_prompts_enqueue(
    *,
    content: Content,
    user,  # noqa: ANN001
    shown: int | None = None,
) -> Job:
    """Queue writing the image prompts of `content`; the content remembers the job so that
    every page showing its images follows it until it ends. Raises InsufficientCredits,
    CostChanged when `shown` (the credits the page showed) is no longer the price, and
    ValidationError while prompts are already being written."""
    if prompts_job(content) is not None:
        raise ValidationError(
            "Image prompts for this article are being written already; they appear here when "
            "they are ready."
        )
    _ensure_credits(prompts_estimate(content), "Image prompts", shown)
    with transaction.atomic():
        job = jobs.enqueue(
            "apps.writer.jobs.images.image_prompts",
            content.pk,
            label=f"Image prompts for “{content.title[:120]}”",
            user=user,
        )
        Content.objects.filter(pk=content.pk).update(image_prompts_job=job)
        content.image_prompts_job = job
    return job


@dataclass
class PromptsOutcome:
    images: list[Image]
    credits: int = 0
    changed: bool = True
    offline: bool = True

    def message(self) -> str:
        if not self.changed:
            return (
                "The prompts came out the same as the ones the images have: nothing changed "
                f"({'nothing charged' if not self.offline else costs.FREE})."
            )
        n = len(self.images)
        spent = costs.spent_words(self.credits, offline=self.offline)
        return f"Wrote prompts for {n} image{'s' if n != 1 else ''} ({spent})."


def image_prompts_run(*, content: Content, run_key: str = "") -> list[Image]:
    """Write the prompts through the AI engine and store them (see `image_prompts_save`)."""
    return image_prompts_write(content=content, run_key=run_key).images


def image_prompts_write(*, content: Content, run_key: str = "") -> PromptsOutcome:
    """`image_prompts_run`, saying what it cost and whether it changed anything."""
    from igny8.ai import engine

    data = prompts_input(content)
    result = engine.run(
        "image_prompts",
        site=content.site,
        input=data,
        key=run_key or f"{connection.schema_name}:image-prompts:{uuid.uuid4().hex}",
        sector=content.sector.name,
        save=lambda output, result: _save_prompts(content, output, data["in_article"], result),
    )
    return PromptsOutcome(
        images=result.saved,
        credits=result.credits,
        changed=result.changed,
        offline=result.provider == "offline",
    )


def _save_prompts(
    content: Content,
    output: dict,
    in_article: int,
    result,  # noqa: ANN001
) -> list[Image]:
    before = {(i.pk, i.prompt, i.alt, i.heading) for i in content.images.all()}
    saved = image_prompts_save(content=content, output=output, in_article=in_article)
    # No new prompt written (every image kept its picture or got what it had): not charged.
    result.changed = any((i.pk, i.prompt, i.alt, i.heading) not in before for i in saved)
    return saved


def image_prompts_save(*, content: Content, output: dict, in_article: int) -> list[Image]:
    """Store prompts as images waiting to be generated: one featured at position 0, the
    in-article ones at 1…N. Images that have a file, or are being generated, are left alone."""
    wanted: list[tuple[int, str, str, dict]] = [
        (0, ImageKind.FEATURED, FEATURED_SIZE, output["featured"])
    ]
    for index, item in enumerate(output["in_article"][:in_article], start=1):
        wanted.append((index, ImageKind.IN_ARTICLE, IN_ARTICLE_SIZE, item))
    with transaction.atomic():
        # One writer at a time per content: two prompt runs must not race on positions.
        Content.objects.select_for_update().only("pk").get(pk=content.pk)
        existing = {image.position: image for image in content.images.all()}
        saved = []
        for position, kind, size, item in wanted:
            image = existing.pop(position, None)
            if image is not None and (image.file or image.status == ImageStatus.GENERATING):
                saved.append(image)
                continue
            image = image or Image(content=content, site_id=content.site_id, position=position)
            image.kind = kind
            image.size = size
            image.format = FORMAT
            image.prompt = item["prompt"].strip()
            image.alt = item["alt"].strip()[:ALT_MAX]
            # Models may offer a caption; else the alt text is the caption, to edit later.
            image.caption = (item.get("caption") or item["alt"]).strip()[:CAPTION_MAX]
            image.heading = (item.get("heading") or "").strip()[:HEADING_MAX]
            image.status = ImageStatus.PENDING
            image.error = ""
            image.uploaded = False
            image.save()
            saved.append(image)
        stale = [
            image.pk
            for image in existing.values()
            if not image.file and image.status != ImageStatus.GENERATING
        ]
        Image.objects.filter(pk__in=stale).delete()
        content_rescore(content=content)
    return saved


# --- generating ----------------------------------------------------------------------------


def per_image_cost() -> costs.Price:
    """What one picture costs: free offline title cards without an image model."""
    from igny8.ai import engine

    return engine.price("generate_image", {"prompt": "an image", "size": FEATURED_SIZE})


def images_waiting(contents: list[Content], *, failed_only: bool = False) -> list[Image]:
    """Images of these contents that a generate (or retry) run would make now: waiting or
    failed, and not already in a queued or running job."""
    # A "generating" image whose job is over was interrupted (a worker died): retry it too.
    interrupted = Q(status=ImageStatus.GENERATING) & ~Q(job__status__in=BUSY_JOB)
    wanted = Q(status=ImageStatus.FAILED) | interrupted
    if not failed_only:
        wanted |= Q(status=ImageStatus.PENDING) & ~Q(job__status__in=BUSY_JOB)
    return list(
        Image.objects.filter(content__in=contents, prompt__gt="")
        .filter(wanted)
        .order_by("content_id", "position")
    )


def images_generate_enqueue(
    *,
    contents: list[Content],
    user,  # noqa: ANN001
    image_ids: list[int] | None = None,
    failed_only: bool = False,
    shown: int | None = None,
) -> list[Job]:
    """Queue generation of the waiting (and failed) images of these contents: one job per
    content. `image_ids` narrows it to some images (retry one). Raises ValidationError when
    there is nothing to generate, CostChanged when `shown` (the credits the page showed) is
    no longer the price and InsufficientCredits when the workspace cannot pay."""
    images = images_waiting(contents, failed_only=failed_only)
    if image_ids is not None:
        wanted = {int(pk) for pk in image_ids}
        images = [image for image in images if image.pk in wanted]
    if not images:
        raise ValidationError(
            "There is no image waiting to be generated. Write image prompts first, or retry "
            "an image that failed."
        )
    n = len(images)
    _ensure_credits(per_image_cost() * n, f"{n} image{'s' if n != 1 else ''}", shown)
    by_content: dict[int, list[int]] = {}
    for image in images:
        by_content.setdefault(image.content_id, []).append(image.pk)
    titles = {c.pk: c.title for c in contents}
    return [_queue(ids, titles.get(content_id, ""), user) for content_id, ids in by_content.items()]


def image_again_enqueue(
    *,
    image: Image,
    user,  # noqa: ANN001
    shown: int | None = None,
) -> Job:
    """A new picture for an image that has one, at a person's request. The current picture
    stays (and is shown) until the new one is saved; if making it fails, it stays for good."""
    in_job = image.status in (ImageStatus.PENDING, ImageStatus.GENERATING) and (
        Job.objects.filter(pk=image.job_id, status__in=BUSY_JOB).exists()
    )
    if in_job:
        raise ValidationError("This image is being generated already; wait for it to finish.")
    if not image.prompt:
        raise ValidationError("This image has no prompt. Write image prompts first.")
    _ensure_credits(per_image_cost(), "A new picture", shown)
    return _queue([image.pk], image.content.title, user)


def _queue(ids: list[int], title: str, user) -> Job:  # noqa: ANN001
    count = len(ids)
    # The job reaches the queue after commit, so a worker never sees an image before it is
    # marked waiting under its job.
    with transaction.atomic():
        Image.objects.filter(pk__in=ids).update(status=ImageStatus.PENDING, error="")
        job = jobs.enqueue(
            "apps.writer.jobs.images.generate_images",
            ids,
            label=f"Generate {count} image{'s' if count != 1 else ''} for “{title[:120]}”",
            user=user,
        )
        # With synchronous jobs (tests) the job already ran and the images moved on.
        Image.objects.filter(pk__in=ids, status=ImageStatus.PENDING).update(job=job)
    return job


@dataclass
class ImagesOutcome:
    total: int = 0
    generated: int = 0
    failed: list[str] = field(default_factory=list)
    credits: int = 0
    offline: bool = True  # offline title cards, free
    stopped: str = ""
    failures: Tally | None = None

    def message(self) -> str:
        spent = costs.spent_words(self.credits, offline=self.offline)
        if self.offline:
            spent = f"{costs.CARDS}, {spent}"
        text = (
            f"Generated {self.generated} of {self.total} image{'s' if self.total != 1 else ''} "
            f"({spent})."
        )
        tried = self.generated + (self.failures.count if self.failures is not None else 0)
        return text + told(self.failures, self.stopped, tried)

    def as_result(self) -> dict:
        return {
            "message": self.message()[:300],
            "images": self.total,
            "generated": self.generated,
            "failed": len(self.failed),
            "credits": self.credits,
            "failures": self.failed[:20],
        }


def _claim(image_id: int, job: Job) -> Image | None:
    """Mark one image as being generated by `job`, if it is still this job's to make."""
    with transaction.atomic():
        image = (
            Image.objects.select_for_update()
            .select_related("content__site", "content__sector")
            .filter(pk=image_id)
            .first()
        )
        if image is None:
            return None
        # "Generating" by a job that is over: its worker died mid-image (see images_waiting).
        interrupted = image.status == ImageStatus.GENERATING and (
            image.job_id == job.pk
            or not Job.objects.filter(pk=image.job_id, status__in=BUSY_JOB).exists()
        )
        mine = image.status == ImageStatus.PENDING or interrupted
        if not mine or not image.prompt:
            return None
        image.status = ImageStatus.GENERATING
        image.job = job
        image.error = ""
        image.save(update_fields=["status", "job", "error", "updated"])
        return image


def _label(image: Image) -> str:
    return "the featured image" if image.kind == ImageKind.FEATURED else f"image {image.position}"


def images_generate(
    *, image_ids: list[int], job: Job, progress: Progress | None = None
) -> ImagesOutcome:
    """Generate these images one by one through the AI engine, each saved to storage as it
    arrives. Raises the first error when not a single image could be made."""
    from igny8.ai import engine

    report = progress or (lambda done, total, message: None)
    outcome = ImagesOutcome(total=len(image_ids))
    tally = outcome.failures = Tally(noun="image", total=len(image_ids))
    first_error: Exception | None = None
    for index, image_id in enumerate(image_ids):
        report(index, outcome.total, f"Generating image {index + 1} of {outcome.total}…")
        image = _claim(image_id, job)
        if image is None:
            continue
        content = image.content
        data = {
            "prompt": image.prompt,
            "title": content.title,
            "alt": image.alt,
            "size": image.size,
            "format": FORMAT,
        }
        written: list[str] = []
        try:
            result = engine.run(
                "generate_image",
                site=content.site,
                input=data,
                key=f"{connection.schema_name}:job:{job.pk}:image:{image.pk}",
                sector=content.sector.name,
                save=lambda output, result, image=image, written=written: files.store_generated(
                    image=image, data=output, fmt=result.image_format, written=written
                ),
            )
        except (InsufficientCredits, AccountLapsed) as exc:
            files.discard(written)
            _fail(image, exc.message)
            outcome.stopped = exc.message
            first_error = first_error or exc
            break
        except AIError as exc:
            files.discard(written)
            log.warning("image %s failed: %s", image.pk, exc.message)
            _fail(image, exc.message)
            outcome.failed.append(f"{_label(image)} ({exc.message})")
            first_error = first_error or exc
            if tally.failed(exc):
                break  # the provider is down: the other images stay waiting
            continue
        except Exception as exc:
            files.discard(written)
            log.exception("image %s failed", image.pk)
            _fail(image, "Something went wrong while saving the image. Try again.")
            outcome.failed.append(f"{_label(image)} (unexpected error)")
            first_error = first_error or exc
            tally.failed(exc)
            continue
        tally.succeeded()
        outcome.generated += 1
        outcome.credits += result.credits
        outcome.offline = outcome.offline and result.provider == "offline"
    report(outcome.total, outcome.total, "Finishing…")
    _place_made(image_ids, job)
    if not outcome.generated and first_error is not None:
        # Say how many failed and why, not only the first.
        raise tally.error(first_error, done=tally.count, problems=outcome.failed)
    return outcome


def _place_made(image_ids: list[int], job: Job) -> None:
    """Put the pictures this job made into their articles (one version per article) and
    rescore them. Read from the database, not from this run's memory, so a job delivered again
    after a worker died still places what the first delivery made."""
    made = list(
        # An image whose new picture failed keeps its old one and the error: nothing new.
        Image.objects.filter(pk__in=image_ids, job=job, status=ImageStatus.GENERATED, error="")
        .exclude(file="")
        .order_by("content_id", "position")
    )
    by_content: dict[int, list[Image]] = {}
    for image in made:
        by_content.setdefault(image.content_id, []).append(image)
    from apps.accounts.models import User

    user = User.objects.filter(pk=job.created_by_id).first() if job.created_by_id else None
    for content in Content.objects.filter(pk__in=by_content).select_related("site"):
        version = body.figures_place(content=content, images=by_content[content.pk], user=user)
        if version is None:
            content_rescore(content=content)  # the featured image counts in the score too


def _fail(image: Image, message: str) -> None:
    """The image could not be made. One that already had a picture (a new one was asked for)
    keeps it and stays ready, with the error to read."""
    status = ImageStatus.GENERATED if image.file else ImageStatus.FAILED
    Image.objects.filter(pk=image.pk).update(
        status=status, error=message[:2000], updated=timezone.now()
    )
