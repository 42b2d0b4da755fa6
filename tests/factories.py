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
