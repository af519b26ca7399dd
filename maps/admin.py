from django.contrib import admin

from maps.models import Neighbourhood


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(admin.ModelAdmin):
    list_display = ["name", "population", "need_index"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
