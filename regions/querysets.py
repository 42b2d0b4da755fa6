from django.db import models


class RegionQuerySet(models.QuerySet):
    def subtree(self, code: str):
        """The region with this code and everything below it: one indexed prefix lookup."""
        return self.filter(code__startswith=code)

    def children_of(self, code: str):
        return self.filter(parent_id=code)


class PostQuerySet(models.QuerySet):
    def active(self):
        from django.utils import timezone

        today = timezone.localdate()
        return self.filter(is_active=True).filter(models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=today))
