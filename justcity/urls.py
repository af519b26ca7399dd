from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import accounts.admin
import budgets.admin
import participation.admin
import sms.admin
from justcity.health import healthz, livez, readyz

# SimpleAdminConfig does not autodiscover (django-leaflet's admin would import GeoDjango):
# our admin modules are registered by importing them here, explicitly.
_ADMIN_MODULES = (accounts.admin, budgets.admin, participation.admin, sms.admin)

# A database outage raised outside a view (in a middleware) is a 503 too.
handler500 = "justcity.unavailable.server_error"

urlpatterns = [
    path("livez", livez, name="livez"),
    path("readyz", readyz, name="readyz"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("staff/", include("staff.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI from our static (drf-spectacular-sidecar); the init script is its own
    # request (the "split" view), so the strict CSP needs no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="frontend/api_docs.html"
        ),
        name="api-docs",
    ),
    path("api/", include("budgets.api_urls")),
    path("api/", include("equity.api_urls")),
    path("api/", include("participation.api_urls")),
    path("api/", include("maps.api_urls")),
    path("maps/", include("maps.urls")),
    path("sms/", include("sms.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("frontend.urls")),
]
