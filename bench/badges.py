"""Badge sheets: 1,000 badges, A4 2×4, names in mixed scripts, each with its ticket's QR code.

    .venv/bin/python bench/badges.py [--count 1000] [--baseline 100] [--database-url URL]

Measures, in one run (compare ratios: these shared machines move ±25 % from run to run):
- the background job's path: people and QR codes read from the database, rendered by the warm two-process pool
  in chunks, merged with PDFium — wall time, CPU, and peak memory summed over this process and the workers
  (RSS sampled every 10 ms, and PSS, which counts pages the processes share once);
- that every QR code on the result decodes (pdftoppm at 150 dpi, zxing-cpp) to its own ticket URL;
- one warm sheet of 8 in this process (the reprint path), and the same through the service with its queries;
- baselines on fewer badges, extrapolated: a naive template in one process (inline SVG QR codes, the normal
  flow), and our renderer in this process without the pool.
Goals (issue 7): 1,000 badges ≤ 2.5 s and ≤ 350 MB, 100 % decoded; a warm sheet ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAMES = [
    "Anna Müller",
    "Дмитрий Иванов",
    "Γιώργος Παπαδόπουλος",
    "王小明",
    "山田 太郎",
    "김민준",
    "محمد عبد الله",
    "דוד כהן",
    "Zoë 🎉 Smith",
    "Maximilian Alexander von Hohenzollern-Sigmaringen",
    "Li",
    "Ólafur Arnalds",
    "Nguyễn Thị Minh Khai",
    "Παναγιώτα Αλεξανδροπούλου",
    "Екатерина Смирнова-Кузнецова",
    "Priya Raghunathan",
]
NOW = datetime(2030, 4, 1, 12, tzinfo=UTC)


def _read_kb(path: str, key: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass  # the process is gone
    return 0


class Sampler:
    """Peak of the summed RSS (every 10 ms, from /proc/PID/status: cheap) and PSS (every 250 ms, from
    smaps_rollup: the kernel walks page tables for it, which would slow the run if done as often)."""

    def __init__(self, pids) -> None:
        self.pids, self.peak_rss, self.peak_pss = pids, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        tick = 0
        while not self._stop.is_set():
            pids = self.pids()
            self.peak_rss = max(self.peak_rss, sum(_read_kb(f"/proc/{p}/status", "VmRSS:") for p in pids))
            if tick % 5 == 0:
                self.peak_pss = max(
                    self.peak_pss, sum(_read_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids)
                )
            tick += 1
            self._stop.wait(0.01)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def make_event(count: int):
    """An event with `count` people going; their tickets' QR codes are made once, as the ticket page does."""
    from meetups import web
    from meetups.accounts.models import Member
    from meetups.communities.models import Community
    from meetups.events.models import Event, EventStaff, EventStatus, StaffRole
    from meetups.extensions import db
    from meetups.rsvps import tickets
    from meetups.rsvps.models import Question, QuestionKind, Rsvp, RsvpStatus

    session = db.session
    community = Community(slug="bench", name="Bench", color="#0b7285", created_at=NOW)
    event = Event(
        community=community,
        title="PyCon Berlin 2030",
        starts_at=NOW + timedelta(days=7),
        ends_at=NOW + timedelta(days=7, hours=8),
        timezone="Europe/Berlin",
        capacity=None,
        status=EventStatus.published,
        created_at=NOW,
        updated_at=NOW,
        published_at=NOW,
    )
    session.add_all([community, event])
    session.flush()
    question = Question(
        event_id=event.id,
        kind=QuestionKind.short_text,
        label="Company or affiliation",
        builtin="affiliation",
        options=[],
    )
    session.add(question)
    session.flush()
    rsvps = []
    for n in range(count):
        member = Member(
            email=f"p{n}@bench.test",
            name=NAMES[n % len(NAMES)],
            created_at=NOW,
            pronouns=("she/her", "he/him", "they/them", "")[n % 4],
        )
        rsvps.append(
            Rsvp(
                event=event,
                member=member,
                status=RsvpStatus.going,
                ticket_code=tickets.new_code(),
                answers={str(question.id): "ACME Corp"} if n % 3 else {},
                created_at=NOW,
                updated_at=NOW,
            )
        )
    session.add_all(rsvps)
    session.flush()
    for n, role in ((1, StaffRole.speaker), (2, StaffRole.volunteer), (3, StaffRole.organiser)):
        session.add(EventStaff(event=event, member=rsvps[n].member, role=role, added_at=NOW))
    started = time.perf_counter()
    site = web.site()
    tickets.get_qr_pngs(session, [r.ticket_code for r in rsvps], site=site, now=NOW)
    qr_seconds = time.perf_counter() - started
    session.commit()
    return event.id, sorted(tickets.ticket_url(site, r.ticket_code) for r in rsvps), qr_seconds


