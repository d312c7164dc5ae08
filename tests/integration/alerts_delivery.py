#!/usr/bin/python3
"""alerts_delivery.py - how the alerts' messages go out (docs/alerts.md, "Delivery"), received by a
local SMTP server (STARTTLS, AUTH) and a webhook receiver: a 5,000-character interface name
delivered whole (the mail's body in base64, no line over 998 bytes), a name past ASCII in an encoded
subject (and cut in ALERT_HISTORY, not blocking the other changes); the nightly findings of one evaluation
in one digest per channel (`digest = yes`), every other change in a message of its own; the rate
limit (`rate_limit`) holds the rest in the outbox, `alerts check` then exits 3, and once the hour
has passed the next evaluation sends what waited, in order, none twice; `digest = no` sends the
night's changes one by one. TAP output."""

import email
import email.policy
import glob
import json
import os
import sqlite3
import time

import sbsinks
import sbtest
import sbweb

t = sbtest.Tap()
why = sbtest.missing("openssl")
if why:
    t.skip_rest(why, ["the alerts' digest and rate limit"])

D = sbweb.EXAMPLE_DATE
root = sbweb.example_root()
folder = sbtest.tempdir("sbalertsd-")
cert, key = sbsinks.self_signed(folder)
smtp = sbsinks.Smtp(cert, key, "alertas", "s3cret-pw")
hook = sbsinks.Webhook()
sbtest.write(os.path.join(root, ".env"), sbtest.read(os.path.join(root, ".env")) +
             "ALERT_SMTP_URL=smtp://127.0.0.1:%d\nALERT_SMTP_USER=alertas\nALERT_SMTP_PASSWORD=s3cret-pw\n"
             "ALERT_MAIL_FROM=scanbackup@example.net\nALERT_WEBHOOK_SECRET=hook-secret-9\nCA_BUNDLE=%s\n"
             % (smtp.port, cert))
RULES = os.path.join(root, "alerts.conf")
DELIVER = ("[deliver]\nmail = noc@example.net\nwebhook = http://127.0.0.1:%d/hook\nrate_limit = %d\n"
           "digest = %s\n\n")
# every interface with a summary on D had fewer than 289 samples: a short day, a nightly finding
NIGHTLY = "[rule cortos]\nkind = nightly\nsamples = 289\n\n"
USE = "[rule uso]\nkind = use\nlayer = BORDE\nover = 0\n\n"


def check():
    return sbtest.run(["alerts", "check", "--date", D], root=root)


def mails():
    return [email.message_from_string(m["data"], policy=email.policy.default) for m in smtp.received()]


def hooks():
    return [json.loads(b) for _, _, b in hook.received()]


def firing(rule):
    out = []
    for ln in sbtest.read(os.path.join(root, "data/alerts/state")).splitlines():
        f = ln.split("\t")
        if not ln.startswith("#") and f[0] == rule:
            out.append(f[1])
    return out


def waiting():
    return len(glob.glob(os.path.join(root, "data/alerts/outbox/*.alert")))


# a hostile name: 5,000 characters, in a short day of its own (the digest's text grows to hold it)
LONG = "RAI-LARGO-01 " + "X" * 4987
db = sqlite3.connect(os.path.join(root, "data/scanbackup.db"))
db.execute("insert into DAILY_SUMMARY_HISTORY (name, type, date, typeLayer, capacity, inProm, inMaxProm, "
           "outProm, outMaxProm, use, samples) values (?,?,?,?,?,?,?,?,?,?,?)",
           (LONG, "CLIENTE", D, "RAI", 1.0, 0.1, 0.2, 0.1, 0.2, 20.0, 100))
# a name in Spanish, past ASCII: its mail's subject goes as encoded words
SPANISH = "MÉRIDA-BORDE-01 ENLACE A ÑUÑOA — REDUNDANTE"
db.execute("insert into DAILY_SUMMARY_HISTORY (name, type, date, typeLayer, capacity, inProm, inMaxProm, "
           "outProm, outMaxProm, use, samples) values (?,?,?,?,?,?,?,?,?,?,?)",
           (SPANISH, "CISCO", D, "BORDE", 10.0, 1.0, 5.0, 1.0, 4.0, 50.0, 288))
db.commit()
db.close()

# -- the digest: one message per channel for the whole night
sbtest.write(RULES, DELIVER % (hook.port, 2, "yes") + NIGHTLY)
r = check()
t.eq(r.returncode, 0, "alerts check: every change delivered", r.stdout + r.stderr)
short = sorted(firing("cortos"))
t.ok(len(short) >= 5, "every interface of the night is short against 289 samples", short)
h = hooks()
t.ok(len(h) == 1 and h[0].get("digest") is True, "the webhook got one digest", h)
got = sorted(a["subject"] for a in h[0]["alerts"]) if h and "alerts" in h[0] else []
t.eq(got, short, "the digest lists each short interface once")
t.ok(all(a["state"] == "firing" and a["rule"] == "cortos" and a["kind"] == "nightly" for a in h[0]["alerts"]),
     "each one firing, of the nightly rule")
