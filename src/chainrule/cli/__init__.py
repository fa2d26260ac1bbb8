"""The ``chainrule`` command line: ``train``, ``eval``, ``graph`` and ``gradcheck`` (one module per command).

Entry point: :func:`chainrule.cli.main.main`. Exit codes are listed in :mod:`chainrule.cli.errors`.
"""
