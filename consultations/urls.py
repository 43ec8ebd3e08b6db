from django.urls import path

from . import views

app_name = "consultations"
urlpatterns = [
    path("portal/", views.portal, name="portal"),
]
