#!/usr/bin/python3
"""alerts.py - the alert rules end to end (docs/alerts.md): the example root with a generated month
of traffic on one more BORDE link (5-minute samples and their daily summaries, its peak at 95 % of
its capacity from 2026-11-10 to 11-14, at 60 % otherwise); a use rule that fires and resolves,
received exactly by a local SMTP server (STARTTLS with a certificate made by openssl, AUTH) and a
webhook receiver (signature checked), de-duplicated, a refused delivery retried from the outbox;
ALERT_HISTORY and `alerts list`; bad rules refused with file:line; the rules reloaded by a
running `scanbackup serve` when the file changes, and a bad file kept out. TAP output."""

import datetime
import email
import email.policy
import hashlib
import hmac
import json
import math
import os
import shutil
import signal
import socket
import sqlite3
import time
import zoneinfo

import sbsinks
import sbtest
import sbweb

t = sbtest.Tap()
why = sbtest.missing("openssl")
if why:
    t.skip_rest(why, ["the alert rules end to end"])

F = 8.022e-9
TZ = "America/Caracas"
NAME, TYPE, CAP = "TST-ALERTA 100GE0/0/9 - ENLACE DE PRUEBA", "CISCO", 10.0
FIRST = datetime.date(2026, 10, 22)
LAST = datetime.date(2026, 11, 20)
HOT = (datetime.date(2026, 11, 10), datetime.date(2026, 11, 14))

root = sbweb.example_root()
db = sqlite3.connect(os.path.join(root, "data/scanbackup.db"))


