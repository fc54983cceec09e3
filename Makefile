# tiaodu — the two contract commands are `make run` and `make test` (see README).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
VENDOR := tiaodu/static/vendor

.PHONY: run test setup dev assets lint typecheck checks messages-check messages-update pytest bench openapi messages clean

## Fresh clone → running platform on SQLite with demo data at http://127.0.0.1:8000
run: setup
	$(BIN)/tiaodu demo
	$(BIN)/tiaodu serve 127.0.0.1:8000

## The whole suite: lint, types, migrations, OpenAPI diff, pytest (SQLite; PostgreSQL when
## TIAODU_TEST_DATABASE_URL is set; browser tests — which start their own server on SQLite —
## run once, when Chromium is present or TIAODU_REQUIRE_BROWSER=1).
test: dev
	$(MAKE) checks
	$(MAKE) pytest

setup: $(VENV)/.installed assets
dev: $(VENV)/.installed-dev assets

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.lock
	touch $@

## Front-end packages from npm (pinned in package-lock.json), copied into static files: no CDN.
## Also Noto Sans SC and Noto Serif SC (TrueType, SIL OFL), which the PDFs embed and the charts use
## (ADR 0023, 0039); ECharts (Apache-2.0) for the workbench charts, Tom Select (Apache-2.0) for
## searchable multi-selects.
assets: $(VENDOR)/.stamp
$(VENDOR)/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/bootstrap/dist/css/bootstrap.min.css $(VENDOR)/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/
	mkdir -p $(VENDOR)/leaflet/images
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css $(VENDOR)/leaflet/
	cp node_modules/leaflet/dist/images/*.png $(VENDOR)/leaflet/images/
	cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js $(VENDOR)/leaflet/
	cp node_modules/leaflet.markercluster/dist/MarkerCluster.css $(VENDOR)/leaflet/
	cp node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css $(VENDOR)/leaflet/
	mkdir -p $(VENDOR)/fonts
	cp node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf $(VENDOR)/fonts/NotoSansSC-Regular.ttf
	cp node_modules/@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf $(VENDOR)/fonts/NotoSansSC-Bold.ttf
	cp node_modules/@expo-google-fonts/noto-sans-sc/LICENSE_FONT $(VENDOR)/fonts/OFL.txt
	cp node_modules/@expo-google-fonts/noto-serif-sc/400Regular/NotoSerifSC_400Regular.ttf $(VENDOR)/fonts/NotoSerifSC-Regular.ttf
	cp node_modules/@expo-google-fonts/noto-serif-sc/700Bold/NotoSerifSC_700Bold.ttf $(VENDOR)/fonts/NotoSerifSC-Bold.ttf
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	cp node_modules/tom-select/dist/js/tom-select.complete.min.js $(VENDOR)/
	cp node_modules/tom-select/dist/css/tom-select.bootstrap5.min.css $(VENDOR)/
	touch $@

checks:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy tiaodu
	TIAODU_DATA_DIR=$$(mktemp -d) $(BIN)/tiaodu makemigrations --check --dry-run
	TIAODU_DATA_DIR=$$(mktemp -d) $(BIN)/tiaodu openapi --check docs/openapi.json
	$(MAKE) --no-print-directory messages-check

## Every translatable string in the code must be in the English catalogue (test_i18n then checks
## that each entry is translated). Extracts into the working tree, compares, puts the file back.
PO := tiaodu/locale/en/LC_MESSAGES/django.po
messages-check:
	@tmp=$$(mktemp -d); cp $(PO) $$tmp/committed.po; \
	(cd tiaodu && TIAODU_DATA_DIR=$$tmp ../$(BIN)/tiaodu makemessages -l en --ignore 'static/*' --no-obsolete -v 0); \
	cp $(PO) $$tmp/extracted.po; cp $$tmp/committed.po $(PO); \
	msgcmp --use-untranslated --use-fuzzy $$tmp/committed.po $$tmp/extracted.po \
	  || { echo "strings missing from $(PO): run 'make messages-update', translate, 'make messages'"; exit 1; }

## Add new strings to the catalogue (then translate them and run `make messages`).
messages-update: dev
	cd tiaodu && ../$(BIN)/tiaodu makemessages -l en --ignore 'static/*' --no-obsolete

## The PostgreSQL pass runs beside the SQLite pass (each pytest uses one core); its output is
## printed after the SQLite pass, and either failing fails the target.
pytest:
	@if [ -n "$$TIAODU_TEST_DATABASE_URL" ]; then \
		pglog=$$(mktemp); \
		echo "== PostgreSQL pass started in parallel: $$TIAODU_TEST_DATABASE_URL"; \
		DATABASE_URL="$$TIAODU_TEST_DATABASE_URL" $(BIN)/pytest -q -p no:cacheprovider -m "not browser" >$$pglog 2>&1 & pg=$$!; \
		$(BIN)/pytest -q; sqlite=$$?; \
		wait $$pg; postgres=$$?; \
		echo "== PostgreSQL: $$TIAODU_TEST_DATABASE_URL"; cat $$pglog; rm -f $$pglog; \
		echo "== exit codes: SQLite $$sqlite, PostgreSQL $$postgres"; \
		[ $$sqlite -eq 0 ] && [ $$postgres -eq 0 ]; \
	else \
		$(BIN)/pytest -q && echo "TIAODU_TEST_DATABASE_URL not set: PostgreSQL run skipped"; \
	fi

## Benchmarks → bench/results.json
bench: dev
	$(PY) bench/run.py
	@for script in bench/bench_*.py; do [ -e "$$script" ] || continue; echo "== $$script"; $(PY) "$$script" || exit 1; done

## Regenerate the committed OpenAPI document after an intended API change.
openapi: dev
	TIAODU_DATA_DIR=$$(mktemp -d) $(BIN)/tiaodu openapi docs/openapi.json

## Recompile translation catalogues after editing tiaodu/locale/*/LC_MESSAGES/django.po
messages: dev
	cd tiaodu && ../$(BIN)/tiaodu compilemessages

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var .mypy_cache .pytest_cache .ruff_cache
