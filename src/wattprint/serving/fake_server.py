"""A trivial OpenAI-compatible endpoint on loopback, for tests and the load generator's overhead benchmark.

It does no inference: ``/v1/completions`` and ``/v1/chat/completions`` stream ``max_tokens`` chunks
(one word each) after ``ttft_ms`` and ``itl_ms`` delays, with ``usage`` in the last chunk (prompt
tokens = words of the prompt); ``/v1/embeddings`` returns a short vector; ``/health``, ``/version``
and ``/v1/models`` answer. Faults for the error paths: ``fail_every`` (every Nth request gets HTTP
500), ``die_after`` (the process exits after N requests: a server dying mid-level), ``reject_fields``
(HTTP 400 for ``ignore_eos``/``min_tokens``, as ``transformers serve`` does).

Written on asyncio streams, standard library only, so one core serves thousands of requests per
second and the benchmark measures the generator, not the server. Run it as
``python -m wattprint.serving.fake_server --port 8000``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass

VERSION = "fake-openai 1.0"


@dataclass
class FakeOptions:
    """Behaviour of the fake server; delays in milliseconds."""

    ttft_ms: float = 0.0
    itl_ms: float = 0.0
    fail_every: int = 0
    die_after: int = 0
    reject_fields: bool = False
    model: str = "fake-model"


class FakeServer:
    """The server's state: options and a request counter."""

    def __init__(self, opts: FakeOptions) -> None:
        self.opts = opts
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                await self.route(method, path, body, writer)
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    @staticmethod
    def _send(writer: asyncio.StreamWriter, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}[status]
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n".encode()
            + f"content-length: {len(data)}\r\n\r\n".encode()
            + data
        )

    async def route(self, method: str, path: str, body: bytes, writer: asyncio.StreamWriter) -> None:
        o = self.opts
        if method == "GET" and path in ("/health", "/healthz"):
            self._send(writer, 200, {"status": "ok"})
        elif method == "GET" and path == "/version":
            self._send(writer, 200, {"version": VERSION})
        elif method == "GET" and path == "/v1/models":
            models = [{"id": o.model, "object": "model", "owned_by": "fake"}]
            self._send(writer, 200, {"object": "list", "data": models})
        elif method == "POST" and path in ("/v1/completions", "/v1/chat/completions", "/v1/embeddings"):
            self.requests += 1
            n = self.requests
            if o.die_after and n > o.die_after:
                print(f"fake server: dying after {o.die_after} requests", file=sys.stderr, flush=True)
                os._exit(3)
            req = json.loads(body or b"{}")
            if o.reject_fields and ({"ignore_eos", "min_tokens"} & set(req)):
                self._send(writer, 400, {"detail": "Unexpected fields in the request: {'ignore_eos', 'min_tokens'}"})
            elif o.fail_every and n % o.fail_every == 0:
                self._send(writer, 500, {"error": {"message": "injected failure"}})
            elif path == "/v1/embeddings":
                words = len(str(req.get("input", "")).split())
                self._send(writer, 200, {"object": "list", "data": [{"embedding": [0.0, 1.0], "index": 0}],
                                         "usage": {"prompt_tokens": words, "total_tokens": words}})
            else:
                await self.complete(path, req, writer)
        else:
            self._send(writer, 404, {"detail": "Not Found"})
        await writer.drain()

    async def complete(self, path: str, req: dict, writer: asyncio.StreamWriter) -> None:
        o = self.opts
        chat = path.endswith("chat/completions")
        prompt = " ".join(m.get("content", "") for m in req.get("messages", [])) if chat else str(req.get("prompt", ""))
        n_in, n_out = len(prompt.split()), int(req.get("max_tokens") or 16)
        usage = {"prompt_tokens": n_in, "completion_tokens": n_out, "total_tokens": n_in + n_out}
        if not req.get("stream"):
            if o.ttft_ms or o.itl_ms:
                await asyncio.sleep((o.ttft_ms + o.itl_ms * (n_out - 1)) / 1000)
            choice = {"index": 0, "finish_reason": "length"}
            text = "tok " * n_out
            choice.update({"message": {"role": "assistant", "content": text}} if chat else {"text": text})
            self._send(writer, 200, {"id": "x", "choices": [choice], "usage": usage})
            return
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")

        def chunk(payload: dict | str) -> None:
            data = b"data: " + (payload if isinstance(payload, str) else json.dumps(payload)).encode() + b"\n\n"
            writer.write(b"%x\r\n%s\r\n" % (len(data), data))

        if o.ttft_ms:
            await asyncio.sleep(o.ttft_ms / 1000)
        for i in range(n_out):
            if i and o.itl_ms:
                await writer.drain()
                await asyncio.sleep(o.itl_ms / 1000)
            choice = {"index": 0, "delta": {"content": " tok"}} if chat else {"index": 0, "text": " tok"}
            chunk({"id": "x", "object": "chunk", "choices": [choice]})
        last: dict = {"id": "x", "object": "chunk", "choices": [{"index": 0, "finish_reason": "length",
                                                                 **({"delta": {}} if chat else {"text": ""})}]}
        if (req.get("stream_options") or {}).get("include_usage"):
            last["usage"] = usage
        chunk(last)
        chunk("[DONE]")
        writer.write(b"0\r\n\r\n")


async def serve(host: str, port: int, opts: FakeOptions, ready: asyncio.Event | None = None) -> None:
    """Serve forever on ``host:port``."""
    server = await asyncio.start_server(FakeServer(opts).handle, host, port, backlog=1024)
    if ready is not None:
        ready.set()
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="A fake OpenAI-compatible server (no inference) for tests.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--ttft-ms", type=float, default=0.0)
    p.add_argument("--itl-ms", type=float, default=0.0)
    p.add_argument("--fail-every", type=int, default=0)
    p.add_argument("--die-after", type=int, default=0)
    p.add_argument("--reject-fields", action="store_true")
    p.add_argument("--startup-s", type=float, default=0.0, help="Sleep before listening (a slow server).")
    a = p.parse_args(argv)
    if a.startup_s:
        import time

        time.sleep(a.startup_s)
    opts = FakeOptions(a.ttft_ms, a.itl_ms, a.fail_every, a.die_after, a.reject_fields)
    try:
        asyncio.run(serve(a.host, a.port, opts))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
