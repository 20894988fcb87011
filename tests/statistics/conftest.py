"""A small hand-computed dataset for the metrics (every figure below is worked out in docs/METRICS.md terms).

Period under test: May 2026 in Paris. Holidays: Fri 1 May, Fri 8 May, Thu 14 May (Ascension), Mon 25 May
(Whit Monday); the town hall is also closed on Fri 15 May (a closure day). Request types: 10 working days.
Due date from Mon 4 May: 5 6 7 11 12 13 18 19 20 21 → Thu 21 May.
"""

import datetime
from types import SimpleNamespace

import pytest

from guichet.organisation.models import ClosureDay
from guichet.tickets.lifecycle import Channel, Status
from tests import factories
from tests.statistics.timeline import change, citizen_reply, paris, received, reply


@pytest.fixture
def dataset(commune, request_type, agent, other_service):
    ClosureDay.objects.create(date=datetime.date(2026, 5, 15), label="Pont de l'Ascension")
    other_type = factories.RequestTypeFactory(service=other_service, name="Acte de naissance")
    t = SimpleNamespace(request_type=request_type, other_type=other_type)

    # A: reply Tue (1 wd, 24 h), answered Wed (2 wd, 48 h); due 21 May, on time.
    t.a = received(request_type, paris(5, 4))
    reply(t.a, agent, paris(5, 5))
    change(t.a, agent, paris(5, 6), Status.ANSWERED)
    # B: received Thu 16:00, answered Mon 10:00 over a holiday and a weekend: 1 wd, 90 h; due 27 May.
    t.b = received(request_type, paris(5, 7, 16))
    change(t.b, agent, paris(5, 11, 10), Status.ANSWERED)
    # C: info requested Tue 12 (1 wd, 24 h), citizen answers Tue 19 (paused 13 18 19 = 3 wd, 168 h),
    # answered Wed 20: 5 − 3 = 2 wd, 216 − 168 = 48 h; due 28 May + 3 = 2 June, on time.
    t.c = received(request_type, paris(5, 11))
    reply(t.c, agent, paris(5, 12), new_status=Status.AWAITING_CITIZEN)
    citizen_reply(t.c, paris(5, 19))
    change(t.c, agent, paris(5, 20), Status.ANSWERED)
    # D: answered with a message Fri 22 10:00, one day late (11 wd, 432 h), reopened by the citizen Tue 26.
    t.d = received(request_type, paris(5, 4, 10))
    reply(t.d, agent, paris(5, 22, 10), new_status=Status.ANSWERED)
    citizen_reply(t.d, paris(5, 26, 10))
    # E: still open, nobody answered yet (an internal note is not a response).
    t.e = received(request_type, paris(5, 26))
    reply(t.e, agent, paris(5, 27), internal=True)
    # F: answered Thu 7 without a message: 2 wd, 48 h, a tie with A and C; due 22 May.
    t.f = received(request_type, paris(5, 5))
    change(t.f, agent, paris(5, 7), Status.ANSWERED)
    # G: by email, rejected the next day: a first response (1 wd, 24 h), never a resolution.
    t.g = received(request_type, paris(5, 6), channel=Channel.EMAIL)
    change(t.g, agent, paris(5, 7), Status.REJECTED)
    # J: info requested Tue 19 (1 wd, 24 h), still waiting for the citizen.
    t.j = received(request_type, paris(5, 18))
    reply(t.j, agent, paris(5, 19), new_status=Status.AWAITING_CITIZEN)
    # H: another service, by phone, answered the next day (1 wd, 24 h).
    t.h = received(other_type, paris(5, 5), channel=Channel.PHONE)
    change(t.h, agent, paris(5, 6), Status.ANSWERED)
    # I: the previous period (31 March – 30 April): answered the next day.
    t.i = received(request_type, paris(4, 1))
    change(t.i, agent, paris(4, 2), Status.ANSWERED)
    # K: received in February, still open.
    t.k = received(request_type, paris(2, 2))
    return t
