"""Verifying gradients: both backward passes against central differences in float64.

``gradcheck`` and ``gradcheck_report`` (run.py) compare the analytic gradients of a
plain ``backward()`` and of ``backward(create_graph=True)`` with the numbers of
numeric.py; verdict.py decides every element's verdict and rating; report.py writes
them out. ``gradgradcheck`` (second_order.py) does the same for second derivatives.
"""

from chainrule.check.numeric import numerical_grad
from chainrule.check.report import GradcheckReport, element_cells
from chainrule.check.run import FULL_JACOBIAN_LIMIT, gradcheck, gradcheck_report, projection
from chainrule.check.second_order import gradgradcheck, gradgradcheck_report
from chainrule.check.verdict import RATINGS, ElementCheck, InputCheck, rate

__all__ = [
    "FULL_JACOBIAN_LIMIT", "RATINGS", "ElementCheck", "GradcheckReport", "InputCheck", "element_cells", "gradcheck",
    "gradcheck_report", "gradgradcheck", "gradgradcheck_report", "numerical_grad", "projection", "rate",
]  # fmt: skip
