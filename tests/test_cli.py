"""The command line (DESIGN.md public contract): user create, token create, user import, demo."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from meetups import create_app, demo
from meetups.accounts import service as accounts
from meetups.accounts.models import ApiToken, Member
from meetups.communities.models import Community, CommunityRole, Membership
from meetups.events.models import Event, EventStaff, EventStatus, RsvpMode, StaffRole, WaitlistMode
from tests import factories


@pytest.fixture
def cli(app, session):
    """Invoke `flask --app app ...`; what the command commits is rolled back with the test."""
    runner = app.test_cli_runner()

    def invoke(*args: str, input: str | None = None):
        result = runner.invoke(args=list(args), input=input)
        assert "Traceback" not in result.output, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        return result

    return invoke


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_user_create_makes_a_member_who_can_log_in(cli, session, now):
    result = cli("user", "create", "Ana@Example.org", "--name", "Ana Ivanova", "--password", "long enough pw")

    assert result.exit_code == 0, result.output
    assert "ana@example.org" in result.stdout
    member = accounts.authenticate(session, email="ana@example.org", password="long enough pw")
    assert member.name == "Ana Ivanova"
    assert member.is_admin is False


def test_user_create_admin(cli, session, now):
    result = cli(
        "user", "create", "root@example.org", "--name", "Root", "--password", "long enough pw", "--admin"
    )

    assert result.exit_code == 0, result.output
    assert accounts.get_member_by_email(session, "root@example.org").is_admin is True


def test_user_create_asks_for_the_password_when_it_is_left_out(cli, session, now):
    result = cli(
        "user", "create", "quiet@example.org", "--name", "Quiet", input="hidden password\nhidden password\n"
    )

    assert result.exit_code == 0, result.output
    assert "hidden password" not in result.output
    assert accounts.authenticate(session, email="quiet@example.org", password="hidden password")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("taken@example.org", "--name", "Again", "--password", "long enough pw"), "already an account"),
        (("not-an-email", "--name", "X", "--password", "long enough pw"), "does not look like an email"),
        (("short@example.org", "--name", "X", "--password", "short"), "at least 8 characters"),
    ],
)
def test_user_create_refuses_with_a_clear_message(cli, session, now, args, message):
    factories.make_member(session, email="taken@example.org")
    before = _count(session, Member)

    result = cli("user", "create", *args)

    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stdout == ""
    assert _count(session, Member) == before


def test_token_create_prints_only_a_working_token(cli, client, session, now):
    member = factories.make_member(session, email="api@example.org")

    result = cli("token", "create", "API@example.org", "--name", "scanner")

    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert result.stdout == token + "\n"  # nothing else, so `TOKEN=$(flask ... token create ...)` works
    assert accounts.get_member_for_token(session, token, now) == member
    assert session.scalar(select(ApiToken.name).where(ApiToken.member_id == member.id)) == "scanner"
    community = factories.make_community(session)
    join_url = f"/api/v1/communities/{community.slug}/join"
    assert client.post(join_url).status_code == 401
    response = client.post(join_url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 201), response.text
    assert session.scalar(select(Membership).where(Membership.member_id == member.id)) is not None


def test_token_create_for_an_unknown_email_fails(cli, session, now):
    result = cli("token", "create", "nobody@example.org")

    assert result.exit_code == 1
    assert "nobody@example.org" in result.stderr
    assert _count(session, ApiToken) == 0


def test_user_import_adds_every_row(cli, session, now, tmp_path):
    path = tmp_path / "members.csv"
    path.write_text(
        "email,name,password\n"
        "one@example.org,Анна Смирнова,first password\n"
        "two@example.org,山田 太郎,\n"
        "\n"
        "Three@Example.org,Three\n",
        encoding="utf-8",
    )

    result = cli("user", "import", str(path))

    assert result.exit_code == 0, result.output
    assert "Imported 3 members" in result.stdout
    assert (
        accounts.authenticate(session, email="one@example.org", password="first password").name
        == "Анна Смирнова"
    )
    assert accounts.get_member_by_email(session, "three@example.org").password_hash == ""


def test_user_import_with_bad_rows_imports_nothing_and_names_the_lines(cli, session, now, tmp_path):
    factories.make_member(session, email="already@example.org")
    before = _count(session, Member)
    path = tmp_path / "members.csv"
    path.write_text(
        "email,name\n"
        "good@example.org,Good\n"
        "not an email,Bad\n"
        "already@example.org,Duplicate\n"
        "good@example.org,Twice in the file\n",
        encoding="utf-8",
    )

    result = cli("user", "import", str(path))

    assert result.exit_code == 1
    assert "line 3" in result.stderr
    assert "line 4" in result.stderr
    assert "line 5" in result.stderr
    assert "line 2" not in result.stderr
    assert "Nothing was imported" in result.stderr
    assert _count(session, Member) == before
    assert accounts.get_member_by_email(session, "good@example.org") is None


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00bad", b"email,name\n"])
def test_user_import_of_an_empty_or_unreadable_file_fails_cleanly(cli, session, now, tmp_path, content):
    path = tmp_path / "members.csv"
    path.write_bytes(content)

    result = cli("user", "import", str(path))

    assert result.exit_code == 1
    assert result.stderr.strip()


def test_user_import_of_a_missing_file_fails_cleanly(cli, tmp_path):
    result = cli("user", "import", str(tmp_path / "nope.csv"))

    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def _demo_counts(session) -> dict[str, int]:
    return {
        model.__name__: _count(session, model) for model in (Member, Community, Membership, Event, EventStaff)
    }


def test_demo_twice_creates_nothing_new(cli, session, now):
    first = cli("demo")
    counts = _demo_counts(session)
    second = cli("demo")

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert _demo_counts(session) == counts
    assert "0 new records" in second.stdout
    for email, password in (
        ("admin@example.org", "demo-admin-pass"),
        ("organiser@example.org", "demo-organiser-pass"),
        ("volunteer@example.org", "demo-volunteer-pass"),
        ("member@example.org", "demo-member-pass"),
    ):
        assert email in second.stdout and password in second.stdout
        assert accounts.authenticate(session, email=email, password=password)


def test_demo_data_covers_what_the_pages_need(cli, session, now):
    cli("demo")

    events = list(session.scalars(select(Event)))
    upcoming = [e for e in events if e.starts_at > now and e.status is EventStatus.published]
    past = [e for e in events if e.ends_at < now]
    assert len(upcoming) >= 8
    assert len(past) >= 4
    assert len({e.timezone for e in upcoming}) >= 3
    assert {EventStatus.draft, EventStatus.cancelled} <= {e.status for e in events}
    assert any(e.capacity is None for e in upcoming)
    assert any(e.rsvp_mode is RsvpMode.approval for e in upcoming)
    assert any(e.waitlist_mode is WaitlistMode.offer for e in upcoming)
    assert all(e.starts_at - now < timedelta(days=60) for e in upcoming)
    assert _count(session, Member) >= 40
    assert any(not m.isascii() for m in session.scalars(select(Member.name)))

    organiser = accounts.get_member_by_email(session, "organiser@example.org")
    roles = session.scalars(select(Membership.role).where(Membership.member_id == organiser.id))
    assert list(roles) == [CommunityRole.organiser, CommunityRole.organiser]
    assert accounts.get_member_by_email(session, "admin@example.org").is_admin
    volunteer = accounts.get_member_by_email(session, "volunteer@example.org")
    staff = session.scalars(select(EventStaff).where(EventStaff.member_id == volunteer.id)).all()
    ahead = [s for s in staff if s.event.starts_at > now]
    assert [(s.role, s.event) for s in ahead] == [
        (StaffRole.volunteer, min(upcoming, key=lambda e: e.starts_at))
    ]


def test_demo_prints_where_the_conference_agenda_is(cli, session, now):
    first, second = cli("demo"), cli("demo")

    conference = session.scalar(select(Event).where(Event.title == demo.CONFERENCE_TITLE))
    for result in (first, second):
        assert f"/e/{conference.id}/agenda" in result.stdout


def test_demo_data_has_a_year_of_history(cli, session, now):
    """Profiles, streaks, achievements and the health page have something to show on the first run."""
    from meetups.recognition import profiles
    from meetups.recognition.models import Attendance, Contribution

    cli("demo")
    closed = [e for e in session.scalars(select(Event)) if e.closed_at is not None]
    assert len(closed) >= 20
    assert min(e.starts_at for e in closed) < now - timedelta(days=330)
    assert _count(session, Attendance) >= 300 and _count(session, Contribution) >= 20
    mia = accounts.get_member_by_email(session, "member@example.org")
    profile = profiles.get_profile(session, member_id=mia.id, viewer=mia, now=now)
    assert profile.attended >= 10 and profile.months.longest >= 3
    assert {"first_event", "events_5", "events_10", "streak_3_months"} <= {
        a.key for a in profile.achievements
    }
    assert 0 < profile.reliability < 1


def test_a_database_without_tables_gives_a_hint_not_a_traceback(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}"})

    result = app.test_cli_runner().invoke(
        args=["user", "create", "a@example.org", "--name", "A", "--password", "long enough pw"]
    )

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "db upgrade" in result.stderr


def test_send_reminders_queues_the_due_ones_and_sends_them(cli, session, now, outbox):
    from meetups.rsvps.models import Rsvp, RsvpStatus

    event = factories.make_event(session, starts_at=now + timedelta(hours=20), title="Python evening")
    member = factories.make_member(session)
    seated = now - timedelta(days=2)
    session.add(
        Rsvp(
            event=event,
            member=member,
            status=RsvpStatus.going,
            ticket_code="t" * 22,
            created_at=seated,
            updated_at=seated,
            seated_at=seated,
        )
    )
    session.commit()
    result = cli("send-reminders")
    assert result.exit_code == 0 and "reminders: 1, mail: 1" in result.output
    [mail] = list(outbox)
    assert mail.to == member.email and mail.subject.startswith("Tomorrow at")
    assert "reminders: 0, mail: 0" in cli("send-reminders").output  # never twice
