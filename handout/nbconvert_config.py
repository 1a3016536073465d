# SPDX-License-Identifier: BSD-3-Clause
# nbconvert's configuration for the handout (scripts/run-lesson):
#   jupyter nbconvert --config handout/nbconvert_config.py --to html ...
# The template without CDN scripts and with print rules, formulas as MathML.
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
c.HTMLExporter.extra_template_basedirs = [os.path.join(here, "templates")]
c.HTMLExporter.template_name = "handout"
c.HTMLExporter.preprocessors = ["mathml_preprocessor.MathMLPreprocessor"]
