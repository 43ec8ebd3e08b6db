from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render


@login_required
def portal(request):
    return render(request, "home.html")


def manage(request, token):
    raise Http404
