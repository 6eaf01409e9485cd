#!/usr/bin/env python
from openciq.cli import main

if __name__ == "__main__":
    main()
