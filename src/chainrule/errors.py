"""The exceptions chainrule raises; each message says what is wrong and what is valid."""


class ChainruleError(Exception):
    """Base class of every error chainrule raises on purpose."""


class ShapeError(ChainruleError, ValueError):
    """Operands whose shapes do not fit the operation."""


class DTypeError(ChainruleError, TypeError):
    """A dtype the operation cannot use (e.g. a gradient of an integer tensor)."""


class BackwardError(ChainruleError, RuntimeError):
    """The backward pass cannot run: freed graph, modified saved tensor, bad gradient."""


class AnomalyError(BackwardError):
    """``detect_anomaly`` found NaN or Inf in a forward value or a gradient."""


class GradcheckError(ChainruleError, AssertionError):
    """Analytic and numerical gradients disagree."""
