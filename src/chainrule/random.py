"""Random number streams: one default stream seeded by ``manual_seed`` and local ``Generator``s."""

from __future__ import annotations

import numpy


class Generator:
    """A private random stream (PCG64), e.g. for a DataLoader's shuffling.

    ``Generator(seed)`` gives the same draws for the same seed; ``manual_seed``
    restarts it. Draws are made with NumPy's generator on the CPU.
    """

    def __init__(self, seed: int | None = None) -> None:
        self.manual_seed(seed)

    def manual_seed(self, seed: int | None) -> Generator:
        """Restart the stream from ``seed`` (a non-negative int; None draws fresh entropy); returns self."""
        if seed is not None and (not isinstance(seed, (int, numpy.integer)) or isinstance(seed, bool) or seed < 0):
            raise ValueError(f"manual_seed: the seed must be a non-negative int, got {seed!r}")
        self.initial_seed = seed
        self.numpy = numpy.random.default_rng(seed)
        return self

    def get_state(self) -> dict:
        """The stream's position, as plain data (JSON-friendly), for checkpoints."""
        return self.numpy.bit_generator.state

    def set_state(self, state: dict) -> None:
        """Put the stream back at a position saved by :meth:`get_state`, to resume a checkpoint exactly."""
        self.numpy.bit_generator.state = state


default_generator = Generator(0)


def manual_seed(seed: int) -> Generator:
    """Seed the default stream used by ``rand``, ``randn``, initialisers and shuffling."""
    return default_generator.manual_seed(seed)


def resolve(generator: Generator | None) -> numpy.random.Generator:
    """The NumPy generator behind ``generator`` (the default stream when None)."""
    if generator is None:
        return default_generator.numpy
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a chainrule.Generator, got {type(generator).__name__}")
    return generator.numpy
