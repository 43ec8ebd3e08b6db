from django.urls import path

from . import fitcheck_views, views

app_name = "consultations"
urlpatterns = [
    # Clinician portal (views.py)
    path("portal/", views.portal, name="portal"),
    # Client manage link (views.py)
    path("manage/<str:token>/", views.manage, name="manage"),
    # Fit check after the consultation (fitcheck_views.py)
    path("fit-check/<str:token>/", fitcheck_views.fit_check, name="fit_check"),
]
