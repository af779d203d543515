"""meshstack's demo service, load generator and probe (Python standard library only).

serve: answers on PORT; for each request calls every entry of CALLS (JSON list of {url, method, headers}) with the
       incoming trace context propagated, so the mesh joins every hop into one trace. Answers 502 when a call fails.
load:  fetches a JWT from TOKEN_URL (when set), then every INTERVAL seconds sends GET TARGET with HOST as the
       Host header, the token and HEADERS (JSON map).
probe: one GET of argv[2]; exit 0 with the status when it answered, 3 when the connection failed or was refused.
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# W3C trace context, B3 (single and multi header) and Envoy's request id: what Istio's tracing reads.
PROPAGATED = ("traceparent", "tracestate", "baggage", "x-request-id", "b3", "x-b3-traceid", "x-b3-spanid",
              "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags")


def call(entry, incoming):
    headers = {h: incoming[h] for h in PROPAGATED if incoming.get(h) is not None}
    headers.update(entry.get("headers", {}))
    body = b"{}" if entry["method"] in ("POST", "PUT") else None
    if body is not None:
        headers["content-type"] = "application/json"
    request = urllib.request.Request(entry["url"], data=body, method=entry["method"], headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return {"url": entry["url"], "status": response.status}
    except urllib.error.HTTPError as e:
        return {"url": entry["url"], "status": e.code}
    except OSError as e:
        return {"url": entry["url"], "error": str(e)}


class Handler(BaseHTTPRequestHandler):
    # Keep-alive, as Envoy expects of an upstream; every response carries its length.
    protocol_version = "HTTP/1.1"
    calls = []

    def answer(self):
        # Read the request body: closing a socket with unread data resets the connection under the response.
        self.rfile.read(int(self.headers.get("content-length") or 0))
        results = [call(entry, self.headers) for entry in self.calls]
        failed = any(r.get("status", 599) >= 400 for r in results)
        body = json.dumps({"service": os.environ.get("SERVICE", "demo"), "version": os.environ.get("VERSION", ""),
                           "calls": results}).encode()
        self.send_response(502 if failed else 200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = answer

    def log_message(self, fmt, *args):
        sys.stdout.write("%s %s\n" % (self.command, fmt % args))


def serve():
    Handler.calls = json.loads(os.environ.get("CALLS", "[]"))
    ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()


def fetch_token(url):
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.read().decode().strip()
        except OSError as e:
            print("token: %s, retrying" % e, flush=True)
            time.sleep(5)


def load():
    token = fetch_token(os.environ["TOKEN_URL"]) if os.environ.get("TOKEN_URL") else None
    headers = dict(json.loads(os.environ.get("HEADERS", "{}")), host=os.environ["HOST"])
    if token:
        headers["authorization"] = "Bearer " + token
    while True:
        entry = {"url": os.environ["TARGET"], "method": "GET", "headers": headers}
        print(json.dumps(call(entry, {})), flush=True)
        time.sleep(float(os.environ.get("INTERVAL", "1")))


def probe(url):
    result = call({"url": url, "method": "GET"}, {})
    print(json.dumps(result))
    return 0 if "status" in result else 3


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "serve"
    if mode == "probe":
        sys.exit(probe(sys.argv[2]))
    load() if mode == "load" else serve()
