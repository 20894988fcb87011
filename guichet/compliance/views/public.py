"""Public pages: the personal-data notice (GDPR art. 13, full form) and the accessibility declaration."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from guichet.compliance.accessibility import accessibility_status, feedback_request_type, lines
from guichet.compliance.register import processing_register
from guichet.organisation.models import Commune


@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    commune = Commune.current()
    context = {
        "activities": [activity for activity in processing_register() if activity.key != "statistiques"],
        "partners": lines(commune.privacy_recipients),
    }
    return render(request, "compliance/privacy_notice.html", context)


@require_GET
def accessibility_declaration(request: HttpRequest) -> HttpResponse:
    commune = Commune.current()
    context = {
        "status": accessibility_status(commune),
        "non_accessible": lines(commune.accessibility_non_accessible),
        "derogations": lines(commune.accessibility_derogations),
        "feedback_type": feedback_request_type(),
    }
    return render(request, "compliance/accessibility.html", context)
