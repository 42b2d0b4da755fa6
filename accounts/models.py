from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in: staff, cadres, leaders, office workers and administrators.

    What they may do and where comes from their posts (`regions.Post`), not from fields here.
    Residents never sign in.
    """

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.display_name or self.username

    @property
    def primary_post(self):
        from regions.scoping import user_posts

        posts = user_posts(self)
        return min(posts, key=lambda post: (len(post.region_id), post.region_id)) if posts else None
