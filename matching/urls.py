from django.urls import path

from . import booking_views, results_views, views, waitlist_views

app_name = "matching"
urlpatterns = [
    # The intake (views.py)
    path("", views.start, name="start"),
    path("step/<slug:step>/", views.step, name="step"),
    path("review/", views.review, name="review"),
    path("r/<str:token>/delete/", views.delete, name="delete"),
    path("r/<str:token>/edit/<slug:step>/", views.edit, name="edit"),
    path("next/<str:consultation_token>/edit/<slug:step>/", views.next_edit, name="next_edit"),
    # Results (results_views.py)
    path("r/<str:token>/", results_views.results, name="results"),
    path("next/<str:consultation_token>/", results_views.next_match, name="next_match"),
    # Booking from the results page (booking_views.py)
    path("r/<str:token>/book/<slug:slug>/", booking_views.book, name="book"),
    path(
        "next/<str:consultation_token>/book/<slug:slug>/",
        booking_views.next_book,
        name="next_book",
    ),
    # The waiting list (waitlist_views.py)
    path("r/<str:token>/waitlist/", waitlist_views.join, name="waitlist_join"),
    path("w/<str:wtoken>/leave/", waitlist_views.leave, name="waitlist_leave"),
    path("w/offer/<str:otoken>/", waitlist_views.offer, name="waitlist_offer"),
]
