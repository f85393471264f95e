"""The Starlette application: pages over a quotes database. Every value is escaped by Jinja2.

Read-only unless created with `allow_edits=True`: then the quote lists and the article page carry
two small POST forms per quote (give it to another speaker, mark it "not a quote") that make the
same corrections as `quotes correct` (quotes/corrections.py). Each form holds a CSRF token, an HMAC
of the action and quote id under a secret drawn when the application is created (so a token from
one process, one quote or one action is worth nothing elsewhere); a POST without the right token
gets 403, and so does every POST to a read-only server.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import secrets
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio.to_thread
import sqlalchemy as sa
from anyio import CapacityLimiter
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from quotes import db
from quotes.corrections import describe, mark_not_quote, reassign_speaker, speaker_names
from quotes.errors import NotFoundError, QuotesError
from quotes.export import citation_line, export_bibtex, french_date, french_quote
from quotes.search import Filters, Hit, load_hits, search
from quotes.web.article import Mark, segments
from quotes.web.cache import CACHE_SIZE, Answer, AnswerCache, data_version

FILTER_NAMES = ("speaker", "text", "since", "until", "outlet", "venue", "kind")
PAGE_SIZE = 20
EDIT_ACTIONS = ("speaker", "not-a-quote")
MAX_FORM_BYTES = 8192
# The threads that make the searches not answered from the cache. Two keep both cores busy (SQLite
# works without the interpreter lock) and leave the event loop, which sends the kept answers, its
# turn at that lock: with four, a kept answer waited behind them (50 clients on 1M quotes, p50 of
# the kept kinds 0.1-0.9 s with 4 threads, 25-30 ms with 2, the same 30 searches/s either way).
SEARCH_THREADS = 2

# The templates are the package's own: compiled once, never looked at again on disk (auto_reload
# would stat each file on every page).
templates = Environment(loader=PackageLoader("quotes.web", "templates"), autoescape=select_autoescape(["html"]),
                        auto_reload=False)
templates.filters["french_date"] = french_date
templates.filters["french_quote"] = french_quote
templates.globals["zip"] = zip


def here(request: Request) -> str:
    """The page's own path and query, for a form to come back to."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def hit_json(hit: Hit) -> dict[str, Any]:
    from quotes.cli_db import hit_record  # the record `quotes search --format json` prints

    return hit_record(hit)


@functools.lru_cache(maxsize=4096)
def citation(hit: Hit) -> str:
    """The French citation line of one hit. Kept by the hit's value (every field of it, corrections
    included), so a quote changed in the database is a new hit, cited afresh."""
    return citation_line(hit)


@functools.lru_cache(maxsize=1024)
def bibtex(hit: Hit) -> str:
    """The BibTeX entry of one hit, kept as `citation` is. Asked for one quote at a time
    (/quotes/ID/bibtex): bibtexparser takes about 0.3 ms a hit, 6 ms for a page of 20 that
    nobody may cite."""
    return export_bibtex([hit])


class Csrf:
    """Per-process CSRF tokens: HMAC-SHA256 of "action:quote_id" under a random secret."""

    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret or secrets.token_bytes(32)

    def token(self, action: str, quote_id: int) -> str:
        return hmac.new(self.secret, f"{action}:{quote_id}".encode(), hashlib.sha256).hexdigest()

    def check(self, action: str, quote_id: int, token: str) -> bool:
        return hmac.compare_digest(self.token(action, quote_id), token)


