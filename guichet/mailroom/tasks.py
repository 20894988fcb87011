"""The mail room's tasks, under the path the rows already queued in the database name them by.

Each task lives beside the code it runs (``services.read_mail_item``, ``letters.render_letter``); this
module only keeps their former import path working.
"""

from guichet.mailroom.letters import render_letter
from guichet.mailroom.services import read_mail_item

__all__ = ["read_mail_item", "render_letter"]
