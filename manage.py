#!/usr/bin/env python
"""Same as the ``tiaodu`` console script."""

from tiaodu.cli import main

if __name__ == "__main__":
    main()
