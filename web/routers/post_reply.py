"""The embassy's one-time reply link: the consultation's questions, a reply, the message to the engine.

No sign-in: the link is the credential (only its sha256 is stored, `ipa.store.consultations`). The token is
spent in the same transaction that records the reply, so a second use is refused however fast it comes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from web.auth import Csrf
from web.camunda import CamundaError, duplicate_message
from web.deps import CamundaDep, CasesDep, blocking, render
from web.readmodel import ReplyLink, TokenRefused

router = APIRouter(tags=["post reply"])

CONCURRENCE = ["CONCUR", "CONCUR_WITH_COMMENTS", "DO_NOT_CONCUR"]
REFUSALS = {
    "used": (410, "This link has already been used. Thank you: your reply reached us."),
    "expired": (410, "This link has expired. Please reply to the case officer by email instead."),
    "unknown": (404, "This link is not valid. Please check you copied all of it."),
}


def _refused(request: Request, reason: str) -> Response:
    status, message = REFUSALS.get(reason, REFUSALS["unknown"])
    return render(request, "reply_refused.html", status_code=status, message=message)


def _message(link: ReplyLink, form: dict[str, str]) -> tuple[str, dict[str, Any]] | list[str]:
    """The message and its variables for the process, or the problems with the reply."""
    comments = form.get("comments", "").strip()[:4000]
    officer = form.get("officer", "").strip()[:200]
    problems: list[str] = []
    if not officer:
        problems.append("Please give the name of the officer replying.")
    if link.kind == "STAGE1":
        try:
            stage1 = date.fromisoformat(form.get("stage1Date", ""))
        except ValueError:
            problems.append("Please give the date of the current Stage 1 assessment (YYYY-MM-DD).")
        else:
            if not problems:
                return "PostStage1Received", {
                    "stage1Date": stage1.isoformat(),
                    "stage1Comments": comments,
                    "postOfficer": officer,
                }
        return problems
    concurrence = form.get("concurrence", "")
    if concurrence not in CONCURRENCE:
        problems.append("Please say whether the Post concurs.")
    if concurrence in ("CONCUR_WITH_COMMENTS", "DO_NOT_CONCUR") and not comments:
        problems.append("Please add your comments.")
    if problems:
        return problems
    return "PostConcurrence", {
        "postConcurrence": concurrence,
        "postComments": comments,
        "postOfficer": officer,
    }


@router.get("/reply/{token}")
async def reply_page(request: Request, token: str, cases: CasesDep) -> Response:
    try:
        link = await blocking(cases.peek_reply, token)
    except TokenRefused as e:
        return _refused(request, e.reason)
    return render(request, "reply.html", link=link, token=token, choices=CONCURRENCE, values={}, problems=[])


@router.post("/reply/{token}", dependencies=[Csrf])
async def reply(request: Request, token: str, cases: CasesDep, cm: CamundaDep) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        link = await blocking(cases.peek_reply, token)
    except TokenRefused as e:
        return _refused(request, e.reason)
    found = _message(link, form)
    if isinstance(found, list):
        return render(
            request,
            "reply.html",
            status_code=422,
            link=link,
            token=token,
            choices=CONCURRENCE,
            values=form,
            problems=found,
        )
    name, variables = found
    try:
        # spent first: of two racing submissions exactly one gets here, so the engine hears one reply
        await blocking(cases.redeem_reply, token, variables, "post-reply")
    except TokenRefused as e:
        return _refused(request, e.reason)
    try:
        await cm.publish_message(
            name, link.request_id, variables, message_id=f"reply:{link.request_id}:{link.kind}"
        )
    except CamundaError as e:
        if not duplicate_message(e):  # the same submission already published (message-id idempotency)
            raise
    return render(request, "reply_done.html", link=link)
