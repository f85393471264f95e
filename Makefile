# Everything the project needs is installed from here: the virtual environment, the French
# spaCy model (PyPI) and the coreferee French model (COREFEREE_MODEL).
#
# COREFEREE_MODEL is where the coreferee French model comes from:
#   a wheel file (default: the one in ../shared/models), or
#   "network" to run `python -m coreferee install fr` on a machine with network access, or
#   "none" to run without it (quotes then uses its own pronoun ranking, and says so).
PYTHON ?= python3
VENV ?= .venv
COREFEREE_MODEL ?= ../shared/models/coreferee_model_fr-1.5.0+dem1921-py3-none-any.whl
BIN := $(VENV)/bin
# The PostgreSQL server scripts/postgres.sh starts; the storage and search tests run on it too.
# scripts/chromium.sh installs Debian's chromium and chromium-driver for tests/test_web_browser.py.
export QUOTES_TEST_PG ?= postgresql://postgres@127.0.0.1:54329/postgres

.PHONY: setup run test lint bench model clean fuzz

$(BIN)/quotes: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@case "$(COREFEREE_MODEL)" in \
	  none) echo "coreferee model: not installed (COREFEREE_MODEL=none)";; \
	  network) $(BIN)/python -m coreferee install fr;; \
	  *) $(BIN)/pip install --quiet "$(COREFEREE_MODEL)";; \
	esac
	touch $(BIN)/quotes

setup: $(BIN)/quotes

run: setup
	$(BIN)/quotes extract samples/

lint: setup
	$(BIN)/ruff check quotes tests cli.py benchmarks
	$(BIN)/mypy

test: setup
	bash scripts/postgres.sh start
	bash scripts/chromium.sh
	$(BIN)/ruff check quotes tests cli.py benchmarks
	$(BIN)/mypy
	QUOTES_TEST_BROWSER=1 $(BIN)/pytest -q

# The fuzz suite at 10,000 examples (`make test` runs a few hundred); prints how many ran.
fuzz: setup
	QUOTES_FUZZ_EXAMPLES=10000 $(BIN)/pytest -q -s -p no:cacheprovider tests/test_fuzz_robust.py

# The speaker scorer shipped in the package, trained on the shared annotated corpora (deterministic).
model: setup
	$(BIN)/quotes train ../shared/corpus/train ../shared/corpus/dev --output quotes/data/model --cross-validate 5

bench: setup
	$(BIN)/python benchmarks/extract_speed.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
