from django.http import Http404


def fit_check(request, token):
    raise Http404
