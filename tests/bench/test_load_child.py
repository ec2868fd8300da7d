"""The HTTP benchmarks' paced clients (bench/common.py) count every answer: a benchmark that
lost requests or took an error for a success would print a rate nobody offered."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.common import paced_clients, post_plans


class Answers(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn answers
    seen: list[dict] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append({"auth": self.headers.get("Authorization"), **body})
        status = 400 if body.get("bad") else 201
        self.send_response(status)
        if body.get("close"):  # a sync worker closes after each answer
            self.send_header("Connection", "close")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_paced_clients_send_every_request_and_count_what_failed():
    Answers.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        bodies = [json.dumps({"i": i, "bad": i % 5 == 0, "close": i == 3}).encode()
                  for i in range(12)]  # fmt: skip
        plans = post_plans("/scan", bodies, 3, "Authorization: Bearer k\r\n")
        assert [len(p) for p in plans] == [4, 4, 4]
        res = paced_clients(server.server_address[1], plans, rate=1000)
    finally:
        server.shutdown()
        server.server_close()
    assert res["n"] == 12
    assert res["errors"] == 3  # requests 0, 5 and 10 answered 400
    assert sorted(r["i"] for r in Answers.seen) == list(range(12))
    assert {r["auth"] for r in Answers.seen} == {"Bearer k"}
    assert 0 <= res["p50"] <= res["p99"]
