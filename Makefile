.PHONY: demo test lint bench setup screenshots
setup:          ## create .venv and install
	scripts/bootstrap.sh
demo:           ## seed a demo registry (SQLite) and serve it on http://127.0.0.1:8000
	scripts/demo.sh
test:           ## lint, type-check and run every test (PostgreSQL, Redis, Chromium included)
	scripts/test.sh
lint:
	scripts/bootstrap.sh && .venv/bin/ruff check src tests bench scripts && .venv/bin/mypy
bench:          ## run the benchmarks; figures go to bench/RESULTS.md by hand
	scripts/bootstrap.sh && for b in log qr synth issue verify_batch verify; do .venv/bin/python bench/$$b.py || exit 1; done
screenshots:    ## photograph / and /me of a fresh demo in Debian's Chromium into docs/images/ (README)
	scripts/bootstrap.sh && .venv/bin/python scripts/screenshots.py
