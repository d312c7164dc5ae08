#!/usr/bin/python3
"""render.py - every workbook the reports write, rendered by a real spreadsheet engine: the example
root's nightly job and its four BBIP workbooks, the 95th-percentile one, and the availability and
latency workbooks over probe records, converted to PDF by LibreOffice (headless, one run, a
profile of its own) and read back with poppler. Checked: each sheet's pages (its name and
"Página N de M" in the footer), the Resumen on one page, the layer sheets one page wide (both
ends of the header on every page), the page numbers, and that the whole text of every text cell
(headers, interface names, titles, notes) is on the sheet's pages, word by word in reading order,
so nothing is cut; the top-10 names twice on the Resumen (the table and the chart). One PNG of
each sheet's first page is kept in tests/artifacts/render/ of the build tree. TAP output."""

import html
import os
import re
import shutil
import signal
import subprocess
import time

import sbtest

t = sbtest.Tap()
NO_TOOLS = sbtest.missing("openpyxl", "soffice", "pdftotext", "pdftoppm")
if NO_TOOLS:
    t.skip_rest(NO_TOOLS, ["the reports' workbooks rendered by LibreOffice"])
import openpyxl  # noqa: E402

CLI = os.path.join(sbtest.TOP_BUILDDIR, "tests", "store_cli")
ART = os.path.join(sbtest.TOP_BUILDDIR, "tests", "artifacts", "render")
LAYERS = ["BORDE", "BRAS", "CACHING", "RAI", "IXP"]

# ---- the workbooks ----

root = sbtest.tempdir("sbrender-")
src = os.path.join(sbtest.TOP_SRCDIR, "examples")
for item in (".env", "sources", "mrtg"):
    p = os.path.join(src, item)
    if os.path.isdir(p):
        shutil.copytree(p, os.path.join(root, item))
    else:
        shutil.copy(p, os.path.join(root, item))
for day in ("2026-11-19", "2026-11-20"):  # the logs hold the 20th and most of the 19th
    r = sbtest.run(["run", "--date", day], root=root)
    t.ok(r.returncode == 0, "example root: nightly job of %s" % day, r.stdout + r.stderr)

out = os.path.join(root, "out")
RUNS = [
    (["diario", "--date", "2026-11-20"], "Data_Diario_BBIP.xlsx"),
    (["semanal", "--literal", "--date", "2026-11-20"], "Data_Semanal_BBIP.xlsx"),
    (["quincenal", "--literal", "--date", "2026-11-20"], "Data_Quincenal_BBIP.xlsx"),
    (["mensual", "--literal", "--date", "2026-11-20"], "Data_Mensual_BBIP.xlsx"),  # 30 days
    (["report", "percentil95", "--from", "2026-11-19", "--to", "2026-11-20"],
     "Data_Percentil95_BBIP.xlsx"),
    (["report", "disponibilidad", "--from", "2026-11-14", "--to", "2026-11-20"],
     "Disponibilidad_Enlaces.xlsx"),
    (["report", "latencia", "--from", "2026-11-19", "--to", "2026-11-20"],
     "Latencia_Enlaces.xlsx"),
]

