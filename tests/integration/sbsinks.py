"""sbsinks.py - the receivers of the alert tests, on random loopback ports, each on a thread of its
own: an SMTP server (asyncio) that offers STARTTLS with a self-signed certificate made here by
openssl, takes AUTH PLAIN and LOGIN, and keeps every message; and a webhook receiver (http.server)
that keeps every POST and can refuse the next ones with a 503."""

import asyncio
import base64
import http.server
import os
import ssl
import subprocess
import threading


def self_signed(folder):
    """A certificate for 127.0.0.1 and its key, made by openssl: (cert path, key path)."""
    cert = os.path.join(folder, "cert.pem")
    key = os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=120)
    return cert, key


class Smtp:
    """An SMTP server on 127.0.0.1. messages: dicts of mail_from, rcpt, data (text), user,
    password, tls (STARTTLS done before MAIL). refuse_data: the next n DATA commands get 451."""

    def __init__(self, cert, key, user, password):
        self.ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ctx.load_cert_chain(cert, key)
        self.user, self.password = user, password
        self.messages = []
        self.refuse_data = 0
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._main, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(30)

    def _main(self, ready):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._session, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def received(self):
        with self.lock:
            return list(self.messages)

    async def _session(self, reader, writer):
        state = {"tls": False, "user": None, "password": None, "from": None, "rcpt": []}

        async def say(line):
            writer.write((line + "\r\n").encode())
            await writer.drain()

        async def line():
            got = await reader.readline()
            if not got:
                raise ConnectionError("closed")
            return got.decode("utf-8", "replace").rstrip("\r\n")

        try:
            await say("220 sink.test ESMTP")
            while True:
                cmd = await line()
                verb = cmd.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    caps = ["250-sink.test", "250-8BITMIME"]
                    if not state["tls"]:
                        caps.append("250-STARTTLS")
                    else:
                        caps.append("250-AUTH PLAIN LOGIN")
                    caps.append("250 SIZE 1000000")
                    for c in caps:
                        await say(c)
                elif verb == "STARTTLS":
                    await say("220 go ahead")
                    await writer.start_tls(self.ctx)
                    state["tls"] = True
                elif verb == "AUTH":
                    if not state["tls"]:
                        await say("538 encryption required")
                        continue
                    parts = cmd.split(" ")
                    mech = parts[1].upper() if len(parts) > 1 else ""
                    if mech == "PLAIN":
                        blob = parts[2] if len(parts) > 2 else None
                        if blob is None:
                            await say("334 ")
                            blob = await line()
                        _, u, p = base64.b64decode(blob).decode().split("\0")
                    elif mech == "LOGIN":
                        if len(parts) > 2:
                            u = base64.b64decode(parts[2]).decode()
                        else:
                            await say("334 " + base64.b64encode(b"Username:").decode())
                            u = base64.b64decode(await line()).decode()
                        await say("334 " + base64.b64encode(b"Password:").decode())
                        p = base64.b64decode(await line()).decode()
                    else:
                        await say("504 unknown mechanism")
                        continue
                    if (u, p) == (self.user, self.password):
                        state["user"], state["password"] = u, p
                        await say("235 accepted")
                    else:
                        await say("535 authentication failed")
                elif verb == "MAIL":
                    if state["user"] is None:
                        await say("530 authentication required")
                        continue
                    state["from"] = cmd.split(":", 1)[1].strip().split(" ")[0]
                    state["rcpt"] = []
                    await say("250 ok")
                elif verb == "RCPT":
                    state["rcpt"].append(cmd.split(":", 1)[1].strip().split(" ")[0])
                    await say("250 ok")
                elif verb == "DATA":
                    with self.lock:
                        refuse = self.refuse_data > 0
                        if refuse:
                            self.refuse_data -= 1
                    if refuse:
                        await say("451 try again later")
                        continue
                    await say("354 end with .")
                    body = []
                    while True:
                        ln = await line()
                        if ln == ".":
                            break
                        body.append(ln[1:] if ln.startswith("..") else ln)
                    with self.lock:
                        self.messages.append({"mail_from": state["from"], "rcpt": state["rcpt"],
                                              "data": "\n".join(body), "user": state["user"],
                                              "password": state["password"],
                                              "tls": state["tls"]})
                    await say("250 queued")
                elif verb == "RSET":
                    state["from"], state["rcpt"] = None, []
                    await say("250 ok")
                elif verb == "NOOP":
                    await say("250 ok")
                elif verb == "QUIT":
                    await say("221 bye")
                    break
                else:
                    await say("502 unknown command")
        except (ConnectionError, ssl.SSLError, ValueError):
            pass
        finally:
            writer.close()


class Webhook:
    """An HTTP server on 127.0.0.1 keeping each POST as (path, headers dict, body bytes); refuse:
    the next n POSTs get a 503."""

    def __init__(self):
        self.posts = []
        self.refuse = 0
        self.lock = threading.Lock()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with sink.lock:
                    refuse = sink.refuse > 0
                    if refuse:
                        sink.refuse -= 1
                    else:
                        sink.posts.append((self.path, dict(self.headers.items()), body))
                self.send_response(503 if refuse else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def received(self):
        with self.lock:
            return list(self.posts)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
