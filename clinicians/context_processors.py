from django.conf import settings

from .branding import practice_brand


def practice(request):
    """The practice on every page: its brand (name, logo, accent; one cached read) and how to
    reach it."""
    brand = practice_brand()
    return {
        "practice": {
            "name": brand.name,
            "phone": settings.PRACTICE_PHONE,
            "address": settings.PRACTICE_ADDRESS,
            "brand": brand,
        }
    }
