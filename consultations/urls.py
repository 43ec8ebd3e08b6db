from django.urls import path

from . import fitcheck_views, views

app_name = "consultations"
urlpatterns = [
    # Clinician portal (views.py)
    path("portal/", views.portal, name="portal"),
    path("portal/availability/", views.portal_availability, name="portal_availability"),
    path("portal/accepting/", views.portal_accepting, name="portal_accepting"),
    path("portal/<uuid:public_id>/confirm/", views.portal_confirm, name="portal_confirm"),
    path("portal/<uuid:public_id>/decline/", views.portal_decline, name="portal_decline"),
    path("portal/<uuid:public_id>/complete/", views.portal_complete, name="portal_complete"),
    path("portal/<uuid:public_id>/no-show/", views.portal_no_show, name="portal_no_show"),
    # Client manage link (views.py)
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/cancel/", views.manage_cancel, name="manage_cancel"),
    path("manage/<str:token>/reschedule/", views.manage_reschedule, name="manage_reschedule"),
    path("manage/<str:token>/delete/", views.manage_delete, name="manage_delete"),
    path("manage/<str:token>/calendar.ics", views.manage_ics, name="manage_ics"),
    # Fit check after the consultation (fitcheck_views.py)
    path("fit-check/<str:token>/", fitcheck_views.fit_check, name="fit_check"),
]
