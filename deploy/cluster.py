"""N app processes behind nginx on this machine: for a trial (`make serve N=2`), the failover
tests and the benchmarks. Also renders the nginx site for a real server.

    python -m deploy.cluster serve --processes 2 --port 8080   # until Ctrl-C, then stops all
    python -m deploy.cluster site --processes 4 --listen 80     # prints the nginx site

The processes share the app's configuration (JIGUAN_DATABASE_URL, JIGUAN_DATA_DIR …) and one
Streamlit cookie secret, so a browser that moves to another process after a failure keeps a
valid upload (XSRF) token.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from deploy.process import free_port, start_streamlit, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
SITE_TEMPLATE = Path(__file__).with_name("nginx-site.conf")
FIRST_APP_PORT = 8501
NGINX = "/usr/sbin/nginx"
APP_HEALTH = "/healthz"  # the app's own (jiguan/web.py): answers once the database does


def render_site(
    app_ports: list[int],
    *,
    listen: str,
    server_name: str = "_",
    max_upload_mb: int = 20,
    tls_certificate: str | None = None,
    tls_key: str | None = None,
) -> str:
    """The nginx site (deploy/nginx-site.conf) for these app ports; with a certificate and key,
    HTTPS on ``listen`` with HSTS, and port 80 redirecting to it."""
    servers = "\n".join(
        f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in app_ports
    )
    tls = tls_certificate is not None and tls_key is not None
    port = listen.rsplit(":", 1)[-1]
    target = "https://$host" + ("" if port == "443" else f":{port}") + "$request_uri"
    redirect = (
        f"server {{\n    listen 80;\n    server_name {server_name};\n    return 301 {target};\n}}\n"
    )
    tls_lines = (
        f"    ssl_certificate {tls_certificate};\n    ssl_certificate_key {tls_key};\n"
        "    ssl_protocols TLSv1.2 TLSv1.3;\n"
    )
    hsts = '        add_header Strict-Transport-Security "max-age=31536000" always;\n'
    return (
        SITE_TEMPLATE.read_text(encoding="utf-8")
        .replace("@UPSTREAM_SERVERS@", servers)
        .replace("@LISTEN@", f"{listen} ssl" if tls else listen)
        .replace("@SERVER_NAME@", server_name)
        .replace("@MAX_BODY@", f"{max_upload_mb + 5}m")
        .replace("@REDIRECT_SERVER@\n", redirect if tls else "")
        .replace("@TLS@", tls_lines if tls else "")
        .replace("@FORWARDED_PROTO@", "https" if tls else "$scheme")
        .replace("@HSTS@", hsts if tls else "")
    )


def _main_conf(run_dir: Path, site: Path) -> str:
    """A self-contained nginx.conf (own pid, logs and temp dirs) around the site."""
    temp = "\n".join(
        f"    {kind}_temp_path {run_dir / 'tmp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""  # a trial: workers read our temp dirs
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {run_dir / 'nginx.pid'};\n"
        f"error_log {run_dir / 'nginx-error.log'} warn;\n"
        "events { worker_connections 4096; }\n"
        f"http {{\n    access_log off;\n{temp}\n    include {site};\n}}\n"
    )


class Cluster:
    """`processes` × `streamlit run app.py` on 127.0.0.1, nginx on `port` in front of them."""

    def __init__(
        self,
        processes: int,
        *,
        port: int | None = None,
        env: dict[str, str] | None = None,
        run_dir: Path | None = None,
        proxy: bool = True,
    ) -> None:
        self.processes = processes
        self.port = port or free_port()
        self.env = {**os.environ, **(env or {})}
        self.env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32))
        self.run_dir = Path(run_dir or tempfile.mkdtemp(prefix="jiguan-cluster-"))
        self.app_ports = [free_port() for _ in range(processes)]
        self.apps: list[subprocess.Popen | None] = [None] * processes
        self.nginx: subprocess.Popen | None = None
        self.proxy = proxy

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}" if self.proxy else self.app_url(0)

    def app_url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.app_ports[i]}"

    def log(self, i: int) -> Path:
        return self.run_dir / f"app-{i}.log"

    def start_app(self, i: int) -> None:
        self.apps[i] = start_streamlit(self.app_ports[i], self.log(i), env=self.env)

    def wait_healthy(self, i: int) -> None:
        proc = self.apps[i]
        assert proc is not None, f"app {i} was not started"
        wait_healthy(self.app_url(i), proc, self.log(i), path=APP_HEALTH)

    def start(self) -> Cluster:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for i in range(self.processes):
            self.start_app(i)
        for i in range(self.processes):
            self.wait_healthy(i)
        if self.proxy:
            self.start_nginx()
        return self

    def start_nginx(self) -> None:
        if not os.path.exists(NGINX):
            raise RuntimeError("nginx is not installed: apt-get install -y nginx-light")
        from jiguan.store import upload_limit_bytes

        (self.run_dir / "tmp").mkdir(exist_ok=True)
        site = self.run_dir / "site.conf"
        limit = upload_limit_bytes(self.env) // 2**20
        site.write_text(
            render_site(self.app_ports, listen=f"127.0.0.1:{self.port}", max_upload_mb=limit)
        )
        conf = self.run_dir / "nginx.conf"
        conf.write_text(_main_conf(self.run_dir, site))
        with (self.run_dir / "nginx.log").open("a") as log:
            self.nginx = subprocess.Popen(
                [NGINX, "-p", str(self.run_dir), "-c", str(conf)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_healthy(self.url, self.nginx, self.run_dir / "nginx-error.log", path=APP_HEALTH)

    def kill(self, i: int) -> None:
        """SIGKILL one app process, as in a crash."""
        proc = self.apps[i]
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)

    def pids(self) -> list[int]:
        return [p.pid for p in self.apps if p is not None and p.poll() is None]

    def stop(self) -> None:
        running = [p for p in [self.nginx, *self.apps] if p is not None and p.poll() is None]
        for proc in running:
            proc.terminate()
        for proc in running:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _serve(args: argparse.Namespace) -> int:
    cluster = Cluster(args.processes, port=args.port, run_dir=args.run_dir)
    stop = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        cluster.start()
        print(f"已启动 {args.processes} 个应用进程和 nginx：{cluster.url}（Ctrl-C 停止）")
        print(f"日志：{cluster.run_dir}", flush=True)
        while not stop:
            if any(p is not None and p.poll() is not None for p in [cluster.nginx]):
                print("nginx 已退出，正在停止。", file=sys.stderr)
                break
            time.sleep(0.5)
    except RuntimeError as exc:
        print(f"错误：启动失败。{exc}", file=sys.stderr)
        return 1
    finally:
        cluster.stop()
        print("已停止全部进程。")
    return 0


def _site(args: argparse.Namespace) -> int:
    ports = list(range(args.first_port, args.first_port + args.processes))
    if (args.certificate is None) != (args.key is None):
        print("错误：--certificate 与 --key 须一起给出", file=sys.stderr)
        return 2
    listen = "443" if args.certificate and args.listen == "80" else args.listen
    site = render_site(
        ports,
        listen=listen,
        server_name=args.server_name,
        max_upload_mb=20,
        tls_certificate=args.certificate,
        tls_key=args.key,
    )
    sys.stdout.write(site)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.cluster")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="N 个应用进程 + nginx（试用）")
    serve.add_argument("--processes", "-n", type=int, default=2)
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--run-dir", type=Path, default=None)
    serve.set_defaults(run=_serve)
    site = sub.add_parser("site", help="输出 nginx 站点配置")
    site.add_argument("--processes", "-n", type=int, default=2)
    site.add_argument("--first-port", type=int, default=FIRST_APP_PORT)
    site.add_argument("--listen", default="80")
    site.add_argument("--server-name", default="_")
    site.add_argument("--certificate", help="TLS 证书文件（与 --key 一起：HTTPS 与 HSTS）")
    site.add_argument("--key", help="TLS 私钥文件")
    site.set_defaults(run=_site)
    args = parser.parse_args(argv)
    if shutil.which("nginx") is None and not os.path.exists(NGINX) and args.command == "serve":
        print("错误：没有安装 nginx（apt-get install -y nginx-light）", file=sys.stderr)
        return 1
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
