"""The programme in from CSV: speakers and sessions, every row checked by the same rules as the forms, all
or nothing.

Files are UTF-8 (with or without a byte order mark), comma- or semicolon-separated, with a header row; row
numbers in messages are the spreadsheet's (the header is row 1). Each file holds at most MAX_ROWS rows and
MAX_FILE_BYTES bytes, so that both fit the site's request limit (2 MB) together. Sessions name their room and
track: an unknown one is a row error, unless `create_missing` asks to create it. Speakers in sessions.csv are
named by name or account email, separated by ";"; speakers.csv rows naming an existing speaker of the event
update that speaker (columns left out keep their value), so the file can be imported again. An exported
programme.csv imports again: its `id` column is ignored and rows with `status` cancelled are skipped."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session

from meetups import errors
from meetups.accounts.models import Member
from meetups.events import service as events
from meetups.events.models import Event
from meetups.programme import fields as check
from meetups.programme import lineup, places, service
from meetups.programme.models import Room, Speaker, Track
from meetups.spreadsheets import to_csv

MAX_FILE_BYTES = 1_000_000
MAX_ROWS = 2_000
SPEAKER_COLUMNS = ("name", "email", "pronouns", "affiliation", "bio", "links")
SESSION_COLUMNS = (
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "room",
    "track",
    "language",
    "level",
    "capacity",
    "speakers",
    "abstract",
)
#: columns an exported programme.csv carries besides the import's: read, never imported
EXPORT_ONLY = ("id", "status")
#: columns a file must have; speakers.csv may name speakers by account email alone, to update them
REQUIRED = {"speakers": (("name", "email"),), "sessions": (("title",), ("starts_at",), ("ends_at",))}
TEMPLATES = {
    "speakers": (
        SPEAKER_COLUMNS,
        [
            "Ada Lovelace",
            "",
            "she/her",
            "Analytical Engines",
            "Wrote the *first* program.",
            "https://example.org/ada",
        ],
    ),
    "sessions": (
        SESSION_COLUMNS,
        [
            "Opening keynote",
            "keynote",
            "2030-10-25 09:30",
            "2030-10-25 10:30",
            "Main hall",
            "",
            "en",
            "",
            "",
            "Ada Lovelace",
            "What we will do in three days.",
        ],
    ),
}
#: the form's field names as the CSV calls them, for row messages
COLUMN_OF = {"room_id": "room", "track_id": "track", "speaker_ids": "speakers"}
#: frab's grid: conference apps draw sessions on quarter hours


class ImportFailed(errors.DomainError):
    """`rows`: every problem, [{"file", "row", "field", "message"}] (row None: the file as a whole)."""

    code, status = "invalid_import", 422


@dataclass
class Imported:
    speakers: int = 0
    sessions: int = 0
    rooms: int = 0
    tracks: int = 0


@dataclass
class _Import:
    """What one import run has learnt so far: the event's names, and every problem."""

    event: Event
    actor: Member
    now: datetime
    rooms: dict[str, Room]
    tracks: dict[str, Track]
    speakers: dict[str, list[Speaker]]  # by folded name and by account email
    failed_speakers: dict[str, int] = field(default_factory=dict)  # folded name/email → its row in the file
    seen_speakers: dict[str, int] = field(default_factory=dict)  # the same, for the rows imported
    problems: list[dict[str, Any]] = field(default_factory=list)
    done: Imported = field(default_factory=Imported)

    def fail(self, file: str, row: int | None, column: str, message: str) -> None:
        self.problems.append({"file": file, "row": row, "field": column, "message": message})


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


# Reading the files


def template_csv(which: str) -> str:
    """An example file with its header, to fill in."""
    if which not in TEMPLATES:
        raise errors.NotFound(_("There is no such template."))
    header, example = TEMPLATES[which]
    return to_csv(header, [example])


def _text(which: str, data: bytes | str | None, run: _Import) -> str | None:
    if not data:
        return None
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        message = _(
            "%(file)s.csv is larger than %(mb)d MB: split it into several imports.",
            file=which,
            mb=MAX_FILE_BYTES // 1_000_000,
        )
        run.fail(which, None, "", message)
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        run.fail(which, None, "", _("%(file)s.csv is not UTF-8 text: save it as “CSV UTF-8”.", file=which))
        return None
    if "\x00" in text:
        run.fail(which, None, "", _("%(file)s.csv is not a text file.", file=which))
        return None
    return text


