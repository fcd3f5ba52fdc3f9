"""Real processes for the cluster tests: Debian's PostgreSQL and PgBouncer, gunicorn web hosts,
qcluster workers and an haproxy balancer, each on a "host" of its own.

A host is a Linux network namespace with one address on a bridge (`Network`, needs root and
`ip netns`), or, where namespaces cannot be made, a loopback address of its own (127.0.0.x).
Every process runs in a new session so that killing a host (SIGKILL to the whole group) takes
all of its processes, as a machine dying would. `Cluster.close()` stops everything and removes
the namespaces and the bridge even when a test failed half way.

Nothing here is started as a system service: the database lives in a temporary folder and
listens on its host's address and a unix socket in that folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PGBOUNCER = Path("/usr/sbin/pgbouncer")
HAPROXY = Path("/usr/sbin/haproxy")
PYTHON = ROOT / ".venv" / "bin" / "python"
BASE_DOMAIN = "igny8.localhost"
PG_PORT, BOUNCER_PORT, WEB_PORT, BALANCER_PORT = 5432, 6432, 8000, 8080


def missing() -> str:
    """Why the cluster tests cannot run here ("" when they can)."""
    if os.geteuid() != 0:
        return "the cluster tests start PostgreSQL as the postgres user and need root"
    for path in (PG_BIN / "postgres", PGBOUNCER, HAPROXY):
        if not path.exists():
            return f"{path} is missing (apt-get install postgresql pgbouncer haproxy)"
    return ""


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs)


def netns_possible() -> bool:
    """Whether this machine lets us make network namespaces (IGNY8_CLUSTER_NETNS=0: pretend
    not, to try the loopback fallback)."""
    if os.environ.get("IGNY8_CLUSTER_NETNS") == "0":
        return False
    probe = f"i15probe{os.getpid()}"
    try:
        _run(["ip", "netns", "add", probe])
    except (subprocess.CalledProcessError, FileNotFoundError):
        return False
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return True


@dataclass
class Host:
    name: str
    address: str
    netns: str | None = None

    def argv(self, argv: list[str], user: str | None = None) -> list[str]:
        prefix = ["ip", "netns", "exec", self.netns] if self.netns else []
        return prefix + (["runuser", "-u", user, "--"] if user else []) + argv


class Network:
    """A bridge in the root namespace and one namespace per host, linked by veth pairs.

    The root namespace keeps the bridge's own address (.1), so the test process reaches every
    host directly. Names carry the pid, so parallel runs do not collide."""

    def __init__(self, prefix: str = "10.15.0") -> None:
        self.tag = f"{os.getpid() % 100000}"
        self.prefix = prefix
        self.bridge = f"i15br{self.tag}"
        self.namespaces: list[str] = []
        self.links: list[str] = []
        _run(["ip", "link", "add", self.bridge, "type", "bridge"])
        _run(["ip", "addr", "add", f"{prefix}.1/24", "dev", self.bridge])
        _run(["ip", "link", "set", self.bridge, "up"])

    def host(self, name: str, index: int) -> Host:
        ns = f"i15{name}{self.tag}"
        outside, inside = f"i15v{index}o{self.tag}", f"i15v{index}i{self.tag}"
        address = f"{self.prefix}.{index}"
        _run(["ip", "netns", "add", ns])
        self.namespaces.append(ns)
        _run(["ip", "link", "add", outside, "type", "veth", "peer", "name", inside])
        self.links.append(outside)
        _run(["ip", "link", "set", inside, "netns", ns])
        _run(["ip", "link", "set", outside, "master", self.bridge])
        _run(["ip", "link", "set", outside, "up"])
        inns = ["ip", "netns", "exec", ns]
        _run(inns + ["ip", "addr", "add", f"{address}/24", "dev", inside])
        _run(inns + ["ip", "link", "set", inside, "up"])
        _run(inns + ["ip", "link", "set", "lo", "up"])
        return Host(name, address, ns)

    def close(self) -> None:
        for ns in self.namespaces:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        for link in self.links:
            subprocess.run(["ip", "link", "del", link], capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)


def hosts(cluster: Cluster, names: list[str], prefix: str = "10.15.0") -> list[Host]:
    """One host per name: a network namespace each when `ip netns` works here, else (a sandbox
    without it) a loopback address each, 127.0.0.<n>: the same processes and kills, only
    without separate network stacks."""
    if netns_possible():
        cluster.network = Network(prefix=prefix)
        return [cluster.network.host(name, n) for n, name in enumerate(names, start=2)]
    base = 20 if prefix.endswith("15.0") else 40
    return [Host(name, f"127.0.0.{base + n}") for n, name in enumerate(names)]


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL to every process of the host's group: no clean shutdown, as in a crash."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, timeout: float = 3) -> None:
        if not self.alive():
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout=timeout)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def wait_port(address: str, port: int, timeout: float = 30, proc: Proc | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            raise RuntimeError(f"{proc.name} exited:\n{proc.tail()}")
        try:
            with socket.create_connection((address, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {address}:{port} after {timeout}s")


@dataclass
class Cluster:
    """Everything one test started, stopped in reverse by `close()`."""

    workdir: Path
    network: Network | None = None
    procs: list[Proc] = field(default_factory=list)
    pgdata: Path | None = None
    db_host: Host | None = None

    # --- processes ----------------------------------------------------------------------
    def spawn(self, name: str, host: Host, argv: list[str], *, env=None, user=None) -> Proc:
        log = self.workdir / f"{name}.log"
        handle = open(log, "ab")  # noqa: SIM115 (the child keeps it)
        popen = subprocess.Popen(
            host.argv(argv, user=user),
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        handle.close()
        proc = Proc(name, popen, log)
        self.procs.append(proc)
        return proc

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        if self.pgdata is not None and self.db_host is not None:
            subprocess.run(
                self.db_host.argv(
                    [str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-m", "immediate", "stop"],
                    user="postgres",
                ),
                capture_output=True,
            )
        if self.network is not None:
            self.network.close()

    # --- the database host: PostgreSQL and PgBouncer --------------------------------------
    def start_database(self, host: Host) -> None:
        """initdb in the work folder, then start PostgreSQL on the host's address."""
        pgroot = self.workdir / "pg"
        pgroot.mkdir()
        shutil.chown(pgroot, "postgres")
        self.pgdata, self.db_host = pgroot / "data", host
        subprocess.run(
            host.argv(
                [str(PG_BIN / "initdb"), "-D", str(self.pgdata), "-U", "postgres", "-A", "trust"]
                + ["--no-sync", "-E", "UTF8"],
                user="postgres",
            ),
            check=True,
            capture_output=True,
        )
        # A throw-away test database: durability settings off, enough connections for
        # every host's direct needs (the hosts go through PgBouncer).
        options = (
            f"-k {pgroot} -h {host.address} -p {PG_PORT} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        )
        subprocess.run(
            host.argv(
                [str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-w", "-l", str(pgroot / "log")]
                + ["-o", options, "start"],
                user="postgres",
            ),
            check=True,
            capture_output=True,
        )
        subprocess.run(
            host.argv(
                [str(PG_BIN / "createdb"), "-h", str(pgroot), "-p", str(PG_PORT), "igny8"],
                user="postgres",
            ),
            check=True,
            capture_output=True,
        )

    def start_bouncer(self, host: Host, *, pool_mode: str = "session", pool_size: int = 2) -> Proc:
        """PgBouncer on the database host, in front of PostgreSQL's unix socket."""
        folder = self.workdir / "pgbouncer"
        folder.mkdir()
        shutil.chown(folder, "postgres")
        (folder / "users.txt").write_text('"postgres" ""\n')
        (folder / "pgbouncer.ini").write_text(
            f"""[databases]
igny8 = host={self.workdir / "pg"} port={PG_PORT} dbname=igny8

[pgbouncer]
listen_addr = {host.address}
listen_port = {BOUNCER_PORT}
unix_socket_dir = {folder}
auth_type = trust
auth_file = {folder}/users.txt
admin_users = postgres
pool_mode = {pool_mode}
default_pool_size = {pool_size}
reserve_pool_size = 0
max_client_conn = 500
server_reset_query = DISCARD ALL
ignore_startup_parameters = extra_float_digits,options
"""
        )
        proc = self.spawn(
            "pgbouncer", host, [str(PGBOUNCER), str(folder / "pgbouncer.ini")], user="postgres"
        )
        wait_port(host.address, BOUNCER_PORT, proc=proc)
        return proc

    def bouncer_admin(self, host: Host, command: str) -> list[tuple]:
        """A command on PgBouncer's admin console (SHOW POOLS, SHOW SERVERS…)."""
        import psycopg

        with psycopg.connect(
            host=host.address,
            port=BOUNCER_PORT,
            user="postgres",
            dbname="pgbouncer",
            autocommit=True,
        ) as conn:
            return conn.execute(command).fetchall()

    # --- Django on the hosts --------------------------------------------------------------
    def django_env(self, db_host: Host, **extra: str) -> dict[str, str]:
        """The environment every web and worker host shares: only the database (through
        PgBouncer) and the media folder, which stands in for S3."""
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"PYTEST_VERSION", "IGNY8_TEST_DB", "DJANGO_SETTINGS_MODULE"}
            and not k.startswith("PYTEST_")
        }
        media = self.workdir / "media"
        media.mkdir(exist_ok=True)
        env.update(
            DATABASE_URL=f"postgres://postgres@{db_host.address}:{BOUNCER_PORT}/igny8",
            # Each request gives its server connection back to the pool when it ends.
            IGNY8_CONN_MAX_AGE="0",
            SECRET_KEY="cluster-test-secret-key-" + "x" * 40,
            DEBUG="true",
            IGNY8_BASE_DOMAIN=BASE_DOMAIN,
            IGNY8_JOBS_SYNC="false",
            MEDIA_ROOT=str(media),
            PYTHONDONTWRITEBYTECODE="1",
        )
        env.update(extra)
        return env

    def manage(self, host: Host, env: dict[str, str], *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            host.argv([str(PYTHON), "manage.py", *args]),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def seed(self, host: Host, env: dict[str, str], workspaces: dict[str, str]) -> dict:
        """Workspaces with token-marked keywords and signed-in sessions (tests/cluster/seed.py)."""
        args = [part for pair in workspaces.items() for part in pair]
        done = subprocess.run(
            host.argv([str(PYTHON), "-m", "tests.cluster.seed", *args]),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode:
            raise RuntimeError(f"seeding failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start_web(
        self, name: str, host: Host, env: dict[str, str], *, workers: int = 2, threads: int = 4
    ) -> Proc:
        proc = self.spawn(
            name,
            host,
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "igny8.wsgi:application"]
            + ["-b", f"{host.address}:{WEB_PORT}", "-w", str(workers), "--threads", str(threads)]
            + ["--timeout", "60", "--graceful-timeout", "2"],
            env=env,
        )
        wait_port(host.address, WEB_PORT, timeout=60, proc=proc)
        return proc

    def start_worker(self, name: str, host: Host, env: dict[str, str]) -> Proc:
        return self.spawn(name, host, [str(PYTHON), "manage.py", "qcluster"], env=env)

    def start_balancer(self, host: Host, webs: list[Host]) -> Proc:
        """haproxy routing the base domain and every workspace host to the web hosts: health
        checks on /healthz, and a request whose connection fails is sent to another host."""
        servers = "\n".join(
            f"    server {w.name} {w.address}:{WEB_PORT} check inter 1s fall 3 rise 1" for w in webs
        )
        config = self.workdir / "haproxy.cfg"
        config.write_text(
            f"""global
    maxconn 2000

defaults
    mode http
    timeout connect 1s
    # A busy host answers its health check late; a dead one refuses at once (and a request
    # that meets a refused or dropped connection is retried on the other host anyway).
    timeout check 10s
    timeout client 60s
    timeout server 60s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout 502 503
    option http-server-close

frontend web
    bind {host.address}:{BALANCER_PORT}
    acl igny8 hdr(host),field(1,:) -m str {BASE_DOMAIN}
    acl igny8 hdr(host),field(1,:) -m end .{BASE_DOMAIN}
    http-request deny deny_status 404 unless igny8
    default_backend webs

backend webs
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host {BASE_DOMAIN}
{servers}
"""
        )
        proc = self.spawn("haproxy", host, [str(HAPROXY), "-db", "-f", str(config)])
        wait_port(host.address, BALANCER_PORT, proc=proc)
        return proc
