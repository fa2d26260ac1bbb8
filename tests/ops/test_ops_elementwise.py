"""Element-wise arithmetic and math: gradcheck, gradgradcheck and PyTorch, through the shared factory."""


from helpers.oracle import BINARY, UNARY, Case, op_tests

CASES = [
    Case("add", lambda m, a, b: a + b, BINARY),
    Case("sub", lambda m, a, b: a - b, BINARY),
    Case("mul", lambda m, a, b: a * b, BINARY),
    Case("div", lambda m, a, b: a / b, BINARY, domain="kinkfree"),
    Case("neg", lambda m, a: -a, UNARY),
    Case("pow_scalar", lambda m, a: a**3, UNARY),
    Case("pow_half", lambda m, a: a**0.5, UNARY, domain="positive"),
    Case("pow_negative", lambda m, a: a**-2, UNARY, domain="positive"),
    Case("pow_zero", lambda m, a: a**0 * 3 + a, UNARY),  # + a: a gradient of 0 alone would prove nothing
    Case("scalar_pow", lambda m, a: 2.0**a, UNARY),
    Case("tensor_pow", lambda m, a, b: a**b, BINARY, domain="positive"),
    Case("exp", lambda m, a: a.exp(), UNARY),
    Case("log", lambda m, a: a.log(), UNARY, domain="positive"),
    Case("sqrt", lambda m, a: a.sqrt(), UNARY, domain="positive"),
    Case("abs", lambda m, a: a.abs(), UNARY, domain="kinkfree"),
    Case("sin", lambda m, a: a.sin(), UNARY),
    Case("cos", lambda m, a: a.cos(), UNARY),
    Case("maximum", lambda m, a, b: m.maximum(a, b), BINARY, domain="kinkfree"),
    Case("minimum", lambda m, a, b: m.minimum(a, b), BINARY, domain="kinkfree"),
    Case("clip", lambda m, a: a.clip(-0.5, 0.7), UNARY, domain="kinkfree"),
    Case("clip_min_only", lambda m, a: a.clip(min=-0.5), UNARY, domain="kinkfree"),
    Case("where", lambda m, a, b: m.where(a > b, a * a, b), BINARY, domain="kinkfree"),
    Case(
        "function_forms",
        lambda m, a: m.exp(m.sin(a)) + m.sqrt(m.abs(a)) + m.log(m.cos(a) + 2),
        UNARY,
        domain="kinkfree",
    ),
]

# Python numbers on either side of every binary operator.
SCALAR_CASES = [
    Case("scalar_add", lambda m, a: (2 + a) + (a + 3.5), UNARY),
    Case("scalar_sub", lambda m, a: (2 - a) * (a - 3.5), UNARY),
    Case("scalar_mul", lambda m, a: (2 * a) * (a * -1.5), UNARY),
    Case("scalar_div", lambda m, a: (2 / a) + (a / 4), UNARY, domain="kinkfree"),
    Case("scalar_pow_both", lambda m, a: (1.5**a) * (a**2), UNARY),
    Case("int_exponent", lambda m, a: a**2 + a**1, UNARY),
    Case("max_scalar", lambda m, a: m.maximum(a, m.zeros_like(a) + 0.1) * 2, UNARY, domain="kinkfree"),
]


test_elementwise_op, test_elementwise_op_matches_torch = op_tests(CASES + SCALAR_CASES)