def back_path(value: str) -> str:
    """Where to send the journalist back after a correction: a path on this site, never elsewhere."""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def create_app(engine: Engine, *, allow_edits: bool = False, secret: bytes | None = None,
               cache_size: int = CACHE_SIZE) -> Starlette:
    """The application over `engine`; `cache_size` search answers are kept (0: none)."""
    csrf = Csrf(secret) if allow_edits else None
    read = db.reader(engine)  # pages and searches: concurrent readers, no write lock (corrections use `engine`)
    version = data_version(engine) if cache_size > 0 else None
    cache = AnswerCache(version, cache_size) if version is not None else None
    searchers = CapacityLimiter(SEARCH_THREADS)

    def page_html(name: str, status: int = 200, **context: Any) -> Answer:
        body = templates.get_template(name).render(csrf=csrf, **context).encode("utf-8")
        return Answer(body, HTMLResponse.media_type, status)

    def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(page_html(name, status, **context).body, status_code=status)

    def hits_list(hits: list[Hit], here: str) -> Markup:
        """The list of hits (hits.html, escaped as every template) rendered apart and set into the
        search page whole: included in the page, each of its 750-odd pieces of text was passed up
        through four template levels (the include, the block, the page, the base), a third of the
        page's CPU."""
        cites = {h.quote_id: citation(h) for h in hits}
        return Markup(templates.get_template("hits.html").render(csrf=csrf, hits=hits, cites=cites, here=here,
                                                                 articles=article_ids(hits)))

    async def index(request: Request) -> Response:
        return render("search.html", form={}, hits=None, notes=[], error=None, here="/")

    # The searches being made, by (version, key): a request for one of them waits for its answer
    # rather than making it again (50 clients on 1M quotes: about 1 search in 9 was made twice).
    making: dict[tuple[int, Hashable], asyncio.Task[Answer]] = {}

    async def search_page(request: Request) -> Response:
        """A search answered from the cache on the event loop when it was made at this version of
        the database, or by the making of the same search at this version already under way;
        otherwise made in one of the SEARCH_THREADS threads, and kept if it found."""
        params = request.query_params
        form = {k: params.get(k, "").strip() for k in FILTER_NAMES}
        try:
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            page = 1
        as_json = params.get("format") == "json"
        # The page links back to its own query (edit forms); the JSON is the hits alone.
        key = (as_json, tuple(form.items()), page, None if as_json else here(request))
        now = cache.version() if cache is not None else None  # read before searching: never older than the key
        if cache is None or now is None:
            answer = await make_answer(form, page, as_json, here(request))
            return Response(answer.body, status_code=answer.status, media_type=answer.media_type)
        kept = cache.get(now, key)
        if kept is None:
            task = making.get((now, key))
            if task is None:
                task = asyncio.ensure_future(make_and_keep(now, key, form, page, as_json, here(request)))
                making[(now, key)] = task
                task.add_done_callback(functools.partial(forget, (now, key)))
            kept = await asyncio.shield(task)  # a client gone does not stop the others' answer
        return Response(kept.body, status_code=kept.status, media_type=kept.media_type)

    def forget(flight: tuple[int, Hashable], _done: asyncio.Task[Answer]) -> None:
        making.pop(flight, None)

    async def make_answer(form: dict[str, str], page: int, as_json: bool, here: str) -> Answer:
        return await anyio.to_thread.run_sync(search_answer, form, page, as_json, here, limiter=searchers)

    async def make_and_keep(now: int, key: Hashable, form: dict[str, str], page: int, as_json: bool,
                            here: str) -> Answer:
        answer = await make_answer(form, page, as_json, here)
        if cache is not None and answer.status == 200:
            cache.put(now, key, answer)
        return answer

    def search_answer(form: dict[str, str], page: int, as_json: bool, here: str) -> Answer:
        wanted = {k: v for k, v in form.items() if v}
        try:
            result = search(read, Filters(**wanted, limit=PAGE_SIZE * page + 1))
        except QuotesError as exc:
            if as_json:
                return json_answer({"error": str(exc)}, status=400)
            return page_html("search.html", 400, form=form, hits=None, notes=[], error=str(exc), here="/")
        if as_json:
            return json_answer([hit_json(h) for h in result.hits[: PAGE_SIZE * page]])
        hits = result.hits[PAGE_SIZE * (page - 1) : PAGE_SIZE * page]
        more = len(result.hits) > PAGE_SIZE * page
        listed = hits_list(hits, here)
        return page_html("search.html", form=form, hits=hits, listed=listed, notes=result.notes, error=None, page=page,
                         more=more)

    def speaker_page(request: Request) -> Response:
        speaker_id = int(request.path_params["speaker_id"])
        with Session(read) as session:
            speaker = session.get(db.Speaker, speaker_id)
            if speaker is None:
                return render("error.html", 404, message=f"No speaker {speaker_id}")
            aliases = session.exec(select(db.SpeakerAlias.alias).where(db.SpeakerAlias.speaker_id == speaker_id)).all()
            roles = session.exec(select(db.SpeakerRole.role).where(db.SpeakerRole.speaker_id == speaker_id)).all()
            months = session.exec(
                select(sa.func.substr(db.Quote.said_on, 1, 7), sa.func.count())
                .where(db.Quote.speaker_id == speaker_id, db.Quote.said_on.is_not(None),  # type: ignore[union-attr]
                       col(db.Quote.hidden).is_(False))
                .group_by(sa.func.substr(db.Quote.said_on, 1, 7))
                .order_by(sa.func.substr(db.Quote.said_on, 1, 7))
            ).all()
            ids = session.exec(
                select(db.Quote.id).where(db.Quote.speaker_id == speaker_id, col(db.Quote.hidden).is_(False))
                .order_by(db.Quote.said_on.desc(), db.Quote.id.desc()).limit(10)  # type: ignore[union-attr]
            ).all()
            hits = load_hits(session, [i for i in ids if i is not None])
        return render("speaker.html", speaker=speaker, aliases=aliases, roles=roles, chart=bar_chart(list(months)),
                      hits=hits, here=here(request), articles=article_ids(hits))

    def bibtex_page(request: Request) -> Response:
        """GET /quotes/{id}/bibtex: the BibTeX of one quote, as text (the search page links to it)."""
        quote_id = int(request.path_params["quote_id"])
        with Session(read) as session:
            hidden = session.exec(select(db.Quote.hidden).where(db.Quote.id == quote_id)).first()
            hits = load_hits(session, [quote_id]) if hidden is False else []
        if not hits:
            return render("error.html", 404, message=f"Aucune citation {quote_id}")
        return PlainTextResponse(bibtex(hits[0]))

    def article_ids(hits: list[Hit]) -> dict[int, int]:
        """The article page of each hit's first source (the one it is cited from), by quote id."""
        return {h.quote_id: h.sources[0].source_id for h in hits if h.sources and h.sources[0].source_id is not None}

    def article_page(request: Request) -> Response:
        source_id = int(request.path_params["source_id"])
        with Session(read) as session:
            source = session.get(db.Source, source_id)
            if source is None:
                return render("error.html", 404, message=f"No article {source_id}")
            rows = session.exec(
                select(db.Occurrence, db.Quote, db.Speaker)
                .join(db.Quote, db.Quote.id == db.Occurrence.quote_id)  # type: ignore[arg-type]
                .outerjoin(db.Speaker, db.Speaker.id == db.Quote.speaker_id)  # type: ignore[arg-type]
                .where(db.Occurrence.source_id == source_id, col(db.Quote.hidden).is_(False))
                .order_by(db.Occurrence.start)  # type: ignore[arg-type]
            ).all()
        marks = [Mark(o.start, o.end, s.name if s else None, s.id if s else None, o.cue, q.kind, o.confidence, q.id)
                 for o, q, s in rows]
        text = article_text(source.path)
        if text is None:  # the article file is gone: the quotes alone, in order
            return render("article.html", source=source, segments=None, marks=marks,
                          quotes=[q.text for _, q, _ in rows], here=here(request))
        return render("article.html", source=source, segments=segments(text, marks), marks=marks, quotes=None,
                      here=here(request))

    async def edit(request: Request) -> Response:
        """POST /quotes/{id}/speaker (form: speaker, new, csrf, next) or /quotes/{id}/not-a-quote (csrf, next)."""
        if csrf is None:
            return render("error.html", 403, message="Ce serveur est en lecture seule (quotes serve --allow-edits).")
        quote_id = int(request.path_params["quote_id"])
        action = request.path_params["action"]
        if action not in EDIT_ACTIONS:
            return render("error.html", 404, message=f"Aucune correction {action!r}")
        declared = request.headers.get("content-length", "0")
        if not declared.isdigit() or int(declared) > MAX_FORM_BYTES:
            return render("error.html", 413, message="Formulaire trop long.")
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return render("error.html", 413, message="Formulaire trop long.")
        fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        if not csrf.check(action, quote_id, fields.get("csrf", "")):
            return render("error.html", 403, message="Jeton CSRF absent ou invalide : rechargez la page.")
        back = back_path(fields.get("next", "/"))
        speaker = fields.get("speaker", "").strip()
        if action == "speaker" and not speaker:
            return render("error.html", 400, message="Donnez le nom de l'orateur.", back=back)
        try:
            line = await run_in_threadpool(correct, quote_id, action, speaker, fields.get("new") == "1")
        except NotFoundError as exc:  # the library's hint names the CLI option; the page has a checkbox
            message = str(exc).replace("(add --new to create the speaker)", "(tick « nouvel orateur » to create it)")
            return render("error.html", 404, message=message, back=back)
        except QuotesError as exc:
            return render("error.html", 400, message=str(exc), back=back)
        return render("corrected.html", line=line, back=back)

    def correct(quote_id: int, action: str, speaker: str, create: bool) -> str:
        """The correction, in one transaction (an error changes nothing), as `quotes correct` makes it."""
        with db.session_scope(engine) as session:
            if action == "speaker":
                correction = reassign_speaker(session, quote_id, speaker, create=create)
            else:
                correction = mark_not_quote(session, quote_id)
            ids = [int(v) for v in (correction.previous, correction.value) if v and v.isdigit()]
            return describe(correction, speaker_names(session, ids))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if cache is not None:
            cache.close()

    static = StaticFiles(directory=str(Path(__file__).parent / "static"))
    application = Starlette(
        lifespan=lifespan,
        routes=[
            Route("/", index),
            Route("/search", search_page),
            Route("/speakers/{speaker_id:int}", speaker_page),
            Route("/articles/{source_id:int}", article_page),
            Route("/quotes/{quote_id:int}/bibtex", bibtex_page),
            Route("/quotes/{quote_id:int}/{action}", edit, methods=["POST"]),
            Mount("/static", static, name="static"),
        ]
    )
    application.state.search_cache = cache  # None when the database has no version to key it on
    application.state.search_answer = search_answer  # a new search's page, made in the caller's thread (profiling)
    return application