def decode_all(pdf: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "in.pdf").write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "150", "-gray", "-png", f"{folder}/in.pdf", f"{folder}/p"], check=True
        )
        found = []
        for page in sorted(Path(folder).glob("p-*.png")):
            found += [
                r.text
                for r in zxingcpp.read_barcodes(Image.open(page), formats=zxingcpp.BarcodeFormat.QRCode)
            ]
        return sorted(found)


def naive_svg_seconds(badges, sheet, count: int) -> float:
    """The naive way, as a first implementation would write it: one process, a template with a box per badge
    in the normal flow, WeasyPrint's own HTML parser and user-agent stylesheet, the QR as inline SVG."""
    from html import escape

    from weasyprint import HTML

    from meetups.rsvps.tickets import make_qr

    cards = []
    for n, badge in enumerate(badges[:count]):
        svg = make_qr(f"http://meetups.test/t/naive{n:018d}")[1]
        cards.append(
            f'<div class="badge"><div class="qr">{svg}</div><h1>{escape(badge.name)}</h1>'
            f"<p>{escape(badge.pronouns)}</p><p>{escape(badge.affiliation)}</p><p>{escape(sheet.event_line)}</p>"
            f'<div class="ribbon {badge.role}">{escape(badge.role.upper())}</div></div>'
        )
    html = f"""<html><head><style>
@page {{ size: A4; margin: 20.5mm 15mm }}
body {{ margin: 0; font-family: "Noto Sans", "Noto Sans CJK SC", "Noto Sans Arabic", "Noto Sans Hebrew" }}
.badge {{ display: inline-block; vertical-align: top; position: relative; width: 90mm; height: 55mm;
  box-sizing: border-box; padding: 4mm; border-top: 3mm solid {sheet.color}; overflow: hidden }}
h1 {{ font-size: 17pt; margin: 0 28mm 1mm 0 }} p {{ font-size: 8pt; margin: 0 }}
.qr {{ position: absolute; right: 3mm; top: 3mm; width: 26mm }} .qr svg {{ width: 26mm; height: 26mm }}
.ribbon {{ position: absolute; left: 0; right: 0; bottom: 0; height: 8mm; color: white; text-align: center;
  background: #343a40 }}
</style></head><body>{"".join(cards)}</body></html>"""
    started = time.perf_counter()
    HTML(string=html).write_pdf()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--baseline", type=int, default=100, help="badges for the naive single-process runs")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--chunk", type=int, default=0, help="badges per chunk (default: the job's choice)")
    parser.add_argument("--setup-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    from meetups import create_app, web
    from meetups.badges import selection, service, sheets
    from meetups.extensions import db

    if args.chunk:  # try another chunk size than the job's
        sheets.chunk_size = lambda count, workers: args.chunk
    if args.setup_only:  # the child's part: the event and its tickets, handed back as JSON
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": args.database_url, "BASE_URL": "http://meetups.test", "MAIL_URL": ""}
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            print(json.dumps(make_event(args.count)))
        return
    folder = tempfile.TemporaryDirectory(prefix="bench-badges-")
    url = args.database_url or f"sqlite:///{folder.name}/bench.db"
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
        f"database {url.split(':')[0]}"
    )
    # The data is made in another process, so that this one starts as the job's worker process does: with the
    # app loaded, not with the garbage of creating 1,000 members.
    made = subprocess.run(
        [sys.executable, __file__, "--setup-only", "--count", str(args.count), "--database-url", url],
        check=True,
        capture_output=True,
        text=True,
    )
    event_id, urls, qr_seconds = json.loads(made.stdout.strip().splitlines()[-1])
    print(f"setup: {args.count} tickets' QR codes made once (kept in ticket_qr): {qr_seconds:.2f} s")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "BASE_URL": "http://meetups.test", "MAIL_URL": ""})
    with app.app_context():
        started = time.perf_counter()
        pool = sheets.get_pool(2)
        pool.wait_ready()
        print(
            f"pool: 2 warm workers started in {time.perf_counter() - started:.1f} s (once per worker process)"
        )

        # The job's path, measured end to end: query, QR codes from the table, render in chunks, merge.
        job = service.BadgeJob(
            event_id=event_id,
            params={"layout": "a4-2x4", "who": "all", "crop_marks": False},
            status=service.JobStatus.running,
            total=0,
            created_at=NOW,
        )
        db.session.add(job)
        db.session.commit()
        me = os.getpid()
        cpu_before = {pid: _cpu_seconds(pid) for pid in [me, *pool.pids]}
        with Sampler(lambda: [me, *pool.pids]) as memory:
            started = time.perf_counter()
            service.build_job(db.session, job_id=job.id, site=web.site(), now=NOW)
            wall = time.perf_counter() - started
        cpu = {pid: _cpu_seconds(pid) - before for pid, before in cpu_before.items()}
        peaks = {pid: _read_kb(f"/proc/{pid}/status", "VmHWM:") // 1024 for pid in [me, *pool.pids]}
        pdf = job.pdf
        db.session.rollback()

        decoded = decode_all(pdf)
        ok = sum(1 for a, b in zip(decoded, urls, strict=False) if a == b) if len(decoded) == len(urls) else 0
        print(
            f"\n{args.count} badges, a4-2x4, mixed scripts, QR, 2 workers (chunks of "
            f"{sheets.chunk_size(args.count, 2)}):"
        )
        print(f"  wall {wall:.2f} s   (goal ≤ 2.5 s)")
        print(
            f"  CPU  this process {cpu[me]:.2f} s, workers "
            + ", ".join(f"{cpu[p]:.2f}" for p in pool.pids)
            + " s"
        )
        print(
            f"  peak memory, this process + workers: RSS {memory.peak_rss / 1024:.0f} MB, "
            f"PSS {memory.peak_pss / 1024:.0f} MB   (goal ≤ 350 MB); each one's peak RSS: this process "
            f"{peaks[me]} MB (the app and its data), workers "
            + ", ".join(f"{peaks[p]}" for p in pool.pids)
            + " MB"
        )
        print(
            f"  QR decoded: {len(decoded)}/{len(urls)}, matching their tickets: {ok} "
            f"({100 * ok / len(urls):.1f} %)   PDF {len(pdf) / 1e6:.1f} MB"
        )
        sheets.close_pool()

        # One warm sheet of 8, in this process: the reprint path.
        sheets.warm_up()
        people = selection.list_people(db.session, db.session.get(service.Event, event_id))[:8]
        sheet = service.make_sheet(db.session.get(service.Event, event_id), selection.parse_options())
        badges = service.make_badges(db.session, people, web.site(), NOW)
        times = []
        for _ in range(10):
            started = time.perf_counter()
            sheets.render_pdf(sheet, badges)
            times.append(time.perf_counter() - started)
        with app.test_request_context():
            organiser = db.session.scalar(
                db.select(service.Member).where(service.Member.email == "p3@bench.test")
            )
            options = selection.parse_options("a4-2x4", "rsvp:" + ",".join(str(p.rsvp.id) for p in people))
            served = []
            for _ in range(5):
                started = time.perf_counter()
                service.print_badges(
                    db.session, event_id=event_id, actor=organiser, options=options, site=web.site(), now=NOW
                )
                served.append(time.perf_counter() - started)
                db.session.rollback()
        print(
            f"\none warm sheet of 8 in-process: median {1000 * statistics.median(times):.0f} ms, "
            f"best {1000 * min(times):.0f} ms; through the service with its queries: median "
            f"{1000 * statistics.median(served):.0f} ms   (goal ≤ 150 ms)"
        )

        # Baselines, on fewer badges, scaled to the full count.
        everyone = service.make_badges(
            db.session,
            selection.list_people(db.session, db.session.get(service.Event, event_id))[: args.baseline],
            web.site(),
            NOW,
        )
        svg = naive_svg_seconds(everyone, sheet, args.baseline)
        started = time.perf_counter()
        sheets.render_pdf(sheet, everyone)
        png = time.perf_counter() - started
        scale = args.count / args.baseline
        print(f"\nbaselines ({args.baseline} badges, one process, scaled ×{scale:g}):")
        print(
            f"  inline SVG QR: {svg:.2f} s → ~{svg * scale:.1f} s per {args.count}   "
            f"(ours is {svg * scale / wall:.1f}× faster)"
        )
        print(
            f"  ours without the pool: {png:.2f} s → ~{png * scale:.1f} s per {args.count}   "
            f"(the pool is {png * scale / wall:.1f}× faster)"
        )
        db.session.remove()
        if args.database_url:
            db.drop_all()


if __name__ == "__main__":
    main()