def day_samples(d, top=None):
    """The day's 288 samples: bytes/s, a daily curve whose maxima peak at 95 % of the capacity on
    the hot days and 60 % otherwise (or at top)."""
    if top is None:
        top = 0.95 if HOT[0] <= d <= HOT[1] else 0.60
    peak_bps = CAP * top / F  # bytes/s whose max * F / CAP * 100 is the top
    start = int(datetime.datetime(d.year, d.month, d.day, tzinfo=zoneinfo.ZoneInfo(TZ)).timestamp())
    rows = []
    for i in range(288):
        ts = start + (i + 1) * 300
        shape = 0.5 + 0.5 * math.sin(math.pi * i / 287)
        m_in = int(peak_bps * shape)
        m_out = int(peak_bps * 0.7 * shape)
        rows.append((ts, m_in * 3 // 4, m_out * 3 // 4, m_in, m_out))
    return rows


def store_day(name, d, samples):
    """The day's samples into BORDE_HISTORY and its summary into DAILY_SUMMARY_HISTORY, as the
    engine computes it (docs/data.md); returns its use."""
    ds = d.isoformat()
    raw = []
    for ts, a_in, a_out, m_in, m_out in samples:
        local = datetime.datetime.fromtimestamp(ts, zoneinfo.ZoneInfo(TZ))
        if local.date() != d:
            continue
        raw.append((name, TYPE, ds, local.strftime("%H:%M:%S"), CAP, a_in, m_in, a_out, m_out))
    db.executemany("insert into BORDE_HISTORY (name, type, date, time, capacity, inProm, inMaxProm, "
                   "outProm, outMaxProm) values (?,?,?,?,?,?,?,?,?)", raw)
    in_prom = sum(r[5] for r in raw) / len(raw) * F
    out_prom = sum(r[7] for r in raw) / len(raw) * F
    in_max = max(r[6] for r in raw) * F
    out_max = max(r[8] for r in raw) * F
    use = max(in_max, out_max) / CAP * 100
    db.execute("insert into DAILY_SUMMARY_HISTORY (name, type, date, typeLayer, capacity, inProm, "
               "inMaxProm, outProm, outMaxProm, use, samples) values (?,?,?,?,?,?,?,?,?,?,?)",
               (name, TYPE, ds, "BORDE", CAP, in_prom, in_max, out_prom, out_max, use, len(raw)))
    return use


uses = {}
d = FIRST
while d <= LAST:
    uses[d.isoformat()] = store_day(NAME, d, day_samples(d))
    d += datetime.timedelta(days=1)
db.commit()
t.ok(abs(uses["2026-11-12"] - 95) < 0.01 and abs(uses["2026-11-16"] - 60) < 0.01,
     "a month of traffic: 95 % on the hot days, 60 % on the others",
     (uses["2026-11-12"], uses["2026-11-16"]))

folder = sbtest.tempdir("sbalerts-")
cert, key = sbsinks.self_signed(folder)
smtp = sbsinks.Smtp(cert, key, "alertas", "s3cret-pw")
hook = sbsinks.Webhook()
SECRET = "hook-secret-7"
env_extra = ("ALERT_SMTP_URL=smtp://127.0.0.1:%d\nALERT_SMTP_USER=alertas\nALERT_SMTP_PASSWORD=s3cret-pw\n"
             "ALERT_MAIL_FROM=scanbackup@example.net\nALERT_WEBHOOK_SECRET=%s\nCA_BUNDLE=%s\n"
             % (smtp.port, SECRET, cert))
sbtest.write(os.path.join(root, ".env"), sbtest.read(os.path.join(root, ".env")) + env_extra)
RULES = os.path.join(root, "alerts.conf")
RULE = ("[deliver]\nmail = noc@example.net, ops@example.net\nwebhook = http://127.0.0.1:%d/hook\n\n"
        "[rule borde-alto]\nkind = use\nlayer = BORDE\ninterface = TST-*\nover = 90\nseverity = critical\n"
        % hook.port)
sbtest.write(RULES, RULE)
SUBJECT = "BORDE/%s/%s" % (TYPE, NAME)


def check(date, *more):
    return sbtest.run(["alerts", "check", "--date", date] + list(more), root=root)


def mails():
    return [email.message_from_string(m["data"], policy=email.policy.default) for m in smtp.received()]


def hooks():
    return [(h, json.loads(b)) for _, h, b in hook.received()]


# -- firing
r = check("2026-11-12")
t.eq(r.returncode, 0, "alerts check on a hot day", r.stdout + r.stderr)
t.ok("1 firing (1 new, 0 resolved); 2 messages sent" in r.stdout, "one alert fires, a mail and a webhook sent",
     r.stdout)
got = smtp.received()
t.eq(len(got), 1, "the SMTP server received one mail", got)
if got:
    m = got[0]
    t.ok(m["tls"] and m["user"] == "alertas" and m["password"] == "s3cret-pw",
         "after STARTTLS, authenticated with the settings' user and password", m)
    t.eq((m["mail_from"], sorted(m["rcpt"])), ("<scanbackup@example.net>", ["<noc@example.net>", "<ops@example.net>"]),
         "the envelope: ALERT_MAIL_FROM to both addresses of the rules")
    msg = mails()[0]
    t.eq(msg["Subject"], "[scanbackup] FIRING borde-alto: " + SUBJECT, "the mail's subject")
    t.eq(msg["From"], "scanbackup@example.net", "its From")
    body = msg.get_content()
    want = "BORDE %s use %.2f %% on 2026-11-12 (peak), at or over 90 %%" % (NAME, uses["2026-11-12"])
    t.ok(want in body and "rule: borde-alto (use, critical)" in body and "threshold: 90" in body,
         "its body: the message, the rule, the threshold", body)
hs = hooks()
t.eq(len(hs), 1, "the webhook received one POST", hs)
if hs:
    headers, doc = hs[0]
    raw = hook.received()[0][2]
    sig = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    t.eq(headers.get("X-Scanbackup-Signature"), sig, "signed: the HMAC-SHA256 of the body under the secret")
    t.eq(headers.get("Content-Type"), "application/json", "as JSON")
    t.eq((doc["state"], doc["rule"], doc["kind"], doc["severity"], doc["subject"], doc["threshold"]),
         ("firing", "borde-alto", "use", "critical", SUBJECT, 90), "the change: state, rule, kind, subject")
    t.ok(abs(doc["value"] - uses["2026-11-12"]) < 1e-9, "its value is the day's use", doc)
log = sbtest.read(os.path.join(root, "data/logs/ScanBackup.log"))
t.ok("s3cret-pw" not in log and SECRET not in log, "no credential in the log")

# -- still firing: nothing more
r = check("2026-11-13")
t.eq((r.returncode, len(smtp.received()), len(hook.received())), (0, 1, 1),
     "still firing the next day: no message again", r.stdout + r.stderr)
state = sbtest.read(os.path.join(root, "data/alerts/state"))
t.ok(("borde-alto\t" + SUBJECT) in state, "data/alerts/state holds the alert", state)

# -- resolved, the webhook refusing once
hook.refuse = 1
r = check("2026-11-16")
t.eq(r.returncode, 3, "resolved while the webhook refuses: exit 3 (a change waits)", r.stdout + r.stderr)
outbox = os.path.join(root, "data/alerts/outbox")
t.eq(len(os.listdir(outbox)), 1, "the change waits in the outbox")
t.eq(len(smtp.received()), 2, "the mail of the resolution went out")
if len(smtp.received()) == 2:
    t.eq(mails()[1]["Subject"], "[scanbackup] RESOLVED borde-alto: " + SUBJECT, "its subject says resolved")
t.eq(len(hook.received()), 1, "the refused POST is not counted as received")
log = sbtest.read(os.path.join(root, "data/logs/ScanBackup.log"))
t.ok("kept in the outbox, retried next time" in log and "503" in log, "the refusal is logged", log[-800:])

r = check("2026-11-16")
t.eq(r.returncode, 0, "the next check delivers what waited", r.stdout + r.stderr)
t.eq(len(os.listdir(outbox)), 0, "the outbox is empty")
t.eq(len(smtp.received()), 2, "the mail is not sent twice")
hs = hooks()
t.eq([doc["state"] for _, doc in hs], ["firing", "resolved"], "the webhook got the resolution once, after its refusal")
if len(hs) == 2:
    t.eq(hs[0][1]["id"], hs[1][1]["id"], "both changes carry the alert's id")

# -- the mail server refusing: retried too
smtp.refuse_data = 1
r = check("2026-11-12")
t.eq((r.returncode, len(smtp.received()), len(hook.received())), (3, 2, 3),
     "fired again, the mail server refusing: the webhook got it, the mail waits", r.stdout + r.stderr)
r = check("2026-11-12")
t.eq((r.returncode, len(smtp.received()), len(hook.received())), (0, 3, 3),
     "the next check sends the mail alone", r.stdout + r.stderr)

# -- the history
rows = db.execute("select rule, subject, state, kind, severity, threshold from ALERT_HISTORY "
                  "order by timestamp, state").fetchall()
t.eq([(x[2]) for x in rows], ["firing", "resolved", "firing"], "ALERT_HISTORY: every change, once", rows)
r = sbtest.run(["alerts", "list", "--from", "2026-01-01", "--to", "2027-12-31", "--json"], root=root)
listed = json.loads(r.stdout) if r.returncode == 0 else []
t.eq(sorted(x["state"] for x in listed), ["firing", "firing", "resolved"], "alerts list --json", r.stdout + r.stderr)
r = sbtest.run(["alerts", "firing"], root=root)
t.ok(r.returncode == 0 and "borde-alto" in r.stdout, "alerts firing", r.stdout)

# -- Lua reports read the history: sb.alerts
sbtest.write(os.path.join(root, "misreportes/alertas.lua"), r'''
local out = sb.output_file(sb.report.output("alertas.txt"))
for _, a in ipairs(sb.alerts{from = "2026-01-01", to = "2027-12-31", rule = "borde-alto"}) do
	out:write(a.state, "\t", a.rule, "\t", a.kind, "\t", a.subject, "\t", tostring(a.threshold), "\n")
end
out:write("resolved:", #sb.alerts{from = "2026-01-01", to = "2027-12-31", state = "resolved"}, "\n")
out:write("bad:", tostring(pcall(sb.alerts, {state = "maybe"})), "\n")
out:close()
''')
sbtest.write(os.path.join(root, ".env"), sbtest.read(os.path.join(root, ".env")) + "REPORTS_SCRIPTS=misreportes\n")
r = sbtest.run(["report", "alertas", "--out", os.path.join(root, "out")], root=root)
got = sbtest.read(os.path.join(root, "out/alertas.txt")).splitlines() if r.returncode == 0 else []
t.eq(got, ["firing\tborde-alto\tuse\t%s\t90.0" % SUBJECT, "resolved\tborde-alto\tuse\t%s\t90.0" % SUBJECT,
           "firing\tborde-alto\tuse\t%s\t90.0" % SUBJECT, "resolved:1", "bad:false"],
     "sb.alerts gives a report the changes, newest first, filtered", r.stdout + r.stderr)

# -- the 95th percentile: the rule reads the raw samples
day12 = day_samples(datetime.date(2026, 11, 12))


def rank95(v):
    v = sorted(v)
    return v[math.ceil(0.95 * len(v)) - 1]


p95 = max(rank95([x[1] for x in day12]), rank95([x[2] for x in day12])) * F / CAP * 100
sbtest.write(RULES, RULE.replace("[rule borde-alto]", "[rule p95]\nkind = use\nstat = p95\ninterface = TST-*\n"
                                 "over = %.6f\n\n[rule borde-alto]" % (p95 - 0.001)))
r = check("2026-11-12")
doc = hooks()[-1][1] if len(hook.received()) == 4 else {}
t.ok(r.returncode == 0 and doc.get("rule") == "p95" and abs(doc.get("value", 0) - p95) < 1e-9,
     "a p95 rule fires with the day's 95th percentile (of the 5-minute averages, in and out, nearest rank)", (p95, doc, r.stdout))

# -- the forecast: a link rising by 1.3 % a day, 78 % on the last day, crosses 80 % in two days
CRECE = "TST-CRECE 100GE0/0/8 - ENLACE EN ALZA"
for k in range(30):
    day = FIRST + datetime.timedelta(days=k)
    store_day(CRECE, day, day_samples(day, (40 + 38 * k / 29) / 100))
db.commit()
sbtest.write(RULES, RULE + "\n[rule pronto]\nkind = forecast\ninterface = TST-CRECE*\ndays = 7\n"
             "\n[rule lejos]\nkind = forecast\ninterface = TST-CRECE*\ndays = 1\n")
before = len(hook.received())
r = check("2026-11-20")
fired = [doc for _, doc in hooks()[before:] if doc["kind"] == "forecast"]
t.ok(r.returncode == 0 and [(d["rule"], d["state"], d["value"]) for d in fired] == [("pronto", "firing", 2)],
     "a forecast rule fires when the fitted line crosses 80 % within its days (2 here), not within 1",
     (fired, r.stdout, r.stderr))
t.ok(fired and "least squares on 30 days of its daily peak: +1.310 %/day, R2 1.00" in fired[0]["message"],
     "its message states the fit", fired)

# -- bad rules: refused with file:line, nothing evaluated
sbtest.write(RULES, RULE + "ovr = 3\n")
r = check("2026-11-12")
t.ok(r.returncode == 1 and "alerts.conf:11: rule borde-alto: ovr: unknown key" in r.stderr,
     "a bad key: refused naming file:line", r.stderr)
r = sbtest.run(["alerts", "rules"], root=root)
t.ok(r.returncode == 1 and "alerts.conf:11:" in r.stderr, "alerts rules says the same", r.stderr)

# -- a running daemon reloads the rules when the file changes, keeps them when it is bad
sbtest.write(RULES, RULE)
status = os.path.join(root, "data/run-status.tsv")
t.ok("run\tdate=2026-11-20\tstatus=ok" in sbtest.read(status), "the example night's run is recorded")
sbtest.write(status, "run\tdate=2026-11-20\tstatus=failed\tstarted=%d\tfinished=%d\tfailed=3\n"
             % (time.time() - 60, time.time() - 30))
sbweb.add_user(root, "ana", "admin-secret-1", "admin")

# -- a serve that cannot start (its port taken) evaluates nothing: the alert rules start only
#    once it listens (the serve below resolves borde-alto; this one must not)
taken = socket.socket()
taken.bind(("127.0.0.1", 0))
taken.listen(1)
before = len(hook.received())
r = sbtest.run(["serve", "--listen", "127.0.0.1:%d" % taken.getsockname()[1]], root=root,
               env={"ALERT_INTERVAL": "1"}, timeout=60)
taken.close()
t.ok(r.returncode == 1 and "cannot listen on" in r.stderr and "alert rules read" not in r.stderr,
     "a serve whose port is taken exits 1 before reading the alert rules", r.stderr[-1500:])
# a webhook is posted and answered before the evaluation ends: the serve has exited, so any
# message it sent is already received
t.eq(len(hook.received()), before, "... and sent nothing")

srv = sbweb.Serve(root, env={"ALERT_INTERVAL": "1"})


def wait_for(cond, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return False


t.ok(wait_for(lambda: "alert rules read from" in srv.output()), "serve reads the rules", srv.output())
before = len(hook.received())
sbtest.write(RULES, RULE + "\n[rule corrida]\nkind = run\n")
t.ok(wait_for(lambda: any(doc["rule"] == "corrida" for _, doc in hooks())),
     "a rule added to the file fires from the running serve (the failed run)", srv.output())
t.ok(any(doc["rule"] == "corrida" and doc["subject"] == "run" and doc["state"] == "firing"
         for _, doc in hooks()[before:]), "its change: the run, firing")
sbtest.write(RULES, RULE + "\n[rule corrida]\nkind = run\nhours = soon\n")
t.ok(wait_for(lambda: "alerts.conf:14: rule corrida: hours: expected a number" in srv.output()),
     "a bad file: logged with its line", srv.output()[-1500:])
t.ok("the rules read last keep running" in srv.output(), "and the previous rules keep running")
os.kill(srv.proc.pid, signal.SIGHUP)
t.ok(wait_for(lambda: srv.output().count("alerts.conf:14: rule corrida") >= 2),
     "SIGHUP reads the file again", srv.output()[-1500:])

# -- the Alerts page: /api/alerts, then the page in a browser
client = sbweb.Client(srv.port)
client.login("ana", "admin-secret-1")
st, _, doc = client.request("GET", "/api/alerts?from=2026-01-01&to=2027-12-31&rule=borde-alto")
states = [c["state"] for c in doc.get("changes", [])] if st == 200 else []
# the daemon evaluates yesterday's data (none for the test link): borde-alto resolved once more
t.eq(states, ["resolved", "firing", "resolved", "firing"], "/api/alerts: the rule's changes, newest first", doc)
t.ok(st == 200 and [a["rule"] for a in doc["firing"]] == ["corrida"], "and the alerts firing now", doc.get("firing"))
st, _, doc2 = client.request("GET", "/api/alerts?from=2026-01-01&to=2027-12-31&state=resolved&q=tst-alerta")
t.ok(st == 200 and doc2["changes"] and all(c["state"] == "resolved" and "TST-ALERTA" in c["subject"]
                                          for c in doc2["changes"]), "filtered by state and text", doc2)
st, _, bad = client.request("GET", "/api/alerts?state=maybe")
t.eq(st, 400, "a bad state: 400", bad)

node = sbtest.missing("node", "chromium")
modules = os.path.join(sbtest.TOP_BUILDDIR, "web/node_modules")
have_web = os.path.isdir(os.path.join(modules, "playwright-core")) and \
    os.path.exists(os.path.join(sbtest.TOP_BUILDDIR, "web/dist/index.html"))
if node or not have_web:
    t.skip("the Alerts page in headless Chromium (tests/e2e/alerts.mjs)", node or "no built dashboard")
else:
    want = {"from": "2026-01-01", "to": "2027-12-31", "rule": "borde-alto", "subject": SUBJECT,
            "states": states, "firing": len(doc["firing"])}
    env = dict(os.environ, SB_URL="http://127.0.0.1:%d" % srv.port, SB_USER="ana", SB_PASSWORD="admin-secret-1",
               SB_NODE_MODULES=modules, SB_WANT=json.dumps(want),
               CHROMIUM=os.environ.get("CHROMIUM") or shutil.which("chromium") or "",
               SB_ARTIFACTS=os.path.join(sbtest.TOP_BUILDDIR, "tests/artifacts"))
    sbweb.run_e2e(t, "alerts.mjs", env, 240, 6)

# -- thousands of alerts: each counted once, by its newest change (the history of all time is read
# at every request); 1,500 alerts of a rule, every third resolved after firing, the others firing
t0 = 1790000000000
rows = []
for i in range(1500):
    subject = "MASIVO/CISCO/IF-%04d" % i
    changes = [("firing", t0 + i * 1000)] + ([("resolved", t0 + i * 1000 + 500)] if i % 3 == 0 else [])
    for state, ts in changes:
        rows.append((0, 10**12 + i, ts, "2026-09-21", "12:00:00", "masivo", "use", "warning", subject, state,
                     None, 90.0, "IF-%04d %s" % (i, state)))
db.executemany("insert into ALERT_HISTORY values (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
db.commit()
st, _, many = client.request("GET", "/api/alerts?from=2026-09-01&to=2026-09-30&rule=masivo")
firing = sorted(a["subject"] for a in many.get("firing", []) if a["rule"] == "masivo") if st == 200 else []
t.ok(st == 200 and firing == sorted("MASIVO/CISCO/IF-%04d" % i for i in range(1500) if i % 3)
     and many["total"] == len(rows), "1,500 alerts: the 1,000 whose newest change fired are firing, each once",
     (st, len(firing), many.get("total")))
srv.stop()
hook.stop()
smtp.stop()
t.done()