def _rows(which: str, text: str, run: _Import) -> list[tuple[int, dict[str, str]]]:
    """(spreadsheet row, {column: cell}) for each non-empty row; a bad header fails the whole file."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as err:
        run.fail(which, None, "", _("%(file)s.csv cannot be read as CSV (%(error)s).", file=which, error=err))
        return []
    if not table:
        return []
    before = len(run.problems)
    header = [_fold(cell) for cell in table[0]]
    known = (SPEAKER_COLUMNS if which == "speakers" else (*SESSION_COLUMNS, *EXPORT_ONLY)) + ("",)
    for cell in header:
        if cell not in known:
            message = _(
                "Unknown column “%(name)s”; the columns are: %(known)s.",
                name=cell,
                known=", ".join(known[:-1]),
            )
            run.fail(which, 1, cell, message)
    for either in REQUIRED[which]:
        if not set(either) & set(header):
            run.fail(which, 1, either[0], _("The column “%(name)s” is missing.", name=either[0]))
    if len(table) - 1 > MAX_ROWS:  # blank rows count too: the file is too big to read through
        message = _(
            "%(file)s.csv has %(n)d rows; at most %(most)d at a time.",
            file=which,
            n=len(table) - 1,
            most=MAX_ROWS,
        )
        run.fail(which, None, "", message)
    if len(run.problems) > before:
        return []
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if any(cell.strip() for cell in cells[len(header) :]):
            run.fail(which, number, "", _("This row has more cells than the header has columns."))
            continue
        rows.append((number, {name: cell for name, cell in zip(header, cells, strict=False) if name}))
    return rows


# Importing


def import_programme(
    session: Session,
    *,
    event: Event,
    actor: Member,
    speakers_csv: bytes | str | None,
    sessions_csv: bytes | str | None,
    now: datetime,
    create_missing: bool = False,
) -> Imported:
    """Speakers, then sessions, each row checked as the forms check it and flushed in turn (so clashes
    within the file are found too); every problem of every row is collected, and if there is one nothing at
    all is written (ImportFailed, with `rows`)."""
    events.ensure_can(session, actor, event, "manage")
    if not speakers_csv and not sessions_csv:
        raise ImportFailed(_("Please choose speakers.csv, sessions.csv or both."), rows=[])
    run = _Import(
        event,
        actor,
        now,
        rooms={_fold(r.name): r for r in service.list_rooms(session, event)},
        tracks={_fold(t.name): t for t in service.list_tracks(session, event)},
        speakers=_speaker_index(service.list_speakers(session, event)),
    )
    rows = {}
    for which, data in (("speakers", speakers_csv), ("sessions", sessions_csv)):
        text = _text(which, data, run)
        rows[which] = _rows(which, text, run) if text else []
    if not run.problems and not rows["speakers"] and not rows["sessions"]:
        raise ImportFailed(_("The files have no rows below their header."), rows=[])
    savepoint = session.begin_nested()
    if not run.problems:
        for number, row in rows["speakers"]:
            _import_speaker(session, run, number, row)
        if create_missing:
            _create_missing(session, run, rows["sessions"])
        for number, row in rows["sessions"]:
            _import_session(session, run, number, row)
    if run.problems:
        savepoint.rollback()
        raise ImportFailed(_summary(run.problems), rows=run.problems)
    savepoint.commit()
    return run.done


def _summary(problems: list[dict[str, Any]]) -> str:
    if len(problems) == 1 and problems[0]["row"] is None:
        return problems[0]["message"]
    return ngettext(
        "Nothing was imported: %(num)d problem to fix first.",
        "Nothing was imported: %(num)d problems to fix first.",
        len(problems),
    )


def row_message(problem: dict[str, Any]) -> str:
    """'Row 7, room: There is no room named “Hall Z”.' (the file's name when the problem is the file)."""
    if problem["row"] is None:
        return problem["message"]
    if not problem["field"]:
        return _("Row %(row)d: %(message)s", row=problem["row"], message=problem["message"])
    return _("Row %(row)d, %(field)s: %(message)s", **problem)


def _speaker_index(speakers: Iterable[Speaker]) -> dict[str, list[Speaker]]:
    index: dict[str, list[Speaker]] = defaultdict(list)
    for speaker in speakers:
        _index_speaker(index, speaker)
    return index


def _index_speaker(index: dict[str, list[Speaker]], speaker: Speaker) -> None:
    index[_fold(speaker.name)].append(speaker)
    if speaker.member is not None:
        index[_fold(speaker.member.email)].append(speaker)


def _import_speaker(session: Session, run: _Import, number: int, row: dict[str, str]) -> None:
    """A new speaker, or an update of the one of that email (or else of that name)."""
    name, email = _fold(row.get("name", "")), _fold(row.get("email", ""))
    earlier = run.seen_speakers.get(email) or run.seen_speakers.get(name)
    if earlier:
        run.fail("speakers", number, "name", _("Row %(row)d is about the same speaker.", row=earlier))
        return
    run.seen_speakers.update({key: number for key in (name, email) if key})
    matches = run.speakers.get(email, []) if email else run.speakers.get(name, [])
    if len(matches) > 1:
        run.failed_speakers[name] = number
        message = _(
            "Several speakers are called “%(name)s”: give the email of their account.", name=row["name"]
        )
        run.fail("speakers", number, "name", message)
        return
    existing = matches[0] if matches else None
    values = {**_kept(existing), **row} if existing else row  # columns left out keep their value
    try:
        with session.begin_nested():
            speaker = lineup.save_speaker(
                session,
                event=run.event,
                actor=run.actor,
                values=values,
                now=run.now,
                speaker_id=existing.id if existing else None,
            )
    except errors.DomainError as err:
        run.failed_speakers[name] = number
        if email:
            run.failed_speakers[email] = number
        run.fail("speakers", number, _column(err, "name"), err.message)
        return
    if existing is None:
        _index_speaker(run.speakers, speaker)
    run.done.speakers += 1


def _kept(speaker: Speaker) -> dict[str, Any]:
    return {
        "name": speaker.name,
        "email": speaker.member.email if speaker.member else "",
        "pronouns": speaker.pronouns,
        "affiliation": speaker.affiliation,
        "bio": speaker.bio,
        "links": list(speaker.links or []),
    }


def _create_missing(session: Session, run: _Import, rows: list[tuple[int, dict[str, str]]]) -> None:
    position = max((r.position for r in run.rooms.values()), default=-1) + 1
    for number, row in rows:
        for column, known, save in (
            ("room", run.rooms, places.save_room),
            ("track", run.tracks, places.save_track),
        ):
            name = row.get(column, "").strip()
            if not name or _fold(name) in known:
                continue
            values = {"name": name, "position": position} if column == "room" else {"name": name}
            try:
                with session.begin_nested():
                    known[_fold(name)] = save(session, event=run.event, actor=run.actor, values=values)
            except errors.DomainError as err:
                run.fail("sessions", number, column, err.message)
                continue
            if column == "room":
                run.done.rooms, position = run.done.rooms + 1, position + 1
            else:
                run.done.tracks += 1


def _import_session(session: Session, run: _Import, number: int, row: dict[str, str]) -> None:
    if _fold(row.get("status", "")) == "cancelled":
        return
    try:
        values = _session_values(run, row)
        cleaned = check.session_fields(values, run.event.zone)
        with session.begin_nested():
            service.add_checked_session(session, event=run.event, cleaned=cleaned, now=run.now)
    except errors.DomainError as err:
        run.fail("sessions", number, _column(err, ""), err.message)
        return
    run.done.sessions += 1


def _session_values(run: _Import, row: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {name: row.get(name, "").strip() for name in SESSION_COLUMNS}
    values["kind"] = _fold(values["kind"])
    values["level"] = _fold(values["level"])
    if values["capacity"].isdigit():
        values["capacity"] = int(values["capacity"])
    values["room_id"] = _named(
        run.rooms, values.pop("room"), "room_id", _("There is no room named “%(name)s”.")
    )
    values["track_id"] = _named(
        run.tracks, values.pop("track"), "track_id", _("There is no track named “%(name)s”.")
    )
    values["speaker_ids"] = [
        _speaker_id(run, ref) for ref in values.pop("speakers").split(";") if ref.strip()
    ]
    return values


def _named(known: dict, name: str, column: str, message: str) -> int | None:
    if not name:
        return None
    found = known.get(_fold(name))
    if found is None:
        raise errors.InvalidInput(message % {"name": name}, field=column)
    return found.id


def _speaker_id(run: _Import, ref: str) -> int:
    key = _fold(ref)
    if key in run.failed_speakers:
        raise errors.InvalidInput(
            _(
                "The speaker “%(name)s” is not imported: see row %(row)d of speakers.csv.",
                name=ref.strip(),
                row=run.failed_speakers[key],
            ),
            field="speaker_ids",
        )
    found = {s.id for s in run.speakers.get(key, [])}
    if not found:
        raise errors.InvalidInput(
            _("There is no speaker “%(name)s”: add them to speakers.csv.", name=ref.strip()),
            field="speaker_ids",
        )
    if len(found) > 1:
        raise errors.InvalidInput(
            _("Several speakers are called “%(name)s”: name them by email.", name=ref.strip()),
            field="speaker_ids",
        )
    return found.pop()


def _column(err: errors.DomainError, default: str) -> str:
    name = err.details.get("field")
    return COLUMN_OF.get(name, name) if isinstance(name, str) else default


# Exporting