def json_answer(content: Any, status: int = 200) -> Answer:
    """The body Starlette's JSONResponse renders, kept to be sent again."""
    return Answer(bytes(JSONResponse(content).body), JSONResponse.media_type, status)


# How long a thread holding the interpreter lock keeps it when another asks (Python's default is
# 5 ms). The event loop, which sends kept answers and reads every request, asks for it many times
# a request while the search threads run Python between their SQLite calls; at 5 ms a wait it was
# starved (50 clients on 1M quotes: 80 searches/s, p95 1.8 s; at 0.5 ms 105/s, p95 1.2 s, load 3).
SWITCH_INTERVAL = 0.0005


def quick_thread_switches() -> None:
    """Set the interpreter's switch interval for a server process (`quotes serve` and each worker)."""
    import sys

    sys.setswitchinterval(SWITCH_INTERVAL)


SERVE_DB, SERVE_EDITS, SERVE_SECRET = "QUOTES_SERVE_DB", "QUOTES_SERVE_EDITS", "QUOTES_SERVE_SECRET"
SERVE_CACHE = "QUOTES_SERVE_CACHE"


def app_from_environment() -> Starlette:
    """The application of one `quotes serve --workers N` process: the database, the edit mode and
    the CSRF secret come from the parent (QUOTES_SERVE_*), so that a form one worker rendered is
    accepted by whichever worker gets its POST."""
    import os

    quick_thread_switches()
    secret = os.environ.get(SERVE_SECRET, "")
    edits = os.environ.get(SERVE_EDITS) == "1"
    engine = db.open_db(os.environ.get(SERVE_DB) or None, create=False, write=edits)  # read-only: no migration
    cache_size = int(os.environ.get(SERVE_CACHE) or CACHE_SIZE)
    return create_app(engine, allow_edits=edits, secret=bytes.fromhex(secret) or None, cache_size=cache_size)


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
        {"x": round(i * step, 1), "w": round(min(max(step - 2, 1), 40), 1), "h": round((height - 20) * n / top, 1),
         "label": month, "count": n}
        for i, (month, n) in enumerate(months)
    ]
    return {"bars": bars, "width": width, "height": height}


def standalone_article(title: str, text: str, marks: list[Mark]) -> str:
    """The article page as one self-contained HTML file (style inlined), for `quotes show --html`."""
    css = (Path(__file__).parent / "static" / "style.css").read_text(encoding="utf-8")
    source = {"title": title, "path": title, "outlet": None, "published": None, "url": None}
    return templates.get_template("article.html").render(
        source=source, segments=segments(text, marks), marks=marks, quotes=None, inline_css=css, csrf=None
    )
