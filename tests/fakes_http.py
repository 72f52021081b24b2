"""A small HTTP server on loopback for the intensity-provider tests: scripted answers per path.

Each route maps a path to ``(status, body, headers, delay_s)``; ``body`` is a dict/list (sent
as JSON) or a str (sent as is, e.g. malformed JSON). Every request is recorded with its
path, query and headers, so tests can check what a client sent (and what it never sent).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class FakeServer:
    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, Any, dict[str, str], float]] = {}
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                parts = urlsplit(self.path)
                server.requests.append({"path": parts.path, "query": parse_qs(parts.query),
                                        "headers": {k.lower(): v for k, v in self.headers.items()}})
                status, body, headers, delay = server.routes.get(parts.path, (404, {"error": "no route"}, {}, 0.0))
                if delay:
                    time.sleep(delay)
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def route(self, path: str, body: Any, status: int = 200, headers: dict[str, str] | None = None,
              delay_s: float = 0.0) -> None:
        self.routes[path] = (status, body, headers or {}, delay_s)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
