"""The Starlette application: read-only pages over a quotes database. Every value is escaped by Jinja2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from quotes import db
from quotes.errors import QuotesError
from quotes.export import citation_line, export_bibtex, french_date, french_quote
from quotes.search import Filters, Hit, load_hits, search
from quotes.web.article import Mark, segments

FILTER_NAMES = ("speaker", "text", "since", "until", "outlet", "venue", "kind")
PAGE_SIZE = 20

templates = Environment(loader=PackageLoader("quotes.web", "templates"), autoescape=select_autoescape(["html"]))
templates.filters["french_date"] = french_date
templates.filters["french_quote"] = french_quote
templates.globals["zip"] = zip


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(templates.get_template(name).render(**context), status_code=status)


def hit_json(hit: Hit) -> dict[str, Any]:
    from quotes.cli_db import hit_record  # the record `quotes search --format json` prints

    return hit_record(hit)


def create_app(engine: Engine) -> Starlette:
    async def index(request: Request) -> Response:
        return render("search.html", form={}, hits=None, notes=[], error=None)

    def search_page(request: Request) -> Response:
        params = request.query_params
        form = {k: params.get(k, "").strip() for k in FILTER_NAMES}
        try:
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            page = 1
        wanted = {k: v for k, v in form.items() if v}
        try:
            result = search(engine, Filters(**wanted, limit=PAGE_SIZE * page + 1))
        except QuotesError as exc:
            if params.get("format") == "json":
                return JSONResponse({"error": str(exc)}, status_code=400)
            return render("search.html", 400, form=form, hits=None, notes=[], error=str(exc))
        if params.get("format") == "json":
            return JSONResponse([hit_json(h) for h in result.hits[: PAGE_SIZE * page]])
        hits = result.hits[PAGE_SIZE * (page - 1) : PAGE_SIZE * page]
        more = len(result.hits) > PAGE_SIZE * page
        cites = {h.quote_id: (citation_line(h), export_bibtex([h])) for h in hits}
        return render("search.html", form=form, hits=hits, notes=result.notes, error=None, page=page, more=more,
                      cites=cites)

    def speaker_page(request: Request) -> Response:
        speaker_id = int(request.path_params["speaker_id"])
        with Session(engine) as session:
            speaker = session.get(db.Speaker, speaker_id)
            if speaker is None:
                return render("error.html", 404, message=f"No speaker {speaker_id}")
            aliases = session.exec(select(db.SpeakerAlias.alias).where(db.SpeakerAlias.speaker_id == speaker_id)).all()
            roles = session.exec(select(db.SpeakerRole.role).where(db.SpeakerRole.speaker_id == speaker_id)).all()
            months = session.exec(
                select(sa.func.substr(db.Quote.said_on, 1, 7), sa.func.count())
                .where(db.Quote.speaker_id == speaker_id, db.Quote.said_on.is_not(None))  # type: ignore[union-attr]
                .group_by(sa.func.substr(db.Quote.said_on, 1, 7))
                .order_by(sa.func.substr(db.Quote.said_on, 1, 7))
            ).all()
            ids = session.exec(
                select(db.Quote.id).where(db.Quote.speaker_id == speaker_id)
                .order_by(db.Quote.said_on.desc(), db.Quote.id.desc()).limit(10)  # type: ignore[union-attr]
            ).all()
            hits = load_hits(session, [i for i in ids if i is not None])
        return render("speaker.html", speaker=speaker, aliases=aliases, roles=roles, chart=bar_chart(list(months)),
                      hits=hits)

    def article_page(request: Request) -> Response:
        source_id = int(request.path_params["source_id"])
        with Session(engine) as session:
            source = session.get(db.Source, source_id)
            if source is None:
                return render("error.html", 404, message=f"No article {source_id}")
            rows = session.exec(
                select(db.Occurrence, db.Quote, db.Speaker)
                .join(db.Quote, db.Quote.id == db.Occurrence.quote_id)  # type: ignore[arg-type]
                .outerjoin(db.Speaker, db.Speaker.id == db.Quote.speaker_id)  # type: ignore[arg-type]
                .where(db.Occurrence.source_id == source_id)
                .order_by(db.Occurrence.start)  # type: ignore[arg-type]
            ).all()
        marks = [Mark(o.start, o.end, s.name if s else None, s.id if s else None, o.cue, q.kind, o.confidence)
                 for o, q, s in rows]
        text = article_text(source.path)
        if text is None:  # the article file is gone: the quotes alone, in order
            return render("article.html", source=source, segments=None, marks=marks,
                          quotes=[q.text for _, q, _ in rows])
        return render("article.html", source=source, segments=segments(text, marks), marks=marks, quotes=None)

    static = StaticFiles(directory=str(Path(__file__).parent / "static"))
    return Starlette(
        routes=[
            Route("/", index),
            Route("/search", search_page),
            Route("/speakers/{speaker_id:int}", speaker_page),
            Route("/articles/{source_id:int}", article_page),
            Mount("/static", static, name="static"),
        ]
    )


def article_text(path: str | None) -> str | None:
    """The text of a stored article, read again from the file it was ingested from (None if unreadable)."""
    if not path:
        return None
    from quotes.read import read_path

    try:
        return next(iter(read_path(path))).text
    except (QuotesError, OSError, StopIteration):
        return None


def bar_chart(months: list[tuple[str, int]], width: int = 480, height: int = 120) -> dict[str, Any]:
    """Bars for quotes per month, as numbers for the inline SVG in speaker.html."""
    if not months:
        return {"bars": [], "width": width, "height": height}
    top = max(n for _, n in months)
    step = width / len(months)
    bars = [
        {"x": round(i * step, 1), "w": round(max(step - 2, 1), 1), "h": round((height - 20) * n / top, 1),
         "label": month, "count": n}
        for i, (month, n) in enumerate(months)
    ]
    return {"bars": bars, "width": width, "height": height}


def standalone_article(title: str, text: str, marks: list[Mark]) -> str:
    """The article page as one self-contained HTML file (style inlined), for `quotes show --html`."""
    css = (Path(__file__).parent / "static" / "style.css").read_text(encoding="utf-8")
    source = {"title": title, "path": title, "outlet": None, "published": None, "url": None}
    return templates.get_template("article.html").render(
        source=source, segments=segments(text, marks), marks=marks, quotes=None, inline_css=css
    )
