# latscope — every entry point: deps, all, test, demo, bench, vmlinux.
#
#   make deps    install missing Debian packages (idempotent, quick when present)
#   make         build bpf objects, skeletons and build/latscope
#   make test    deps + build + unit tests + root integration tests
#   make demo    deps + build + trace the bundled demo workload
#   make bench   deps + build + latscope vs libbpf-tools/bpftrace/untraced

ARCH        ?= $(shell uname -m | sed 's/aarch64/arm64/')
BPF_ARCH    := $(subst x86_64,x86,$(ARCH))
BUILD       := build
CLANG       ?= clang
BPFTOOL     ?= bpftool
CC          ?= cc

CFLAGS      ?= -O2 -g
CFLAGS      += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -D_GNU_SOURCE
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
# Bench-only BPF yardsticks (tools/bench/*.bpf.c with their loaders): never
# linked into latscope.
BENCH_BINS  := $(patsubst tools/bench/%.bpf.c,$(BUILD)/tools/bench/%,$(wildcard tools/bench/*.bpf.c))

DEB_PACKAGES := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config \
                libcriterion-dev libjansson-dev libxml2-dev make gcc util-linux \
                libmicrohttpd-dev prometheus libstdc++6 e2fsprogs mount \
                libncurses-dev tmux clang-format \
                nginx wrk
BENCH_PACKAGES := libbpf-tools bpftrace
# make bench runs tools/bench/CASE.sh for each; BENCH_CASES=syscalls picks one.
BENCH_CASES ?= syscalls uprobe resources requests budget

.SECONDARY: $(BPF_OBJS) $(SKELS) $(BENCH_BINS:$(BUILD)/tools/bench/%=$(BUILD)/bench/%.bpf.o) \
            $(BENCH_BINS:$(BUILD)/tools/bench/%=$(BUILD)/bench/%.skel.h)

.PHONY: all deps bench-deps test format format-check layers unit-test integration-test demo bench vmlinux clean

all: $(BUILD)/latscope $(WORKLOADS) $(TOOLS_BINS) $(BENCH_BINS)

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

$(BUILD)/bench/%.bpf.o: tools/bench/%.bpf.c
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bench/%.skel.h: $(BUILD)/bench/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(BUILD)/tools/bench/%: tools/bench/%.c $(BUILD)/bench/%.skel.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(BUILD)/bench $< -o $@ -lbpf -lelf -lz

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

$(UNIT_BIN): $(UNIT_SRCS) $(wildcard tests/unit/*.h) $(USER_OBJS) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests $(filter %.c %.o,$^) -o $@ $(LDLIBS) -lcriterion

$(INTEG_BIN): $(INTEG_SRCS) tests/integration/run.h | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests $(INTEG_SRCS) -o $@ -ljansson -lcriterion

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

test: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(INTEG_BIN)
	@$(MAKE) --no-print-directory format-check layers unit-test integration-test

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
	rm -rf $(BUILD)
