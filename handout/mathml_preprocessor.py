# SPDX-License-Identifier: BSD-3-Clause
"""An nbconvert preprocessor that writes the LaTeX formulas of markdown cells
(`$...$` inline, `$$...$$` displayed) as MathML with latex2mathml, so that
the HTML handout shows them without MathJax and without a network: browsers
render MathML themselves (Chromium since 109, Firefox)."""
import re

from latex2mathml.converter import convert
from nbconvert.preprocessors import Preprocessor

# Code is left as it is: fenced blocks and inline code spans.
CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`)", re.S)
DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
# An inline formula: $...$ on one line, not $$, not an escaped \$.
INLINE = re.compile(r"(?<![\\$])\$(?!\$)([^$\n]+?)(?<!\\)\$(?!\$)")


def formula(latex, display):
    return convert(latex.strip(), display="block" if display else "inline")


def to_mathml(markdown):
    parts = CODE.split(markdown)
    for i in range(0, len(parts), 2):  # the even parts are the text outside code
        text = DISPLAY.sub(lambda m: formula(m.group(1), True), parts[i])
        parts[i] = INLINE.sub(lambda m: formula(m.group(1), False), text)
    return "".join(parts)


class MathMLPreprocessor(Preprocessor):
    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown":
            cell.source = to_mathml(cell.source)
        return cell, resources
