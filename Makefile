# latscope — every entry point: deps, all, test, demo, bench, vmlinux.
#
#   make deps    install missing Debian packages (idempotent, quick when present)
#   make         build bpf objects, skeletons and build/latscope
#   make test    deps + build + unit tests + root integration tests
#   make demo    deps + build + trace the bundled demo workload
#   make bench   deps + build + latscope vs libbpf-tools/bpftrace/untraced
#   make fuzz    libFuzzer on every parser of untrusted input (FUZZ_SECONDS each)
#   make sanitize-test   ASan+UBSan+LSan latscope: unit tests, then the integration suite

ARCH        ?= $(shell uname -m | sed 's/aarch64/arm64/')
BPF_ARCH    := $(subst x86_64,x86,$(ARCH))
BUILD       := build
CLANG       ?= clang
BPFTOOL     ?= bpftool
CC          ?= cc

CFLAGS      ?= -O2 -g
# Sanitizers for a whole build, compile and link: set by make fuzz and make
# sanitize-test, each in a build directory of its own.
SANITIZE    ?=
CFLAGS      += $(SANITIZE) -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -D_GNU_SOURCE
XML_CFLAGS  := $(shell pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)
CPPFLAGS    += -I$(BUILD) -Ibpf -Iuser $(XML_CFLAGS)
# ncurses for `latscope top`: the wide-character build and its terminfo library.
NCURSES_LIBS := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)
# libstdc++ only for its C++ demangler (__cxa_demangle); linked by soname so
# the runtime package suffices, without libstdc++-dev.
LDLIBS      += -lbpf -lelf -lz -ljansson -lxml2 -lmicrohttpd -lpthread -lm \
               -l:libstdc++.so.6 $(NCURSES_LIBS)
# -mcpu=v3: atomic fetch-and-add and compare-and-swap (kernel 5.12+).
BPF_CFLAGS  := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(BPF_ARCH) \
               -Ivmlinux/$(ARCH) -Ibpf -Wall -Wno-unused-function

