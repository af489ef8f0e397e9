# tests/fuzz/fuzz.mk - libFuzzer targets (issue #7). Included by the Makefile.
#
#   make fuzz                     builds every tests/fuzz/fuzz_*.c into build/fuzz/<name>
#   make fuzz-smoke               runs each for FUZZ_SECONDS (default 30) on a scratch copy
#                                 of tests/fuzz/corpus/<name>/; fails on any crash, leak,
#                                 timeout or sanitizer report
#   make fuzz-smoke FUZZ_TARGETS="fuzz_csv_in fuzz_offer"   only those
#   FUZZ_STRICT=1 make fuzz-smoke  also checks the known, reported bugs (fuzz.h)
#   build/fuzz/<name> FILE        replays one input; build/fuzz/<name> -help=1 for more
#
# Needs clang and libclang-rt-14-dev (Debian 12); llvm-14 is optional and only
# symbolizes stack traces. The pure core is compiled again here, with
# libFuzzer's coverage instrumentation and ASan+UBSan, into build/fuzz/obj/:
# a target links the core and jansson and libcsv, nothing from the I/O shell.
# New targets are picked up by the wildcard; seeds go in tests/fuzz/corpus/<name>/.
# A target that needs a file from outside src/core names its object and libraries:
#   $(FUZZ_B)/fuzz_multipart: $(FUZZ_B)/obj/src/http/multipart.o
#   FUZZ_LIBS_fuzz_multipart := $(shell pkg-config --libs libmicrohttpd)

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
# Targets run side by side, each on one core (libFuzzer is single-threaded).
FUZZ_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
# Passed to every run: a 10 s input is a hang; inputs up to 8 KiB.
FUZZ_FLAGS ?= -timeout=10 -rss_limit_mb=2048 -max_len=8192
# Logs, failing inputs and scratch corpora of fuzz-smoke, one directory per target.
FUZZ_OUT ?= build/fuzz/smoke
# Warnings of the Makefile's WARN that clang does not know (none with clang 14).
FUZZ_WARN_SKIP ?=

FUZZ_B := build/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := $(filter-out $(FUZZ_WARN_SKIP),$(WARN)) -O1 -g -fno-omit-frame-pointer \
	-Isrc -Itests $(PKG_CFLAGS) -MMD -MP
FUZZ_LIBS := -ljansson -lcsv -lm
# clang's -Wformat=2 also flags vsnprintf(fmt, ap) in a va_list wrapper, which
# gcc exempts; ls_buf_vprintf lacks __attribute__((format(printf, 2, 0))).
$(FUZZ_B)/obj/src/core/buf.o: FUZZ_CFLAGS += -Wno-format-nonliteral

FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(FUZZ_SRC:tests/fuzz/%.c=%)
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_BIN := $(FUZZ_NAMES:%=$(FUZZ_B)/%)
FUZZ_CORE_OBJ := $(CORE_SRC:%.c=$(FUZZ_B)/obj/%.o)

.PHONY: fuzz fuzz-smoke fuzz-cc

fuzz: $(FUZZ_BIN)

# Says what to install instead of failing on a missing compiler or libFuzzer.
fuzz-cc:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 && \
		ls "$$($(FUZZ_CC) -print-runtime-dir)"/libclang_rt.fuzzer-*.a >/dev/null 2>&1 || { \
		echo "fuzz: needs $(FUZZ_CC) with libFuzzer: apt-get install clang libclang-rt-14-dev" >&2; \
		exit 1; }

$(FUZZ_B)/obj/src/%.o: src/%.c | fuzz-cc
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c $< -o $@

$(FUZZ_B)/obj/tests/fuzz/%.o: tests/fuzz/%.c | fuzz-cc
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -c $< -o $@

$(FUZZ_B)/libcore.a: $(FUZZ_CORE_OBJ)
	@rm -f $@
	@$(AR) rcs $@ $^

$(FUZZ_B)/fuzz_%: $(FUZZ_B)/obj/tests/fuzz/fuzz_%.o $(FUZZ_B)/libcore.a
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $(filter-out %.a,$^) $(filter %.a,$^) \
		$(FUZZ_LIBS_$(@F)) $(FUZZ_LIBS)

fuzz-smoke: $(FUZZ_TARGETS:%=$(FUZZ_B)/%)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_FLAGS="$(FUZZ_FLAGS)" \
		FUZZ_OUT=$(FUZZ_OUT) tests/fuzz/run-smoke $(FUZZ_TARGETS)

-include $(wildcard $(FUZZ_CORE_OBJ:.o=.d) $(FUZZ_SRC:%.c=$(FUZZ_B)/obj/%.d))
