import factory
from django.utils import timezone

from accounts.models import User
from regions.choices import Level
from regions.models import Post, Region

PASSWORD = "Test#Pass2026"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"区划{n}")
    level = Level.VILLAGE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username)
    password = factory.django.Password(PASSWORD)


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    user = factory.SubFactory(UserFactory)


def enrol_totp(user):
    """Give `user` a confirmed second factor (administrators must have one); returns the secret."""
    from accounts.totp import new_secret

    user.totp_secret = new_secret()
    user.totp_confirmed_at = timezone.now()
    user.save(update_fields=["totp_secret", "totp_confirmed_at"])
    return user.totp_secret


def generate_source(key: str, *, as_of, seed: int = 42, scale: float = 1.0, villages=None, townships=None) -> dict:
    """One registered seed generator alone, in a transaction (the writer's part of seed_province,
    without its checks and the summary refresh): the rows it made, by kind. `villages` and
    `townships` default to every place of the province."""
    from django.db import transaction

    from seeding.generators import BulkWriter, GenerationContext, load_generators, places_of

    all_villages, all_townships = places_of("51")
    generator = next(g for g in load_generators() if g.key == key)
    with transaction.atomic(), BulkWriter() as writer:
        ctx = GenerationContext(
            scale=scale,
            seed=seed,
            province="51",
            as_of=as_of,
            writer=writer,
            villages=all_villages if villages is None else villages,
            townships=all_townships if townships is None else townships,
        )
        writer.prepare(generator.models)
        counts = generator.generate(ctx)
        writer.finish()
    return counts
