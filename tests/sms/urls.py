"""The project's URLs with the SMS app mounted at ``sms/`` (as justcity/urls.py will
have it), so the SMS tests run whether or not the include has landed there yet."""

from __future__ import annotations

from django.urls import URLResolver, include, path

from justcity.urls import urlpatterns as project_urlpatterns

_mounted = any(isinstance(p, URLResolver) and p.namespace == "sms" for p in project_urlpatterns)
urlpatterns = [*project_urlpatterns]
if not _mounted:
    urlpatterns.append(path("sms/", include("sms.urls")))
