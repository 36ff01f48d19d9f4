"""`python -m app` and the frozen program's entry point."""

from app.cli import main

raise SystemExit(main())
