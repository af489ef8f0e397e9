# leadscore - GNU Make build. See README.md ("Build and test") for the targets.
#
#   make            release build -> build/leadscore
#   make test       install missing packages, ASan+UBSan build, run every test
#   make run        install missing packages, build, serve on 127.0.0.1:5000
#   make bench      benchmarks (figures go to bench/RESULTS.md by hand)
#
# Objects go to build/$(MODE)/ where MODE is release (default), asan or debug.

MODE ?= release
B := build/$(MODE)
VERSION := 0.1.0

CC ?= cc
# xlsxwriter: Debian's libxlsxwriter (1.1.4), the XLSX export (src/jobs/export_xlsx.c).
PKGS := libmicrohttpd jansson libcurl sqlite3 zlib xlsxwriter
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) cmocka 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
# libcsv ships no .pc file (dpkg -L libcsv-dev); jansson is needed by core too.
CORE_LIBS := -lcsv $(shell pkg-config --libs jansson 2>/dev/null)

WARN := -std=c17 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition -Wpointer-arith \
	-Wcast-qual -Wwrite-strings -Wvla -Wformat=2 -Wundef -Wimplicit-fallthrough \
	-fno-common -Werror

ifeq ($(MODE),release)
  OPT := -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong
  SAN :=
else ifeq ($(MODE),asan)
  OPT := -O1 -g -fno-omit-frame-pointer
  SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
else ifeq ($(MODE),tsan)
  OPT := -O1 -g -fno-omit-frame-pointer
  SAN := -fsanitize=thread
else
  OPT := -O0 -g
  SAN :=
endif

CFLAGS := $(WARN) $(OPT) $(SAN) -DLS_VERSION='"$(VERSION)"' -Isrc -Itests $(PKG_CFLAGS) -MMD -MP
LDFLAGS := $(SAN) -pthread

