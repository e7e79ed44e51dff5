"""Keycloak, the identity provider the suite and `make run` can use instead of the local token issuer: fetched from
Maven Central like Kafka (`org.keycloak:keycloak-quarkus-dist`, zip), unpacked and built once under `.stack/keycloak/`
(`kc.sh build --db=dev-file`), then started `--optimized` with the realm deploy/keycloak/tijara-realm.json imported.

    python -m deploy.local.keycloak up        # provision (once), start on 127.0.0.1:8180, print the OIDC_* settings
    python -m deploy.local.keycloak down

Each start uses its own data folder (an H2 file database), so a start imports the realm as shipped; `up` keeps its
folder across restarts (as `make run` keeps its data), the tests use a fresh one. The JVM runs in production mode with
a local cache (never a cluster with other Keycloaks on the machine) and without the management port.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import typer
from rich.console import Console

from deploy.local.stack import HOME, ROOT, _alive, _run

VERSION = "26.7.3"
ARTIFACT = f"org.keycloak:keycloak-quarkus-dist:{VERSION}:zip"
CACHE = HOME / "keycloak"
DIST = CACHE / f"keycloak-{VERSION}"
BUILD_OPTIONS = ("--db=dev-file", "--health-enabled=false", "--metrics-enabled=false")
REALM_FILE = ROOT / "deploy" / "keycloak" / "tijara-realm.json"
REALM = "tijara"
ADMIN = ("admin", "admin-local-only")  # the master realm's bootstrap admin: the suite rotates keys with it
PORT = 8180 + int(os.environ.get("TIJARA_STACK_PORT_OFFSET", "0"))

console = Console(stderr=True)
cli = typer.Typer(help="Keycloak for Tijara, locally and without Docker.", no_args_is_help=True)


def provision() -> Path:
    """The distribution, unpacked and built for a file database (cached: done once per version and options)."""
    built = DIST / f".built-{'_'.join(o.strip('-').replace('=', '-') for o in BUILD_OPTIONS)}"
    if built.exists():
        return DIST
    if not (DIST / "bin" / "kc.sh").exists():
        download = CACHE / "download"
        zip_file = download / f"keycloak-quarkus-dist-{VERSION}.zip"
        if not zip_file.exists():
            _run(["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={ARTIFACT}", f"-DoutputDirectory={download}"],
                 f"Fetching Keycloak {VERSION} from Maven Central")
        with console.status(f"Unpacking Keycloak {VERSION} …"):
            partial = CACHE / f".unpacking-{VERSION}"
            shutil.rmtree(partial, ignore_errors=True)
            with zipfile.ZipFile(zip_file) as archive:
                archive.extractall(partial)
            for script in (partial / f"keycloak-{VERSION}" / "bin").glob("*.sh"):
                script.chmod(0o755)  # zipfile drops the mode bits
            shutil.rmtree(DIST, ignore_errors=True)
            (partial / f"keycloak-{VERSION}").rename(DIST)
            shutil.rmtree(partial)
    _run([str(DIST / "bin" / "kc.sh"), "build", *BUILD_OPTIONS], f"Building Keycloak {VERSION} (once)",
         env=_java_env())
    built.touch()
    return DIST


def _java_env() -> dict[str, str]:
    return {**os.environ, "JAVA_OPTS_KC_HEAP": "-Xms64m -Xmx512m", "JAVA_OPTS_APPEND": "-XX:TieredStopAtLevel=1"}


@dataclass
class Keycloak:
    """One Keycloak process on `port` with its data in `data_dir`."""

    port: int = PORT
    data_dir: Path = CACHE / "run"
    process: subprocess.Popen | None = None
    started_in: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.url}/realms/{REALM}"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "keycloak.log"

    def oidc_env(self) -> dict[str, str]:
        """What a service needs to trust this Keycloak (README: "Against Keycloak")."""
        return {"OIDC_ISSUER": self.issuer, "OIDC_AUDIENCE": "tijara", "OIDC_ROLES_CLAIM": "realm_access.roles",
                "OIDC_ORGANISATION_CLAIM": "organisation"}

    def start(self, timeout: float = 240.0) -> Keycloak:
        dist = provision()
        (dist / "data" / "import").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REALM_FILE, dist / "data" / "import" / REALM_FILE.name)  # what --import-realm reads
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**_java_env(), "KC_BOOTSTRAP_ADMIN_USERNAME": ADMIN[0], "KC_BOOTSTRAP_ADMIN_PASSWORD": ADMIN[1]}
        env["JAVA_OPTS_APPEND"] += (" -Dquarkus.transaction-manager.object-store.directory="  # not shared between
                                    f"{self.data_dir / 'transaction-logs'}")  # two Keycloaks of one distribution
        command = [str(dist / "bin" / "kc.sh"), "start", "--optimized", "--import-realm",
                   "--http-enabled=true", "--http-host=127.0.0.1", f"--http-port={self.port}",
                   "--hostname-strict=false", "--cache=local",
                   f"--db-url=jdbc:h2:file:{self.data_dir / 'keycloakdb'};NON_KEYWORDS=VALUE"]
        started = time.monotonic()
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            env=env, start_new_session=True, cwd=self.data_dir)
        (self.data_dir / "keycloak.pid").write_text(str(self.process.pid))
        try:
            self._wait_ready(started + timeout)
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - started
        return self

    def _wait_ready(self, deadline: float) -> None:
        discovery = f"{self.issuer}/.well-known/openid-configuration"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Keycloak exited with {self.process.returncode}; see {self.log_file}")
            try:
                if httpx.get(discovery, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"Keycloak did not answer {discovery} in time; see {self.log_file}")

    def stop(self, grace: float = 20.0) -> None:
        pid = self.process.pid if self.process else _pid(self.data_dir)
        if pid:
            _stop_group(pid, grace)
        if self.process:
            self.process.wait()
        (self.data_dir / "keycloak.pid").unlink(missing_ok=True)

    def warnings(self) -> list[str]:
        """The log's WARN and ERROR lines, but for the server-wide notice of deprecated features on by default."""
        lines = self.log_file.read_text(errors="replace").splitlines()
        return [line for line in lines if (" WARN " in line or " ERROR " in line)
                and "[org.keycloak.common.Profile]" not in line]


