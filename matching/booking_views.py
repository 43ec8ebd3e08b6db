from django.http import Http404


def book(request, token, slug):
    raise Http404
