from django.conf import settings


def practice(request):
    return {
        "practice": {
            "name": settings.PRACTICE_NAME,
            "phone": settings.PRACTICE_PHONE,
            "address": settings.PRACTICE_ADDRESS,
        }
    }
