"""HTML forms for surveys. They only parse the page's fields into what the services take; the rules (what a
valid answer or question is) are the service's."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from meetups.surveys.feedback import Offered
from meetups.surveys.models import Survey, SurveyKind

#: empty rows the question editor offers below the survey's questions
SPARE_ROWS = 3


def answers_from_form(survey: Survey, form: MultiDict) -> dict[str, Any]:
    """The answer page's fields (q-<question id>; several for a multiple choice) by question id."""
    answers: dict[str, Any] = {}
    for question in survey.questions:
        name = f"q-{question.id}"
        if question.kind is SurveyKind.multi:
            answers[str(question.id)] = form.getlist(name)
        elif name in form:
            answers[str(question.id)] = form.get(name, "")
    return answers


def given_from_form(survey: Survey, offered: list[Offered], form: MultiDict) -> dict[str, Any]:
    """What the answer page sends: {"answers": by question id, "sessions": by session id}."""
    return {"answers": answers_from_form(survey, form), "sessions": feedback_from_form(offered, form)}


def feedback_from_form(offered: list[Offered], form: MultiDict) -> dict[str, dict[str, str]]:
    """The rating (s-<session id>-rating) and comment (s-<session id>-comment) on each session offered."""
    return {
        str(o.item.id): {
            "rating": form.get(f"s-{o.item.id}-rating", ""),
            "comment": form.get(f"s-{o.item.id}-comment", ""),
        }
        for o in offered
    }


def questions_from_form(form: MultiDict) -> list[dict[str, Any]]:
    """The editor's rows, in the order their "order" numbers give (ties keep the page's order); a row without
    a label is left out."""
    rows = []
    count = form.get("rows", "0")
    for index in range(min(int(count), 100) if count.isdigit() else 0):
        label = (form.get(f"label-{index}") or "").strip()
        if not label:
            continue
        order = form.get(f"order-{index}", "")
        question_id = form.get(f"id-{index}", "")
        rows.append(
            (
                int(order) if order.lstrip("-").isdigit() else index + 1,
                index,
                {
                    "id": int(question_id) if question_id.isdigit() else None,
                    "type": form.get(f"kind-{index}", ""),
                    "label": label,
                    "options": [
                        line.strip()
                        for line in (form.get(f"options-{index}") or "").splitlines()
                        if line.strip()
                    ],
                    "required": bool(form.get(f"required-{index}")),
                },
            )
        )
    return [item for _order, _index, item in sorted(rows, key=lambda row: row[:2])]


def settings_from_form(form: MultiDict) -> dict[str, Any]:
    days = (form.get("open_days") or "").strip()
    settings: dict[str, Any] = {"open_days": int(days) if days.isdigit() else days or None}
    if "anonymous-shown" in form:  # the box is on the page (before any answers came in)
        settings["anonymous"] = bool(form.get("anonymous"))
    return settings
