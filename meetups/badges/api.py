"""Badge jobs over JSON: start one, and poll it (the badges page's progress bar does the same)."""

from apiflask import APIBlueprint
from flask import url_for
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from meetups import api, clock
from meetups.api import IsoText
from meetups.badges import selection, service
from meetups.badges.models import BadgeJob, JobStatus
from meetups.extensions import db

bp = APIBlueprint("badges_api", __name__)


class BadgeJobIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    layout: str = Field("a4-2x4", max_length=20)
    who: str = Field("all", max_length=60_000)
    crop_marks: bool = False


class JobOut(BaseModel):
    id: int
    event_id: int
    status: JobStatus
    done_count: int
    total: int
    progress: int = Field(description="Per cent done.")
    layout: str | None
    who: str | None
    crop_marks: bool
    error: str | None
    download_url: str | None = Field(description="The PDF, once done.")
    created_at: IsoText
    finished_at: IsoText | None


class JobEnvelope(BaseModel):
    job: JobOut


def job_json(job: BadgeJob) -> dict:
    done = job.status is JobStatus.done
    return {
        "id": job.id,
        "event_id": job.event_id,
        "status": job.status.value,
        "done_count": job.done_count,
        "total": job.total,
        "progress": round(100 * job.done_count / job.total) if job.total else (100 if done else 0),
        "layout": job.params.get("layout"),
        "who": job.params.get("who"),
        "crop_marks": bool(job.params.get("crop_marks")),
        "error": job.error or None,
        "download_url": url_for("badges.job_pdf", event_id=job.event_id, job_id=job.id) if done else None,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


@bp.post("/events/<int:event_id>/badge-jobs")
@bp.input(BadgeJobIn, arg_name="body")
@bp.output(JobEnvelope, status_code=202)
@bp.doc(
    summary="Build badge sheets in the background (organisers); poll the job for progress",
    description="Pressing twice joins the job under way.",
    security=api.SECURITY,
    responses={
        401: "login_required",
        403: "forbidden",
        404: "not_found",
        422: "invalid_input, nothing_to_print",
    },
)
@api.login_required
def start_job(event_id: int, body: BadgeJobIn):
    options = selection.parse_options(body.layout, body.who, body.crop_marks)
    job = service.start_job(
        db.session, event_id=event_id, actor=current_user, options=options, now=clock.now()
    )
    db.session.commit()
    service.queue(job)
    return {"job": job_json(db.session.get(BadgeJob, job.id))}


@bp.get("/badge-jobs/<int:job_id>")
@bp.output(JobEnvelope)
@bp.doc(
    summary="A badge job's status and progress, with the download link when done",
    security=api.SECURITY,
    responses={401: "login_required", 403: "forbidden", 404: "not_found"},
)
@api.login_required
def get_job(job_id: int):
    return {"job": job_json(service.get_job(db.session, job_id=job_id, actor=current_user))}