def _pid(data_dir: Path) -> int | None:
    """The pid of the Keycloak started in `data_dir`, if it still runs."""
    file = data_dir / "keycloak.pid"
    return int(file.read_text()) if file.exists() and _alive(int(file.read_text())) else None


def _stop_group(pid: int, grace: float) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:
            pass
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(pid, signal.SIGKILL)


@cli.command("provision")
def provision_command() -> None:
    """Fetch and build Keycloak into the cache without starting it (part of `make setup`)."""
    provision()


@cli.command("up")
def up_command(port: int = typer.Option(PORT, help="HTTP port on 127.0.0.1")) -> None:
    """Start Keycloak with the realm imported (data kept under .stack/keycloak/run) and print the settings the
    services and the demo seeding need (README: "Against Keycloak")."""
    keycloak = Keycloak(port)
    if _pid(keycloak.data_dir):
        raise typer.Exit(f"Keycloak already runs (pid {_pid(keycloak.data_dir)}); stop it with `down`")
    keycloak.start()
    keycloak.process = None  # leave it running: `down` stops it by its pid file
    console.print(f"[green]✓[/] Keycloak {VERSION} ready in {keycloak.started_in:.1f}s at {keycloak.url} "
                  f"(admin console: {ADMIN[0]} / {ADMIN[1]}); log: {keycloak.log_file}")
    for name, value in {**keycloak.oidc_env(), "TIJARA_IDP_ADMIN": f"{ADMIN[0]}:{ADMIN[1]}"}.items():
        print(f"export {name}={value}")


@cli.command("down")
def down_command() -> None:
    """Stop the Keycloak `up` started."""
    Keycloak().stop()
    console.print("[green]✓[/] Keycloak stopped")


if __name__ == "__main__":
    cli()
