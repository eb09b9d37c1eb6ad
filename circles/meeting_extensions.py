"""What the apps above ``circles`` add to a meeting's record screen and page, registered from their
``AppConfig.ready()`` (``circles`` imports none of them): ``loans`` adds the repayments collected at the
meeting (``loans/meeting_collection.py``).

An extension has two methods:

- ``record_part(meeting=, members=, user=, data=)``: the part it adds to the record screen for this meeting
  (``data``: the POST, or None when the screen is shown), or None when it has nothing to add. A part has
  ``name``, ``template_name`` (included in the screen with ``part``), ``formset`` (bound or not; the screen
  refuses the record while it is invalid), ``confirmation()`` (the lines to show back before anything is
  recorded, empty when there is nothing to confirm), ``fingerprint()`` (what those lines say, as text) and
  ``save(meeting=, user=)``, called by ``circles.services.meeting_record`` **inside the meeting's
  transaction**: raising ``ValidationError`` there refuses the whole record (nothing is saved; the part has
  put its errors next to its fields).
- ``detail(meeting=, user=)``: what it shows on the meeting's page (a dict with ``template_name`` and the
  template's context), or None.
"""

from typing import Protocol


class MeetingRecordPart(Protocol):
    name: str
    template_name: str
    formset: object

    def confirmation(self) -> list[str]: ...

    def fingerprint(self) -> str: ...

    def save(self, *, meeting, user) -> None: ...


class MeetingExtension(Protocol):
    def record_part(self, *, meeting, members, user, data) -> MeetingRecordPart | None: ...

    def detail(self, *, meeting, user) -> dict | None: ...


MEETING_EXTENSIONS: list[MeetingExtension] = []


def register(extension: MeetingExtension) -> None:
    """Called from an app's ``ready()``; registering the same extension twice adds it once."""
    if extension not in MEETING_EXTENSIONS:
        MEETING_EXTENSIONS.append(extension)


def record_parts(*, meeting, members, user, data) -> list[MeetingRecordPart]:
    parts = (
        extension.record_part(meeting=meeting, members=members, user=user, data=data)
        for extension in MEETING_EXTENSIONS
    )
    return [part for part in parts if part is not None]


def details(*, meeting, user) -> list[dict]:
    shown = (extension.detail(meeting=meeting, user=user) for extension in MEETING_EXTENSIONS)
    return [part for part in shown if part is not None]
