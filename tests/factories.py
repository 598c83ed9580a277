"""factory_boy factories for the domain. Defaults make a valid row with the least typing."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress

from errata.models import (
    Comment,
    Cut,
    CutMedia,
    DuplicateGroup,
    Erratum,
    ExportJob,
    Finding,
    ImportJob,
    Membership,
    MeToo,
    Reviewer,
    ReviewLink,
    Scene,
    SceneSpan,
    Team,
    User,
    Video,
    WebhookDelivery,
    WebhookEndpoint,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(user, create, extracted, **kwargs):  # factory_boy's signature: user, not self
        if create:
            user.save()
            if user.email:
                # The address is confirmed, as sign-in requires (ACCOUNT_EMAIL_VERIFICATION).
                EmailAddress.objects.get_or_create(
                    user=user,
                    email=user.email.lower(),
                    defaults={"verified": True, "primary": True},
                )


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.OWNER


class VideoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Video

    team = factory.SubFactory(TeamFactory)
    title = factory.Sequence(lambda n: f"Video {n}")
    slug = factory.Sequence(lambda n: f"video-{n}")
    fps = 30


class CutFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cut

    video = factory.SubFactory(VideoFactory)
    number = factory.Sequence(lambda n: n + 1)
    duration_s = 600.0
    label = "Early view"


class CutMediaFactory(factory.django.DjangoModelFactory):
    """A cut's uploaded video as probed, still being processed: the original (a WebM a browser
    plays as it is) is what the player gets."""

    class Meta:
        model = CutMedia

    cut = factory.SubFactory(CutFactory)
    source_name = factory.LazyAttribute(lambda media: media.cut.media_file.name)
    status = CutMedia.Status.PROCESSING
    content_type = "video/webm"


class SceneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scene

    video = factory.SubFactory(VideoFactory)
    name = factory.Sequence(lambda n: f"Scene{n}")
    source_path = "scenes/part1.py"


class SceneSpanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SceneSpan

    cut = factory.SubFactory(CutFactory)
    scene = factory.SubFactory(SceneFactory, video=factory.SelfAttribute("..cut.video"))
    start_s = 0.0
    end_s = 60.0


class ReviewLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewLink

    cut = factory.SubFactory(CutFactory)
    label = "Patreon early access"


class ReviewerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reviewer

    display_name = factory.Sequence(lambda n: f"Patron {n}")
    email = factory.LazyAttribute(
        lambda r: f"{r.display_name.lower().replace(' ', '.')}@example.com"
    )


class CommentFactory(factory.django.DjangoModelFactory):
    """A stored comment, without triage (use services.comment_create for the real flow)."""

    class Meta:
        model = Comment

    cut = factory.SubFactory(CutFactory)
    reviewer = factory.SubFactory(ReviewerFactory)
    author_name = factory.LazyAttribute(lambda c: c.reviewer.display_name if c.reviewer else "")
    text = "Great video!"


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    comment = factory.SubFactory(CommentFactory)
    cut = factory.SelfAttribute("comment.cut")
    text = factory.SelfAttribute("comment.text")
    span_start = 0
    span_end = factory.LazyAttribute(lambda f: len(f.text))
    suggested_category = "typo"
    category_confidence = 0.8


class ErratumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Erratum

    cut = factory.SubFactory(CutFactory)
    found_in_cut = factory.SelfAttribute("cut")
    video = factory.SelfAttribute("cut.video")
    title = factory.Sequence(lambda n: f"Erratum {n}")
    category = "typo"


class MeTooFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeToo

    finding = factory.SubFactory(FindingFactory)
    reviewer = factory.SubFactory(ReviewerFactory)


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    team = factory.SubFactory(TeamFactory)
    url = factory.Sequence(lambda n: f"https://hooks.example.com/errata/{n}")
    events = factory.LazyFunction(lambda: ["comment.created", "erratum.created", "erratum.fixed"])


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    endpoint = factory.SubFactory(WebhookEndpointFactory)
    event = "comment.created"
    body = '{"event":"comment.created"}'


class DuplicateGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DuplicateGroup

    cut = factory.SubFactory(CutFactory)


class ImportJobFactory(factory.django.DjangoModelFactory):
    """A job as the import page and the API list it; its file is a name only (not run)."""

    class Meta:
        model = ImportJob

    cut = factory.SubFactory(CutFactory)
    format = "csv"
    file = "imports/comments.csv"
    filename = "comments.csv"


class ExportJobFactory(factory.django.DjangoModelFactory):
    """A queued export; `done=True` gives it a stored file (keep MEDIA_ROOT in a tmp dir)."""

    class Meta:
        model = ExportJob

    cut = factory.SubFactory(CutFactory)
    format = "md"

    class Params:
        done = factory.Trait(
            status=ExportJob.Status.DONE,
            file=factory.django.FileField(filename="checklist.md", data=b"# Fix checklist\n"),
            filename="checklist.md",
            content_type="text/markdown; charset=utf-8",
        )
