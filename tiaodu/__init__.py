"""tiaodu (调度): the district economic dispatch platform."""

__version__ = "0.1.0"
