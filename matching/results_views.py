from django.http import Http404


def results(request, token):
    raise Http404


def next_match(request, consultation_token):
    raise Http404
