"""numerical_grad's one-sided differences: the lectures' (f(x + h) − f(x)) / h and its backward twin."""

import numpy as np
import pytest

import chainrule as cr

H = 1e-3  # the slides' step


def quartic(x):
    return 0.5 * x**4 - 2 * x**2 + x + 5


POINTS = np.array([-2.0, -0.7, 0.0, 0.3, 1.5])


@pytest.mark.parametrize("method, sign", [("forward", 1), ("backward", -1)])
def test_one_sided_quotients_are_the_slides_formula_element_by_element(method, sign):
    (got,) = cr.numerical_grad(quartic, cr.tensor(POINTS, dtype=cr.float64), eps=H, method=method)
    by_hand = [sign * (quartic(x + sign * H) - quartic(x)) / H for x in POINTS.tolist()]  # plain Python floats
    np.testing.assert_allclose(got, by_hand, rtol=0, atol=1e-9)


@pytest.mark.parametrize("method, sign", [("forward", 1), ("backward", -1)])
def test_one_sided_error_is_first_order_and_central_second_order(method, sign):
    analytic = 2 * POINTS**3 - 4 * POINTS + 1
    second, third = 6 * POINTS**2 - 4, 12 * POINTS  # f'' and f''' of the quartic
    (one_sided,) = cr.numerical_grad(quartic, POINTS, eps=H, method=method)
    (central,) = cr.numerical_grad(quartic, POINTS, eps=H)
    # Taylor: (f(x ± h) − f(x)) / ±h = f' ± h f''/2 + h² f'''/6 ± h³ f''''/24, with f'''' = 12
    np.testing.assert_allclose(
        one_sided - analytic, sign * H * second / 2 + H**2 * third / 6 + sign * H**3 / 2, atol=1e-9
    )
    np.testing.assert_allclose(central - analytic, H**2 * third / 6, atol=1e-9)  # the even terms cancel


def test_central_is_the_default_and_methods_agree_on_a_linear_function():
    x = cr.tensor([[1.0, -2.0], [0.5, 3.0]])
    w = np.array([[2.0, -1.0], [0.25, 4.0]])
    for method in ("central", "forward", "backward"):
        (g,) = cr.numerical_grad(lambda t: (t * cr.tensor(w)).sum(), x, eps=1e-4, method=method)
        assert g.dtype == np.float64 and g.shape == (2, 2)
        np.testing.assert_allclose(g, w, rtol=1e-8)
    (default,) = cr.numerical_grad(quartic, POINTS, eps=H)
    (central,) = cr.numerical_grad(quartic, POINTS, eps=H, method="central")
    np.testing.assert_array_equal(default, central)


def test_one_sided_with_several_inputs_and_a_grad_output():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    ga, gb = cr.numerical_grad(lambda x, y: x * x * y, [a, b], eps=1e-3, grad_output=[1.0, 10.0], method="backward")
    np.testing.assert_allclose(ga, [(1 - 0.999**2) * 3 / 1e-3, 10 * (4 - 1.999**2) * 4 / 1e-3], rtol=1e-9)
    np.testing.assert_allclose(gb, [1.0, 40.0], rtol=1e-9)


def test_an_unknown_method_is_refused_naming_the_valid_ones():
    with pytest.raises(ValueError, match=r"numerical_grad: method must be one of 'central', 'forward', 'backward'"):
        cr.numerical_grad(quartic, POINTS, method="one-sided")