m = mails()
t.ok(len(m) == 1 and m[0]["Subject"] == "[scanbackup] the nightly run: %d changes" % len(short),
     "the mail server got one digest, its subject counting the changes", [x["Subject"] for x in m])
body = m[0].get_content() if m else ""
t.ok(all(("subject: " + s) in body for s in short), "the digest mail names every interface", body[:600])
t.ok(any(LONG in s for s in short) and LONG in body, "the 5,000-character name whole in the state and the mail")
db = sqlite3.connect(os.path.join(root, "data/scanbackup.db"))
kept = [r[0] for r in db.execute("select subject from ALERT_HISTORY where subject like 'RAI/CLIENTE/RAI-LARGO-01%'")]
db.close()
t.ok(len(kept) == 1 and len(kept[0].encode()) <= 512 and kept[0].endswith("\u2026") and
     ("RAI/CLIENTE/" + LONG).startswith(kept[0][:-1]),
     "ALERT_HISTORY keeps it cut to its 512 bytes, ending in an ellipsis, beside the other changes",
     [len(k) for k in kept])

# -- the rate limit: two messages per channel and hour, one already spent
sbtest.write(RULES, DELIVER % (hook.port, 2, "yes") + NIGHTLY + USE)
r = check()
used = sorted(firing("uso"))
t.ok(len(used) >= 2, "the use rule fires for several BORDE interfaces", used)
t.eq(r.returncode, 3, "alerts check: 3, changes wait for the rate limit", r.stdout + r.stderr)
t.ok("the rate limit: the rest wait in the outbox" in r.stderr, "the log says the rate limit held them",
     r.stderr[-600:])
h = hooks()
t.eq(len(h), 2, "the webhook got one more message, the limit")
t.eq(len(mails()), 2, "and so did the mail server")
t.ok(len(h) == 2 and "digest" not in h[1] and h[1]["rule"] == "uso" and h[1]["state"] == "firing",
     "a use change is a message of its own", h[-1:])
t.eq(waiting(), len(used) - 1, "the others wait in the outbox")

r = check()
t.ok(r.returncode == 3 and len(hooks()) == 2 and len(mails()) == 2 and waiting() == len(used) - 1,
     "within the hour the next evaluation sends nothing more, and nothing is lost", r.stdout)

# the hour passed: data/alerts/sent keeps each message's time; make them two hours old
sent = os.path.join(root, "data/alerts/sent")
lines = sbtest.read(sent).splitlines()
t.eq(len(lines), 4, "data/alerts/sent: the four messages of the hour", lines)
old = int(time.time()) - 7200
sbtest.write(sent, "".join("%s %d\n" % (ln.split()[0], old) for ln in lines))
r = check()
h = hooks()
t.eq(len(h), 4, "after the hour two more webhooks", [x.get("subject") for x in h])
t.eq(len(mails()), 4, "and two more mails")
t.eq(waiting(), max(len(used) - 3, 0), "the outbox holds the rest")
# drain it: the limit lifted
sbtest.write(RULES, DELIVER % (hook.port, 1000, "yes") + NIGHTLY + USE)
r = check()
t.eq(r.returncode, 0, "with room, everything waiting goes", r.stdout + r.stderr)
h = hooks()
subjects = [x["subject"] for x in h[1:]]
t.eq(sorted(subjects), used, "every use change reached the webhook once, none twice")
t.eq(sorted(x["Subject"] for x in mails()[1:]), sorted("[scanbackup] FIRING uso: " + s for s in used),
     "and the mail server, once each")
t.eq(waiting(), 0, "the outbox is empty")
raw = [x["data"] for x in smtp.received()]
t.ok(all(len(ln.encode()) <= 998 for r in raw for ln in r.replace("\r\n", "\n").split("\n")),
     "no mail has a line over SMTP's 998 bytes (the long name's digest went in base64)",
     [max(len(ln) for ln in r.split("\n")) for r in raw])
heads = [r.replace("\r\n", "\n").split("\n\n", 1)[0] for r in raw]
t.ok(all(h.isascii() for h in heads), "every header is ASCII")
t.ok(any(x["Subject"] == "[scanbackup] FIRING uso: BORDE/CISCO/" + SPANISH for x in mails()),
     "the Spanish name's subject reads back whole (RFC 2047)", [x["Subject"] for x in mails()])

# -- digest = no: the night's resolutions one by one (no day is short against 1 sample)
before_h, before_m = len(hooks()), len(mails())
sbtest.write(RULES, DELIVER % (hook.port, 1000, "no") + NIGHTLY.replace("289", "1") + USE)
r = check()
t.eq(r.returncode, 0, "the nightly rule's alerts resolve", r.stdout + r.stderr)
h = hooks()[before_h:]
t.ok(len(h) == len(short) and all("digest" not in x and x["state"] == "resolved" and x["rule"] == "cortos"
                                  for x in h),
     "without the digest each resolution is its own webhook", h)
t.eq(len(mails()) - before_m, len(short), "and its own mail")
t.eq(firing("cortos"), [], "nothing of the rule is firing")

smtp.stop()
hook.stop()
t.done()