# ping records of two links every 5 minutes for a week (UTC): link 1 answers but for an hour a
# day, its RTT following the hour; link 2 never answers on the 17th
T0 = 1794614400  # 2026-11-14 00:00:00 UTC
for link in (1, 2):
    lines = []
    for i in range(7 * 288):
        ts = T0 + 300 * i
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
        hour = i // 12 % 24
        down = (link == 1 and hour == 3) or (link == 2 and i // 288 == 3)
        if down:
            lines.append("%s\tping\t10.0.%d.1\t-1.000\t100.0\t3\t0" % (stamp, link))
        else:
            lines.append("%s\tping\t10.0.%d.1\t%.3f\t0.0\t3\t3" % (stamp, link,
                                                                 5 + hour * 0.7 + link))
    path = os.path.join(root, "link%d.trace" % link)
    sbtest.write(path, "\n".join(lines) + "\n")
    r = subprocess.run([CLI, "-m", sbtest.MODULES_DIR, "sqlite:" + os.path.join(root, "data", "scanbackup.db"),
                        "put-records", "3", str(link), path], capture_output=True, text=True)
    t.ok(r.returncode == 0, "probe records of link %d stored" % link, r.stderr)

books = []
for args, name in RUNS:
    r = sbtest.run(args + ["--out", out], root=root)
    path = os.path.join(out, name)
    if t.ok(r.returncode == 0 and os.path.isfile(path), "%s written" % name,
            r.stdout + r.stderr):
        books.append(path)

# ---- LibreOffice: every workbook to PDF in one run, with a profile of its own ----

pdfdir = os.path.join(root, "pdf")
os.makedirs(pdfdir)
env = dict(os.environ, HOME=root, SAL_USE_VCLPLUGIN="svp")
profile = "file://" + os.path.join(root, "lo-profile")


def convert(paths):
    """soffice --convert-to pdf on paths; a private profile keeps it apart from any other
    LibreOffice running on the machine. Returns its output."""
    cmd = ["soffice", "-env:UserInstallation=" + profile, "--headless", "--norestore",
           "--nolockcheck", "--nodefault", "--nologo", "--convert-to", "pdf", "--outdir",
           pdfdir] + paths
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, start_new_session=True, cwd=root)
    try:
        text, _ = p.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        text, _ = p.communicate()
        text += "\n(killed after 240 s)"
    return text


def pdf_of(book):
    return os.path.join(pdfdir, os.path.splitext(os.path.basename(book))[0] + ".pdf")


started = time.time()
log = convert(books)
late = [b for b in books if not os.path.isfile(pdf_of(b))]
if late:  # a first start can lose a document; one more try for those
    log += convert(late)
t.ok(all(os.path.isfile(pdf_of(b)) for b in books),
     "LibreOffice converted the %d workbooks in one run (%.1f s)"
     % (len(books), time.time() - started), log)

# ---- reading the PDFs ----

WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                  r'(.*?)</word>')


def pages_of(pdf):
    """The words of each page: [(x0, y0, x1, y1, text)], from pdftotext -bbox."""
    r = subprocess.run(["pdftotext", "-bbox", pdf, "-"], capture_output=True, text=True)
    pages = []
    for chunk in r.stdout.split("<page ")[1:]:
        pages.append([(float(a), float(b), float(c), float(d), html.unescape(w))
                      for a, b, c, d, w in WORD.findall(chunk)])
    return pages


def lines_of(words):
    """Words grouped in lines (same baseline), each line split into runs at wide gaps."""
    rows = []
    for w in sorted(words, key=lambda w: (round(w[3]), w[0])):
        if rows and abs(rows[-1][0][3] - w[3]) < 1.5:
            rows[-1].append(w)
        else:
            rows.append([w])
    out = []
    for row in rows:
        row.sort(key=lambda w: w[0])
        runs = [[row[0]]]
        for w in row[1:]:
            h = w[3] - w[1]
            if w[0] - runs[-1][-1][2] > 2.5 * h:
                runs.append([w])
            else:
                runs[-1].append(w)
        out.append([" ".join(x[4] for x in run) for run in runs])
    return out


FOOT = re.compile(r"^(.+) · Página (\d+) de (\d+)$")


def sheet_pages(pages):
    """{sheet: [page index, ...]} and [(page index, N, M)] from the footers' right parts."""
    by_sheet, numbers = {}, []
    for i, words in enumerate(pages):
        for runs in reversed(lines_of(words)):
            m = FOOT.match(runs[-1])
            if m:
                by_sheet.setdefault(m.group(1), []).append(i)
                numbers.append((i, int(m.group(2)), int(m.group(3))))
                break
    return by_sheet, numbers


