"""`python -m stratus_local <command>`: the local cloud's command line."""

from stratus_local.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
