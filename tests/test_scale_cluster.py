"""`quotes ingest --scheduler`: extraction on a Dask cluster (a LocalCluster of two worker
processes started here) stores in PostgreSQL what a single-process ingest stores."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from dbtesting import _admin_url
from typer.testing import CliRunner

from quotes import cli_db, cluster

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()

pytestmark = [pytest.mark.postgres, pytest.mark.model]


@pytest.fixture
def pg_databases() -> Iterator[list[str]]:
    """Two empty PostgreSQL databases on the test server, dropped afterwards."""
    admin = sa.engine.make_url(_admin_url()).set(drivername="postgresql+psycopg")
    names = [f"quotes_cluster_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    server = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield [admin.set(database=n, drivername="postgresql").render_as_string(hide_password=False) for n in names]
    finally:
        with server.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def content(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """What is stored, by natural keys (not row ids)."""
    engine = sa.create_engine(sa.engine.make_url(url).set(drivername="postgresql+psycopg"))
    with engine.connect() as conn:
        out = {
            "quotes": sorted(
                conn.execute(
                    sa.text(
                        "SELECT q.text, q.kind, s.name, q.said_on FROM quote q"
                        " LEFT JOIN speaker s ON s.id = q.speaker_id"
                    )
                ).all(),
                key=repr,
            ),
            "speakers": sorted(conn.execute(sa.text("SELECT name FROM speaker")).all()),
            "sources": sorted(
                conn.execute(sa.text("SELECT path, url, outlet, title, published, content_hash FROM source")).all(),
                key=repr,
            ),
            "occurrences": sorted(
                conn.execute(
                    sa.text(
                        'SELECT q.text, src.path, o.start, o."end", o.cue, o.said_on, o.venue FROM occurrence o'
                        " JOIN quote q ON q.id = o.quote_id JOIN source src ON src.id = o.source_id"
                    )
                ).all(),
                key=repr,
            ),
        }
    engine.dispose()
    return out


def inputs(shared_dir: Path) -> list[str]:
    dev = sorted((shared_dir / "corpus" / "dev").glob("*.json"))[:5]
    return [str(ROOT / "samples"), *map(str, dev)]


def test_a_cluster_of_two_workers_stores_what_one_process_stores(
    extractor: Any, shared_dir: Path, pg_databases: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from distributed import LocalCluster

    monkeypatch.setattr(cli_db, "make_extractor", lambda model_dir=None: extractor)
    paths = inputs(shared_dir)
    on_cluster, alone = pg_databases
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        address = local.scheduler_address
        first = runner.invoke(cli_db.app, ["ingest", *paths, "--db", on_cluster, "--scheduler", address])
        assert first.exit_code == 0, first.stdout + first.stderr
        again = runner.invoke(cli_db.app, ["ingest", *paths, "--db", on_cluster, "--scheduler", address])
    assert again.exit_code == 0, again.stdout + again.stderr
    single = runner.invoke(cli_db.app, ["ingest", *paths, "--db", alone])
    assert single.exit_code == 0, single.stdout + single.stderr
    assert first.stdout == single.stdout  # the same summary line
    stored = content(on_cluster)
    assert stored == content(alone)
    assert len(stored["sources"]) == len(paths) - 1 + len(list((ROOT / "samples").iterdir()))
    assert stored["quotes"] and stored["speakers"]
    # a second run over the same articles stores nothing more: every one is skipped before extraction
    assert " 0 stored" in again.stdout and "skipped" in again.stdout, again.stdout


def test_an_unreadable_article_fails_alone_on_the_cluster(
    extractor: Any, tmp_path: Path, pg_databases: list[str]
) -> None:
    from distributed import LocalCluster

    (tmp_path / "good.txt").write_text(
        "Lyon, 3 mars. « Nous rouvrirons la ligne avant l'été », a déclaré Claire Fontanel, maire de la ville.\n",
        encoding="utf-8",
    )
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe not UTF-8 \xff")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        result = runner.invoke(
            cli_db.app, ["ingest", str(tmp_path), "--db", pg_databases[0], "--scheduler", local.scheduler_address]
        )
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "Failed: " in result.stderr and "bad.txt" in result.stderr
    assert "1 stored" in result.stdout
    assert [row[0] for row in content(pg_databases[0])["sources"]] == [str(tmp_path / "good.txt")]


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:9", "nonsense", "http://127.0.0.1:8786"])
def test_a_bad_scheduler_address_is_one_error_line(
    address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1.0)
    db = tmp_path / "quotes.db"
    result = runner.invoke(cli_db.app, ["ingest", str(ROOT / "samples"), "--db", str(db), "--scheduler", address])
    assert result.exit_code == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "scheduler" in lines[0] and "Traceback" not in result.stderr


def test_scheduler_and_workers_together_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(
        cli_db.app,
        [
            "ingest",
            str(ROOT / "samples"),
            "--db",
            str(tmp_path / "q.db"),
            "--scheduler",
            "tcp://x:8786",
            "--workers",
            "2",
        ],
    )
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: --workers runs processes on this machine, --scheduler on a cluster: give one of them"
    ]
