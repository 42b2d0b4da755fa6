from django.contrib import admin

from core.calendar import calendar_changed
from core.models import WorkCalendarDay


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(admin.ModelAdmin):
    """The administrator maintains the calendar here (a new year's holidays once the State Council
    publishes them); every change recomputes the deadlines that depend on that year."""

    list_display = ["date", "is_workday", "provisional", "note", "source"]
    list_filter = ["is_workday", "provisional", "source"]
    list_editable = ["is_workday", "provisional", "note"]
    date_hierarchy = "date"
    search_fields = ["note"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        calendar_changed({obj.date.year})

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        calendar_changed({obj.date.year})

    def delete_queryset(self, request, queryset):
        years = set(queryset.values_list("date__year", flat=True))
        super().delete_queryset(request, queryset)
        calendar_changed(years)