BPF_SRCS    := $(wildcard bpf/*.bpf.c)
BPF_OBJS    := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS       := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

# Everything in user/ (a tree of layers, see README "Layout") except
# cli/main.c also links into the unit tests.
USER_SRCS   := $(filter-out user/cli/main.c,$(shell find user -name '*.c' | sort))
USER_OBJS   := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRCS)) \
               $(BUILD)/user/syscall_table.o

UNIT_SRCS   := $(wildcard tests/unit/*.c)
UNIT_BIN    := $(BUILD)/tests/unit_tests
INTEG_SRCS  := $(wildcard tests/integration/*.c)
INTEG_BIN   := $(BUILD)/tests/integration_tests
WORKLOADS   := $(patsubst tests/workloads/%.c,$(BUILD)/workloads/%,$(filter-out tests/workloads/lib%.c,$(wildcard tests/workloads/*.c)))
# The function-tracing workload: PIE (funcs) with its own shared library,
# plus non-PIE and stripped copies.
WORKLOADS   += $(BUILD)/workloads/libfuncs.so $(BUILD)/workloads/funcs-nopie \
               $(BUILD)/workloads/funcs-stripped $(BUILD)/workloads/funcs-debuglink
TOOLS_BINS  := $(patsubst tools/%.c,$(BUILD)/tools/%,$(wildcard tools/*.c))

DEB_PACKAGES := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config \
                libcriterion-dev libjansson-dev libxml2-dev make gcc util-linux \
                libmicrohttpd-dev prometheus libstdc++6 e2fsprogs mount \
                libncurses-dev tmux clang-format libclang-rt-14-dev libxml2-utils \
                librsvg2-bin libpng-dev scdoc bash-completion zsh \
                nginx wrk
BENCH_PACKAGES := libbpf-tools bpftrace time heaptrack
# make bench runs tools/bench/CASE.sh for each; BENCH_CASES=syscalls picks one.
BENCH_CASES ?= syscalls uprobe resources requests snapshots

.SECONDARY: $(BPF_OBJS) $(SKELS)

.PHONY: all deps bench-deps test format format-check layers unit-test integration-test demo bench vmlinux clean \
	man install packaging-check fuzz fuzz-build fuzz-smoke sanitize-build \
	sanitize-unit-test sanitize-test

all: $(BUILD)/latscope $(WORKLOADS) $(TOOLS_BINS) $(BUILD)/latscope.1

deps:
	@tools/install_deps.sh $(DEB_PACKAGES)

bench-deps:
	@tools/install_deps.sh $(DEB_PACKAGES) $(BENCH_PACKAGES)

$(BUILD) $(BUILD)/user $(BUILD)/tests $(BUILD)/workloads $(BUILD)/tools:
	@mkdir -p $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(BUILD)/syscall_table.c: tools/gen_syscall_names.sh | $(BUILD)
	tools/gen_syscall_names.sh > $@

$(BUILD)/user/syscall_table.o: $(BUILD)/syscall_table.c | $(BUILD)/user
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# Dependencies come from the compiler (-MMD); only the loader includes
# skeletons, so only its objects wait for them.
$(BUILD)/user/loader/%.o: user/loader/%.c $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/user/%.o: user/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/latscope: $(BUILD)/user/cli/main.o $(USER_OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/workloads/%: tests/workloads/%.c tools/wait_for_go.h | $(BUILD)/workloads
	$(CC) $(CFLAGS) -Itools $< -o $@ -lpthread

$(BUILD)/tools/%: tools/%.c tools/wait_for_go.h | $(BUILD)/tools
	$(CC) $(CFLAGS) $< -o $@ -lpthread

$(BUILD)/workloads/libfuncs.so: tests/workloads/libfuncs.c | $(BUILD)/workloads
	$(CC) $(CFLAGS) -fPIC -shared $< -o $@

FUNCS_LINK := -L$(BUILD)/workloads -lfuncs -Wl,-rpath,'$$ORIGIN' -lpthread
FUNCS_DEPS := tests/workloads/funcs.c tools/wait_for_go.h $(BUILD)/workloads/libfuncs.so
$(BUILD)/workloads/funcs: $(FUNCS_DEPS)
	$(CC) $(CFLAGS) -Itools -fPIE -pie $< -o $@ $(FUNCS_LINK)

$(BUILD)/workloads/funcs-nopie: $(FUNCS_DEPS)
	$(CC) $(CFLAGS) -Itools -fno-PIE -no-pie $< -o $@ $(FUNCS_LINK)

$(BUILD)/workloads/funcs-stripped: $(BUILD)/workloads/funcs
	strip --strip-all $< -o $@

# Stripped, with its symbols in a separate file named by .gnu_debuglink.
$(BUILD)/workloads/funcs-debuglink: $(BUILD)/workloads/funcs
	objcopy --only-keep-debug $< $@.debug
	objcopy --strip-all --add-gnu-debuglink=$@.debug $< $@

$(UNIT_BIN): $(UNIT_SRCS) $(wildcard tests/unit/*.h bpf/*.h) $(USER_OBJS) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests $(filter %.c %.o,$^) -o $@ $(LDLIBS) -lcriterion -lpng

$(INTEG_BIN): $(INTEG_SRCS) tests/integration/run.h | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests $(INTEG_SRCS) -o $@ -ljansson -lcriterion

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

test: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(INTEG_BIN)
	@$(MAKE) --no-print-directory format-check layers unit-test packaging-check fuzz-smoke integration-test

# libFuzzer, one harness per parser of untrusted input: tests/fuzz/fuzz_NAME.c
# (exporting LLVMFuzzerTestOneInput) with its seeds in tests/fuzz/corpus/NAME/.
# A new file there is a new target; FUZZ_TARGETS=http picks some. Built with
# clang against latscope's objects compiled for fuzzing, in build-fuzz/.
FUZZ_TARGETS       ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BUILD         := build-fuzz
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 3
# UBSan aborts, so undefined behaviour is a crash the fuzzer keeps.
SAN_FLAGS          := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                      -fno-omit-frame-pointer
FUZZ_BINS           = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/fuzz_%)

# Inside the fuzz build (BUILD=build-fuzz): one rule for every harness.
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(USER_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer -Itests/fuzz $< $(USER_OBJS) -o $@ $(LDLIBS)

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
		SANITIZE="-fsanitize=fuzzer-no-link $(SAN_FLAGS)" $(FUZZ_BINS)

# Each target for FUZZ_SECONDS (or SECONDS=...), from the committed seeds;
# what it finds new goes to build-fuzz/corpus/NAME, crashes to build-fuzz/crashes/.
# tools/fuzz.sh: BINARY CORPUS SECONDS OUT_DIR
fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		tools/fuzz.sh $(FUZZ_BUILD)/fuzz/fuzz_$$t tests/fuzz/corpus/$$t \
			$(FUZZ_SECONDS) $(FUZZ_BUILD) || exit 1; done

# make test: a few seconds each, so a parser change that crashes on a seed
# or on what the fuzzer reaches from them fails the build.
fuzz-smoke: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		tools/fuzz.sh $(FUZZ_BUILD)/fuzz/fuzz_$$t tests/fuzz/corpus/$$t \
			$(FUZZ_SMOKE_SECONDS) $(FUZZ_BUILD) || exit 1; done

# ASan+UBSan+LSan: latscope and the unit tests built with clang in build-san/;
# the integration suite (plain workloads, plain test binary) runs against
# that latscope. Integration tests need the machine-wide lock (see README).
SAN_BUILD := build-san
sanitize-build:
	@$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) CC=clang SANITIZE="$(SAN_FLAGS)" \
		$(SAN_BUILD)/latscope $(SAN_BUILD)/tests/unit_tests

sanitize-unit-test: sanitize-build
	$(SAN_BUILD)/tests/unit_tests --jobs 2

# The tests find the demo tools next to $$LATSCOPE: the plain ones.
sanitize-test: deps
	@$(MAKE) --no-print-directory all $(INTEG_BIN)
	@$(MAKE) --no-print-directory sanitize-unit-test
	@ln -sfn $(CURDIR)/$(BUILD)/tools $(SAN_BUILD)/tools
	LATSCOPE=$(CURDIR)/$(SAN_BUILD)/latscope WORKLOADS=$(CURDIR)/$(BUILD)/workloads \
		$(INTEG_BIN) --jobs 1

# C sources follow .clang-format (the kernel's style, as latscope writes it).
FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^vmlinux/' || \
		find bpf user tests tools -name '*.[ch]')
format:
	@clang-format -i $(FORMAT_SRCS)

format-check:
	@clang-format --dry-run -Werror $(FORMAT_SRCS) || \
		{ echo "format-check: run 'make format'"; exit 1; }
	@echo "format-check: sources follow .clang-format"

# Includes point down the layers of user/, with no cycle (README "Layout").
layers:
	@tools/check_layers.sh user

unit-test: $(UNIT_BIN)
	$(UNIT_BIN) --jobs 2

# Integration tests need root (CAP_BPF + CAP_PERFMON). Outside CI they skip
# with a message when run unprivileged; with CI=true they always run.
integration-test: $(INTEG_BIN) all
	@if [ "$$(id -u)" -ne 0 ] && [ "$$CI" != true ]; then \
		echo "integration tests: not root, so they skip (run as root, or CI=true to make them fail instead)"; fi
	LATSCOPE=$(CURDIR)/$(BUILD)/latscope WORKLOADS=$(CURDIR)/$(BUILD)/workloads \
		$(INTEG_BIN) --jobs 1

# The man page, from tools/man/latscope.1.scd (scdoc).
man: $(BUILD)/latscope.1
$(BUILD)/latscope.1: tools/man/latscope.1.scd | $(BUILD)
	scdoc < $< > $@

# make install PREFIX=/usr DESTDIR=/tmp/stage: the binary, its man page,
# bash and zsh completion, the license. Builds nothing as root's side effect
# beyond build/.
PREFIX  ?= /usr/local
DESTDIR ?=
install: $(BUILD)/latscope $(BUILD)/latscope.1
	install -D -m 0755 $(BUILD)/latscope $(DESTDIR)$(PREFIX)/bin/latscope
	install -D -m 0644 $(BUILD)/latscope.1 $(DESTDIR)$(PREFIX)/share/man/man1/latscope.1
	install -D -m 0644 tools/completion/latscope.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/latscope
	install -D -m 0644 tools/completion/_latscope \
		$(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_latscope
	install -D -m 0644 LICENSE $(DESTDIR)$(PREFIX)/share/doc/latscope/LICENSE

# Help texts, man page, completion and install agree with the binary.
packaging-check: $(BUILD)/latscope $(BUILD)/latscope.1
	@tests/packaging/check.sh $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory all
	@tools/demo.sh $(BUILD)

bench: bench-deps
	@$(MAKE) --no-print-directory all
	@for case in $(BENCH_CASES); do tools/bench/$$case.sh $(BUILD) || exit 1; done

# Regenerate the committed vmlinux.h from the running kernel's BTF.
vmlinux:
	tools/gen_vmlinux.sh vmlinux/$(ARCH)/vmlinux.h

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(SAN_BUILD)
