"""Flow: what the facts of one module mean — the values of names and expressions, which calls
are BSG calls, who handles them and what escapes, and which codes each dispatch covers.

:class:`flake8_bsg.flow.analysis.FileAnalysis` is what the rules query.
"""
