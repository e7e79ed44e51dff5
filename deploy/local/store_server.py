"""The local MongoDB-wire store: mongo-java-server on H2's MVStore, chosen by measurement (bench/stores.py, README).

Provisioned from Maven Central (deploy/local/store/pom.xml) into `.stack/store/`, with our small launcher
(deploy/local/store/*.java) compiled by the machine's javac: it reports a wire version pymongo accepts, commits every
write before acknowledging it (acknowledged writes survive kill -9 of the store), keeps one-field sparse indexes
(SparseIndex.java: the outbox marker's, notifications' due and held messages') and answers `explain` of a find
with the index it uses or COLLSCAN.
FerretDB 1.24 (SQLite) stays buildable here for the comparison bench only.

Known defects of mongo-java-server 1.47 (the code around them is MongoDB code; these only bite local tooling):
- secondary indexes are accepted and ignored, except unique ones and our one-field sparse ones (which answer
  `{field: {$exists: true}}` and ranges on the field, `{field: {$lte: t}}`), so a query on any other field reads
  the collection;
- `dropDatabase("x")` also removes the storage of every database whose name starts with "x" (H2Database.drop
  matches map names by prefix), leaving those half-dropped: never name a database as a prefix of another.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import typer

HERE = Path(__file__).resolve().parent / "store"
NAME = "store"  # the server's name in the stack: pid file, log file, data folder
LAUNCHER = "TijaraStore"
FERRETDB_MODULE = "github.com/FerretDB/FerretDB@v1.24.2"

Run = Callable[..., None]


def lib(home: Path) -> Path:
    return home / "store" / "lib"


def classes(home: Path) -> Path:
    return home / "store" / "classes"


def provision(home: Path, run: Run) -> None:
    """mongo-java-server and H2 from Maven Central, then the launcher compiled against them (cached; rebuilt
    when one of its sources is newer than its class)."""
    if not any(lib(home).glob("mongo-java-server-h2-backend-*.jar")):
        lib(home).mkdir(parents=True, exist_ok=True)
        run(["mvn", "-q", "-B", "-f", str(HERE / "pom.xml"), "dependency:copy-dependencies",
             f"-DoutputDirectory={lib(home)}", "-DincludeScope=runtime"],
            "Fetching mongo-java-server (H2 backend) from Maven Central")
    sources = sorted(HERE.glob("*.java"))
    compiled = classes(home) / f"{LAUNCHER}.class"
    if not compiled.exists() or compiled.stat().st_mtime < max(s.stat().st_mtime for s in sources):
        classes(home).mkdir(parents=True, exist_ok=True)
        run(["javac", "-d", str(classes(home)), "-cp", f"{lib(home)}/*", *map(str, sources)],
            "Compiling the store launcher")


def command(home: Path, port: int, data: Path, commit: str = "each") -> list[str]:
    """The store's command line. `commit`: `each` (every write committed before its answer; the default) or
    `background` (mongo-java-server's own behaviour: the MVStore commits about once a second; for the bench).
    The heap is bounded: MVStore keeps its page cache (768 MB) on the heap; the launch-scale data set fits in it.
    The JIT's optimizing tier is left on (unlike Kafka's start-up flags): the store's CPU is what bounds the
    pipeline, and it halved the seeded replay's store CPU together with the MVStore's idle-time compaction."""
    data.mkdir(parents=True, exist_ok=True)
    return ["java", "-Xms128m", "-Xmx2g", "-XX:+UseG1GC",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-cp", f"{lib(home)}/*:{classes(home)}", LAUNCHER, "127.0.0.1", str(port), str(data / "store.mv.db"),
            commit]


# --- FerretDB 1.24, for the comparison only ---------------------------------------------------------------------


def ferretdb_bin(home: Path) -> Path:
    return home / "bin" / "ferretdb"


def provision_ferretdb(home: Path, run: Run) -> Path:
    """Build FerretDB from its Go module. `go install` alone yields a binary that panics on start (its
    version.txt is generated at release time), so build from a copy of the module with that file written."""
    binary = ferretdb_bin(home)
    if binary.exists():
        return binary
    info = subprocess.run(["go", "mod", "download", "-json", FERRETDB_MODULE], capture_output=True, text=True)
    if info.returncode != 0:
        raise typer.Exit(f"go mod download {FERRETDB_MODULE} failed: {info.stderr}")
    src = home / "src" / "ferretdb"
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(json.loads(info.stdout)["Dir"], src)
    for path in [src, *src.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)
    (src / "build" / "version" / "version.txt").write_text(FERRETDB_MODULE.split("@")[1] + "\n")
    binary.parent.mkdir(parents=True, exist_ok=True)
    run(["go", "build", "-o", str(binary), "./cmd/ferretdb"], "Building FerretDB 1.24 (Go module)", cwd=src)
    return binary


def ferretdb_command(home: Path, port: int, data: Path, backend_url: str | None = None) -> list[str]:
    """FerretDB on SQLite in `data`, or on PostgreSQL when `backend_url` is given."""
    data.mkdir(parents=True, exist_ok=True)
    backend = ["--handler=postgresql", f"--postgresql-url={backend_url}"] if backend_url else [
        "--handler=sqlite", f"--sqlite-url=file:{data}/"]
    return [str(ferretdb_bin(home)), *backend, f"--listen-addr=127.0.0.1:{port}", "--debug-addr=-",
            f"--state-dir={data}", "--telemetry=disable", "--log-level=error"]
