"""The dashboard (filled in below)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from truce.web.deps import ViewerDep, render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, viewer: ViewerDep) -> HTMLResponse:
    """What awaits the viewer's member."""
    return render(request, "dashboard.html", {})