CORE_SRC := $(wildcard src/core/*.c)
SHELL_SRC := $(wildcard src/sys/*.c src/auth/*.c src/store/*.c src/llm/*.c src/http/*.c src/jobs/*.c) \
	$(filter-out src/app/main.c,$(wildcard src/app/*.c))
CORE_OBJ := $(CORE_SRC:%.c=$(B)/%.o)
# The dashboard (web/) is embedded by tools/embed_web.c into one generated C file.
WEB_FILES := $(wildcard web/* web/js/*.js)
WEB_C := build/gen/web_assets.c
SHELL_OBJ := $(SHELL_SRC:%.c=$(B)/%.o) $(B)/gen/web_assets.o

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
INTEG_SRC := $(wildcard tests/integ/test_*.c)
INTEG_BIN := $(INTEG_SRC:tests/integ/%.c=$(B)/tests/%)
CONFORMANCE_BIN := $(B)/tests/check_conformance
CONFORMANCE_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard tests/conformance/*.c))
# Every response the integration tests get, for $(CONFORMANCE_BIN) (tests/integ/harness.c).
RESPONSE_LOG := $(CURDIR)/$(B)/responses.jsonl
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(B)/bench/%)

LEADSCORE := $(B)/leadscore

.SECONDARY:

.PHONY: all release asan tsan check check-unit check-integ lint-openapi test test-bins run bench-bins \
	bench deps format format-check tidy check-deps check-headers clean

all: $(LEADSCORE)
ifeq ($(MODE),release)
all: build/leadscore
build/leadscore: $(LEADSCORE)
	cp $< $@
endif

# ---- dependencies --------------------------------------------------------
# scripts/install-deps is silent and quick when everything is installed.
deps:
	@pkg-config --exists $(PKGS) cmocka libpq && test -f /usr/include/csv.h \
		&& test -f /usr/lib/python3/dist-packages/openpyxl/__init__.py \
		&& command -v promtool >/dev/null && command -v clang >/dev/null \
		&& test -x tests/openapi/node_modules/.bin/redocly \
		&& test -x /usr/bin/chromium && test -f tests/ui/node_modules/playwright-core/package.json \
		|| scripts/install-deps

# ---- build ---------------------------------------------------------------
$(B)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@

build/gen/embed_web: tools/embed_web.c src/core/sha256.c
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(CC) $(WARN) -O1 -Isrc -o $@ $^ -lz

$(WEB_C): build/gen/embed_web $(WEB_FILES)
	@echo "  EMBED   web/"
	@build/gen/embed_web web $@.tmp && mv $@.tmp $@

$(B)/gen/web_assets.o: $(WEB_C)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(B)/libcore.a: $(CORE_OBJ)
	$(AR) rcs $@ $^

$(B)/libshell.a: $(SHELL_OBJ)
	$(AR) rcs $@ $^

$(LEADSCORE): $(B)/src/app/main.o $(B)/libshell.a $(B)/libcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CORE_LIBS) -lm

# Unit tests link the pure core only: a stray call into curl, MHD or SQLite
# from src/core fails this link (STYLE.md section 3).
$(B)/tests/test_%: $(B)/tests/unit/test_%.o $(B)/libcore.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(CORE_LIBS) -lm

$(B)/tests/test_%: $(B)/tests/integ/test_%.o $(B)/tests/integ/harness.o $(B)/libshell.a \
		$(B)/libcore.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(PKG_LIBS) $(CORE_LIBS) -lm

# The conformance check: the recorded responses against GET /openapi.json, then the lint.
$(CONFORMANCE_BIN): $(CONFORMANCE_OBJ) $(B)/tests/integ/harness.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(PKG_LIBS) -lm

$(B)/tests/fake_llm: $(B)/tests/integ/fake_llm.o $(B)/tests/integ/fake_refusals.o \
		$(B)/tests/integ/fake_cost.o $(B)/tests/integ/fake_batch.o $(B)/libcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CORE_LIBS) -lm

# The model benchmarks drive the real server through the integration-test harness (whose
# checks are cmocka's, hence the library; the benchmarks call none of them).
LLM_BENCH_BIN := $(addprefix $(B)/bench/,llm_bench llm_blocked llm_cost_bench llm_batch)
$(LLM_BENCH_BIN): $(B)/bench/%: $(B)/bench/%.o $(B)/tests/integ/harness.o $(B)/libcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(PKG_LIBS) $(CORE_LIBS) -lm

$(B)/bench/%: $(B)/bench/%.o $(B)/libshell.a $(B)/libcore.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CORE_LIBS) -lm

# ---- tests ---------------------------------------------------------------
TEST_BINS = $(UNIT_BIN) $(INTEG_BIN) $(if $(wildcard tests/integ/fake_llm.c),$(B)/tests/fake_llm) \
	$(CONFORMANCE_BIN)

# The integration tests record their responses; the dashboard's browser tests (tests/ui/run)
# follow them; the conformance binary, last, checks the recorded responses against the
# document and runs the OpenAPI lint (its tests count in the summary line).
check: $(LEADSCORE) $(TEST_BINS) check-deps
	@rm -f $(RESPONSE_LOG)
	@LEADSCORE_BIN=$(LEADSCORE) FAKE_LLM_BIN=$(B)/tests/fake_llm LS_RESPONSE_LOG=$(RESPONSE_LOG) \
		tests/run-tests $(UNIT_BIN) $(INTEG_BIN) tests/ui/run $(CONFORMANCE_BIN)

check-unit: $(UNIT_BIN)
	@tests/run-tests $(UNIT_BIN)

# Redocly's recommended rules on the served document (needs: npm ci --prefix tests/openapi).
lint-openapi: $(LEADSCORE)
	@LEADSCORE_BIN=$(LEADSCORE) tests/openapi/lint

asan:
	$(MAKE) MODE=asan check

# ThreadSanitizer over the tests that run threads: the HTTP server (its I/O threads,
# the job worker and watcher), the model client and the store pool. 0 reports or it fails.
# The fake model server is a test double on libmicrohttpd: it runs uninstrumented.
TSAN_TESTS := test_http test_wire test_api test_llm test_jobs test_store test_results test_events test_session test_search test_identity test_cost test_batch test_llm_blocked
tsan: deps
	@$(MAKE) --no-print-directory MODE=tsan -j2 build/tsan/leadscore $(TSAN_TESTS:%=build/tsan/tests/%)
	@$(MAKE) --no-print-directory MODE=debug -j2 build/debug/tests/fake_llm
	@TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 $${TSAN_OPTIONS:-}" \
		LEADSCORE_BIN=build/tsan/leadscore FAKE_LLM_BIN=build/debug/tests/fake_llm \
		tests/run-tests $(TSAN_TESTS:%=build/tsan/tests/%)

test-bins: $(LEADSCORE) $(TEST_BINS)

test: deps
	@$(MAKE) --no-print-directory MODE=asan -j2 test-bins
	@$(MAKE) --no-print-directory MODE=asan check

# ---- run -----------------------------------------------------------------
run: deps
	@$(MAKE) --no-print-directory MODE=release all
	./build/leadscore serve

bench: deps
	@$(MAKE) --no-print-directory MODE=release all bench-bins
	bench/run

bench-bins: $(BENCH_BIN) $(B)/tests/fake_llm

# ---- quality -------------------------------------------------------------
FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find src tests bench -name '*.[ch]')

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)

tidy:
	clang-tidy --quiet $(CORE_SRC) $(SHELL_SRC) -- $(WARN) -DLS_VERSION='"$(VERSION)"' -Isrc \
		$(PKG_CFLAGS)

# The core must stay pure: no I/O library headers.
check-deps:
	@! grep -rnE '#include *[<"](curl/|microhttpd\.h|sqlite3\.h|libpq-fe\.h|pthread\.h)' src/core \
		|| { echo "check-deps: src/core includes an I/O library" >&2; exit 1; }

# Every header compiles on its own.
check-headers:
	@for h in $$(find src -name '*.h'); do \
		echo "#include \"$${h#src/}\"" | $(CC) $(WARN) -Isrc $(PKG_CFLAGS) -x c -fsyntax-only - \
			|| { echo "check-headers: $$h"; exit 1; }; \
	done

include tests/fuzz/fuzz.mk
clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
