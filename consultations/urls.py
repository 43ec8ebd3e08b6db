from django.urls import path

from . import calendar_views, checkin_views, fitcheck_views, views

app_name = "consultations"
urlpatterns = [
    # Clinician portal (views.py)
    path("portal/", views.portal, name="portal"),
    path("portal/availability/", views.portal_availability, name="portal_availability"),
    path("portal/accepting/", views.portal_accepting, name="portal_accepting"),
    path("portal/profile/", views.portal_profile, name="portal_profile"),
    path(
        "portal/profile/<int:proposal_id>/withdraw/",
        views.portal_profile_withdraw,
        name="portal_profile_withdraw",
    ),
    path("portal/<uuid:public_id>/confirm/", views.portal_confirm, name="portal_confirm"),
    path("portal/<uuid:public_id>/decline/", views.portal_decline, name="portal_decline"),
    path("portal/<uuid:public_id>/complete/", views.portal_complete, name="portal_complete"),
    path("portal/<uuid:public_id>/no-show/", views.portal_no_show, name="portal_no_show"),
    path(
        "portal/<uuid:public_id>/therapy/",
        checkin_views.portal_engagement,
        name="portal_engagement",
    ),
    path(
        "portal/check-ins/<int:checkin_id>/seen/",
        checkin_views.portal_checkin_seen,
        name="portal_checkin_seen",
    ),
    # The clinician's calendar feed and email choices (calendar_views.py)
    path("portal/calendar/", calendar_views.portal_calendar, name="portal_calendar"),
    path("portal/emails/", calendar_views.portal_notifications, name="portal_notifications"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    # Client manage link (views.py)
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/cancel/", views.manage_cancel, name="manage_cancel"),
    path("manage/<str:token>/reschedule/", views.manage_reschedule, name="manage_reschedule"),
    path("manage/<str:token>/delete/", views.manage_delete, name="manage_delete"),
    path("manage/<str:token>/calendar.ics", views.manage_ics, name="manage_ics"),
    # Fit check after the consultation (fitcheck_views.py)
    path("fit-check/<str:token>/", fitcheck_views.fit_check, name="fit_check"),
    # Check-ins once therapy has started (checkin_views.py)
    path("check-in/<str:token>/", checkin_views.checkin, name="checkin"),
    path("check-in/<str:token>/safety/", checkin_views.checkin_safety, name="checkin_safety"),
    path("check-in/<str:token>/thanks/", checkin_views.checkin_thanks, name="checkin_thanks"),
    path("check-in/<str:token>/switch/", checkin_views.checkin_switch, name="checkin_switch"),
    path("check-ins/stop/<str:token>/", checkin_views.checkin_stop, name="checkin_stop"),
]