def chains(words, text):
    """How many times text appears as words in reading order: each next word just right of the
    last on its line, or on a line below it under the words found so far. The first word may end
    a longer word and the last may start one (a neighbouring cell's text touching it), the words
    between must be whole; a cut text lacks its end and is not found."""
    want = text.split()
    if not want:
        return 1
    found = 0
    for i, w in enumerate(words):
        if not (w[4].endswith(want[0]) if len(want) > 1 else want[0] in w[4]):
            continue
        chain, x0, x1 = [w], w[0], w[2]
        for k in range(1, len(want)):
            last = chain[-1]
            h = last[3] - last[1]
            best = None
            for v in words:
                ok_text = v[4] == want[k] or (k == len(want) - 1 and v[4].startswith(want[k]))
                if not ok_text or v in chain:
                    continue
                same = abs(v[3] - last[3]) < 0.3 * h and 0 <= v[0] - last[2] < 1.5 * h
                below = 0.5 * h < v[1] - last[1] < 2.2 * h and v[0] < x1 + h and v[2] > x0 - h
                if same or below:
                    best = v
                    break
            if best is None:
                chain = None
                break
            chain.append(best)
            x0, x1 = min(x0, best[0]), max(x1, best[2])
        if chain:
            found += 1
    return found


def safe(name):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


os.makedirs(ART, exist_ok=True)
for f in os.listdir(ART):
    if f.endswith(".png"):
        os.remove(os.path.join(ART, f))

for book in books:
    tag = os.path.splitext(os.path.basename(book))[0]
    pdf = pdf_of(book)
    if not os.path.isfile(pdf):
        continue
    wb = openpyxl.load_workbook(book)
    pages = pages_of(pdf)
    by_sheet, numbers = sheet_pages(pages)
    t.eq(sorted(by_sheet), sorted(wb.sheetnames), "%s: every sheet printed, each page's footer "
         "names its sheet" % tag)
    t.ok(len(numbers) == len(pages) and
         all(n == i + 1 and m == len(pages) for i, n, m in numbers),
         "%s: %d pages numbered 'Página N de %d'" % (tag, len(pages), len(pages)), numbers)
    if "Resumen" in wb.sheetnames and tag != "Latencia_Enlaces":
        t.eq(len(by_sheet.get("Resumen", [])), 1, "%s: the Resumen fits on one page" % tag)
    if "Tráfico diario" in wb.sheetnames:
        t.eq(len(by_sheet.get("Tráfico diario", [])), len(LAYERS),
             "%s: the daily traffic prints one page per layer" % tag)
    bad = []
    for name in wb.sheetnames:
        ws = wb[name]
        idx = by_sheet.get(name, [])
        texts = set()
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.strip():
                    texts.add(c.value)
        for s in sorted(texts):  # a cell is never split over pages: look on each
            if not any(chains(pages[i], s) for i in idx):
                bad.append("%s: %r" % (name, s))
        if name in LAYERS:
            first, last = ws.cell(1, 1).value, ws.cell(1, ws.max_column).value
            for i in idx:
                if not (chains(pages[i], first) and chains(pages[i], last)):
                    bad.append("%s page %d: not one page wide (%r ... %r)" % (name, i + 1,
                                                                              first, last))
        if idx:
            png = os.path.join(ART, "%s-%s" % (tag, safe(name)))
            subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", "-f", str(idx[0] + 1),
                            "-l", str(idx[0] + 1), pdf, png], capture_output=True)
    t.ok(not bad, "%s: the whole text of every text cell is on its sheet's pages (nothing cut); "
         "layer sheets one page wide" % tag, "\n".join(bad))
    if "Resumen" in wb.sheetnames and tag.startswith("Data_"):
        ws = wb["Resumen"]
        r0 = next(r for r in range(1, ws.max_row + 1)
                  if str(ws.cell(r, 1).value or "").startswith("Top 10 por"))
        names = [ws.cell(r, 2).value for r in range(r0 + 2, r0 + 12) if ws.cell(r, 2).value]
        words = pages[by_sheet["Resumen"][0]] if by_sheet.get("Resumen") else []
        short = [n for n in names if chains(words, n) < 2]
        t.ok(names and not short, "%s: the top-10 names whole in the table and in the chart"
             % tag, short)

pngs = sorted(os.listdir(ART))
nsheets = sum(len(openpyxl.load_workbook(b).sheetnames) for b in books)
t.eq(len(pngs), nsheets, "a PNG of every sheet in %s" % ART, pngs)
t.done()
