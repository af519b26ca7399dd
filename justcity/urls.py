from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

import accounts.admin
import budgets.admin
import participation.admin
import sms.admin
from justcity.health import healthz

# SimpleAdminConfig does not autodiscover (django-leaflet's admin would import GeoDjango):
# our admin modules are registered by importing them here, explicitly.
_ADMIN_MODULES = (accounts.admin, budgets.admin, participation.admin, sms.admin)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("staff/", include("staff.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/", include("budgets.api_urls")),
    path("maps/", include("maps.urls")),
    path("sms/", include("sms.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("frontend.urls")),
]
