from django.http import Http404


def start(request):
    raise Http404


def step(request, step):
    raise Http404


def review(request):
    raise Http404


def delete(request, token):
    raise Http404


def edit(request, token, step):
    raise Http404
