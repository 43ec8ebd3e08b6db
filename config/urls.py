from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_ratelimit.decorators import ratelimit

from clinicians.branding import practice_brand
from matching.dashboard_views import pipeline_dashboard

from . import ratelimits, views

# One budget for every login form: the clinicians' page and the admin's.
login_limit = ratelimit(key="ip", rate=ratelimits.LOGIN, method="POST", group="login")

# The practice's own name (its brand, as staff set it) in every admin page's header and title.
practice_name = lazy(lambda: practice_brand().name, str)()
admin.site.site_header = practice_name
admin.site.site_title = format_lazy("{} · {}", practice_name, _("staff"))
admin.site.index_title = _("Run the practice")

urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("brand.css", views.brand_css, name="brand_css"),
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", views.media, name="media"),
    path(
        "login/",
        login_limit(auth_views.LoginView.as_view()),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("clinicians/", include("clinicians.urls")),
    path("consultations/", include("consultations.urls")),
    path("intake/", include("matching.urls")),
    path(
        f"{settings.ADMIN_URL}pipeline/",
        admin.site.admin_view(pipeline_dashboard),
        name="pipeline_dashboard",
    ),
    # Listed before the admin's own URLs so that its login goes through the same limit.
    path(f"{settings.ADMIN_URL}login/", login_limit(admin.site.login)),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler403 = "config.views.permission_denied"
handler404 = "config.views.not_found"
handler500 = "config.views.server_error"
