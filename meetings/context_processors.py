from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, str]:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_ORGANISATION": settings.SITE_ORGANISATION,
        "SITE_PREFECTURE": settings.SITE_PREFECTURE,
        "SITE_ADDRESS": settings.SITE_ADDRESS,
        "SITE_PHONE": settings.SITE_PHONE,
    }
