# SPDX-License-Identifier: BSD-3-Clause
"""The handout as scripts/run-lesson makes it, offline: the German lesson
(shortened to one epoch per training) exported with handout/nbconvert_config.py
to HTML, then printed to PDF by handout/print-pdf (Debian's Chromium).

The HTML must load nothing from a network (no CDN: checked in its markup and
in headless Chromium, which fails and records every request that is not for
the file itself), its formulas must be MathML that the browser lays out; the
PDF must have pages with the formulas as text, every picture whole on one
page, and render to PNG with poppler."""
import glob
import html
import html.parser
import json
import os
import re
import shutil
import subprocess

import pytest

from browser_support import CHROMIUM, needs_browser, sync_playwright
from lesson_support import (KERNEL_NAME, NOTEBOOK_DE, PYTHON3, SRCDIR, artifacts_dir,
                            run_dir, shortened)

NAME = "lektion-klassifikation"
CONFIG = os.path.join(SRCDIR, "handout", "nbconvert_config.py")
PRINT_PDF = os.path.join(SRCDIR, "handout", "print-pdf")
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)([^$\n]+?)\$")

needs_poppler = pytest.mark.skipif(shutil.which("pdfinfo") is None,
                                   reason="needs poppler-utils (scripts/setup-debian)")


def markdown_formulas(path):
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return INLINE_MATH.findall(re.sub(r"`[^`\n]*`", "", text))


@pytest.fixture(scope="module")
def handout():
    work = run_dir("lesson-handout-offline")
    notebook = os.path.join(work, NAME + ".ipynb")
    shortened(NOTEBOOK_DE, notebook, fashion_epochs=1)
    run = subprocess.run(
        [PYTHON3, "-m", "jupyter", "nbconvert", "--config", CONFIG, "--to", "html", "--execute",
         "--ExecutePreprocessor.timeout=1800", f"--ExecutePreprocessor.kernel_name={KERNEL_NAME}",
         "--ExecutePreprocessor.startup_timeout=120", NAME + ".ipynb"],
        cwd=work, capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, f"nbconvert failed:\n{run.stderr[-4000:]}"
    html_path = os.path.join(work, NAME + ".html")
    pdf_path = os.path.join(work, NAME + ".pdf")
    done = subprocess.run([PRINT_PDF, html_path, pdf_path], capture_output=True, text=True,
                          timeout=300)
    for path in (html_path, pdf_path):
        shutil.copy(path, artifacts_dir())
    with open(html_path, encoding="utf-8") as f:
        text = f.read()
    return {"html": html_path, "text": text, "pdf": pdf_path, "printed": done,
            "formulas": markdown_formulas(NOTEBOOK_DE), "work": work}


class References(html.parser.HTMLParser):
    """Every URL the markup makes a browser load (src, href of link, srcset)."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "srcset", "data"):
            if attrs.get(name):
                self.urls.append((tag, attrs[name]))
        if tag == "link" and attrs.get("href"):
            self.urls.append((tag, attrs["href"]))


def test_html_references_nothing_on_a_network(handout):
    refs = References()
    refs.feed(handout["text"])
    assert refs.urls, "the handout has pictures"
    remote = [(tag, url[:80]) for tag, url in refs.urls if not url.startswith("data:")]
    assert remote == [], "the handout loads these from outside itself"
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", handout["text"]), "CSS from a network"
    assert "mathjax" not in handout["text"].lower()


def test_formulas_are_mathml(handout):
    formulas = handout["formulas"]
    assert len(formulas) >= 10, formulas          # 28 \times 28, 60\,\mathrm k, ...
    maths = [html.unescape(m) for m in re.findall(r"<math\b.*?</math>", handout["text"], re.S)]
    assert len(maths) == len(formulas)
    assert "28 \\times 28" not in handout["text"], "a formula left as LaTeX"
    assert any("<mo>×</mo>" in m for m in maths), "\\times as the MathML operator"
    assert any('mathvariant="normal">k</mi>' in m for m in maths), "\\mathrm k upright"


@needs_browser
def test_offline_in_chromium_formulas_and_pictures_render(handout):
    requested, failed = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()

        def only_the_file(route):
            url = route.request.url
            if url.startswith(("file:", "data:")):
                route.continue_()
            else:
                requested.append(url)
                route.abort()
        page.route("**/*", only_the_file)
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.goto("file://" + handout["html"], wait_until="load")
        boxes = page.eval_on_selector_all(
            "math", "els => els.map(e => { const r = e.getBoundingClientRect();"
                    " return [r.width, r.height, e.textContent]; })")
        images = page.eval_on_selector_all(
            "img", "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight])")
        browser.close()
    assert requested == [], "requests outside the file"
    assert failed == []
    assert len(boxes) == len(handout["formulas"])
    flat = [b for b in boxes if not (b[0] > 0 and b[1] > 0)]
    assert flat == [], "formulas without a size: not laid out"
    # MathML laid out as mathematics: 28 x 28 is wider than high, as text would be too,
    # but its text is the three tokens, not the LaTeX source.
    assert any(b[2].replace(" ", "") == "28×28" for b in boxes)
    assert images and all(done and w > 0 and h > 0 for done, w, h in images)


def pdf_pages(pdf):
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@needs_poppler
def test_pdf_has_pages_with_formulas_as_text(handout):
    assert handout["printed"].returncode == 0, handout["printed"].stderr
    assert pdf_pages(handout["pdf"]) >= 5
    text = subprocess.run(["pdftotext", "-layout", handout["pdf"], "-"], capture_output=True,
                          text=True, check=True).stdout
    assert re.search(r"28\s*×\s*28", text), "the formula 28 × 28 printed"
    assert re.search(r"60\s*k", text)
    assert "\\times" not in text and "\\mathrm" not in text, "no LaTeX left"
    assert "Neuronale Netze" in text


@needs_poppler
def test_pdf_pictures_are_whole_on_one_page(handout):
    """A picture cut by a page break is drawn on both pages: pdfimages lists the
    same image object twice."""
    listing = subprocess.run(["pdfimages", "-list", handout["pdf"]], capture_output=True,
                             text=True, check=True).stdout.splitlines()[2:]
    rows = [line.split() for line in listing if line.strip()]
    images = [row for row in rows if row[2] == "image"]
    pngs = len(re.findall(r'<img [^>]*src="data:image/png', handout["text"]))
    assert len(images) == pngs, "every picture of the handout is in the PDF, once"
    pages_of = {}
    for row in images:
        pages_of.setdefault(row[10], set()).add(row[0])   # object ID -> pages
    assert all(len(pages) == 1 for pages in pages_of.values()), pages_of


@needs_poppler
def test_pdf_pages_render_to_png(handout):
    out = artifacts_dir("handout-pages")
    for old in glob.glob(os.path.join(out, "page-*.png")):
        os.remove(old)
    subprocess.run(["pdftoppm", "-png", "-r", "40", handout["pdf"], os.path.join(out, "page")],
                   check=True, timeout=300)
    pages = sorted(glob.glob(os.path.join(out, "page-*.png")))
    assert len(pages) == pdf_pages(handout["pdf"])
    for path in pages:
        with open(path, "rb") as f:
            head = f.read(24)
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        assert height > width > 300, "A4 portrait pages"
