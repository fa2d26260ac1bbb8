"""erf (NumPy has none): agreement with Python's math.erf everywhere, special values and dtypes."""

from __future__ import annotations

import math

import numpy as np

import chainrule as cr
from chainrule.ops.erf import erf_array


def test_erf_agrees_with_pythons_to_a_few_ulps_everywhere():
    x = np.concatenate([np.linspace(-7.0, 7.0, 20001), [0.0, -0.0, 1e-300, 2.0, 6.0, -6.0, 30.0]])
    reference = np.array([math.erf(v) for v in x])
    assert np.max(np.abs(erf_array(x) - reference)) < 5e-15
    special = erf_array(np.array([np.inf, -np.inf, np.nan]))
    assert special[0] == 1.0 and special[1] == -1.0 and np.isnan(special[2])
    assert erf_array(np.ones(2, np.float32)).dtype == np.float32
    assert cr.tensor([1, 2]).erf().dtype == cr.float32  # integers become the default float, as in PyTorch
