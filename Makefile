# vrun — build, test, install.  `make` builds build/vrun; `make check` builds
# and runs every test (installing missing dependencies first).

VERSION := 0.1.0
CC ?= gcc
BUILD := build

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter \
	  -Wmissing-prototypes -Wstrict-prototypes -fno-strict-aliasing -D_GNU_SOURCE -I.
# `make check SANITIZE=address,undefined` builds vrun and the tests with
# those sanitizers (not the agent: a static binary, which ASan cannot be);
# a change of flags rebuilds everything (cflags.stamp).
SANITIZE ?=
STATIC_CFLAGS := $(CFLAGS)
ifneq ($(SANITIZE),)
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=$(SANITIZE)
endif
LDLIBS := -lyajl -lkmod -larchive -lcrypto -lnl-route-3 -lnl-3 -lseccomp -lcap -lpthread
NL_CFLAGS := -I/usr/include/libnl3

LIB_SRC := agent/protocol.c $(wildcard common/*.c oci-spec/*.c vmm/*.c vmm/hw/*.c vmm/virtio/*.c vmm/virtio/fs/*.c rootfs/*.c netns/*.c) $(filter-out runtime/main.c,$(wildcard runtime/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/rootfs/agent_blob.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
ALL_OBJ := $(LIB_OBJ) $(BUILD)/runtime/main.o $(UNIT_SRC:%.c=$(BUILD)/%.o) \
	   $(BUILD)/tests/tools/vmm_boot.o

.PHONY: all bench check deps guest-kernel guest-kernel-vrun demo format format-check clean install unit-tests FORCE
all: $(BUILD)/vrun

# The commit is baked into `vrun --version`; the header changes only when
# the commit does, so an unchanged tree does not rebuild.
$(BUILD)/commit.h: FORCE
	@mkdir -p $(@D)
	@c=$$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown); \
	 d=$$(git status --porcelain 2>/dev/null | grep -q . && echo -dirty); \
	 printf '#define VRUN_COMMIT "%s%s"\n#define VRUN_VERSION "%s"\n' "$$c" "$$d" "$(VERSION)" > $@.tmp; \
	 cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/runtime/version.o: $(BUILD)/commit.h
$(BUILD)/runtime/version.o: CFLAGS += -I$(BUILD)
$(BUILD)/netns/%.o $(BUILD)/tests/unit/test_net.o: CFLAGS += $(NL_CFLAGS)

$(BUILD)/cflags.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CFLAGS) $(LDFLAGS)' >$@

$(BUILD)/%.o: %.c $(BUILD)/cflags.stamp
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# The guest agent: a static PID 1, embedded into vrun (rootfs/agent_blob.S).
# It parses config.json with the same oci-spec code as the runtime.
AGENT_SRC := $(wildcard agent/*.c) oci-spec/config.c oci-spec/schema.c oci-spec/validate.c \
	     oci-spec/names.c oci-spec/state.c oci-spec/hooks.c common/error.c common/fs.c common/json.c \
	     common/beneath.c common/etc_users.c common/fdpass.c common/hook.c
$(BUILD)/agent/vrun-agent: $(AGENT_SRC) $(wildcard agent/*.h)
	@mkdir -p $(@D)
	$(CC) $(STATIC_CFLAGS) -static -o $@ $(AGENT_SRC) -l:libyajl_s.a -l:libseccomp.a -l:libcap.a

$(BUILD)/rootfs/agent_blob.o: rootfs/agent_blob.S $(BUILD)/agent/vrun-agent
	@mkdir -p $(@D)
	$(CC) -c -DAGENT_PATH='"$(BUILD)/agent/vrun-agent"' -o $@ $<

$(BUILD)/libvrun.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/vrun: $(BUILD)/runtime/main.o $(BUILD)/libvrun.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libvrun.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/tests/vmm_boot: $(BUILD)/tests/tools/vmm_boot.o $(BUILD)/libvrun.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lpthread

$(BUILD)/tests/console_recv: tests/tools/console_recv.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<

$(BUILD)/tests/mklayer: tests/tools/mklayer.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< -larchive

# Static: it runs inside the benchmark's busybox rootfs too.
$(BUILD)/tests/tcprr: tests/tools/tcprr.c
	@mkdir -p $(@D)
	$(CC) $(STATIC_CFLAGS) -static -o $@ $<

$(BUILD)/tests/fdtool: tests/tools/fdtool.c
	@mkdir -p $(@D)
	$(CC) $(STATIC_CFLAGS) -static -o $@ $<

$(BUILD)/tests/fsbench: tests/tools/fsbench.c
	@mkdir -p $(@D)
	$(CC) $(STATIC_CFLAGS) -static -o $@ $<

# Static: it runs in the test containers' busybox rootfs.
$(BUILD)/tests/guest_attack: tests/tools/guest_attack.c
	@mkdir -p $(@D)
	$(CC) $(STATIC_CFLAGS) -static -o $@ $<

$(BUILD)/tests/kvm_smoke: tests/vmhost/kvm_smoke.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<

unit-tests: $(UNIT_BIN)

# Keep test objects (make would delete them as intermediates after check).
.SECONDARY: $(UNIT_SRC:%.c=$(BUILD)/%.o)

deps:
	@tools/deps

guest-kernel:
	@tools/guest-kernel $(BUILD)/guest

# vrun's own guest kernel (tools/guest-kernel.config: the cloud kernel's
# configuration, its guest drivers built in, no modules, no BTF, no
# ftrace), built from Debian's linux-source-6.1: opt-in, it takes tens of
# minutes.  `make bench` adds rows for it when it is there.
guest-kernel-vrun:
	@tools/guest-kernel-build $(BUILD)/guest-vrun

# The newcomer's demo: a busybox container run in a microVM with `vrun run`
# (through the emulated test host where this machine has no VT-x/AMD-V).
DEMO_CMD := echo "Hello from a container in a vrun microVM."; echo "guest kernel: $$(uname -r)"; \
	    echo "pid in its namespace: $$$$, hostname: $$(hostname)"
demo: deps all guest-kernel
	@tests/lib/make-bundle $(BUILD)/demo/bundle sh -c '$(DEMO_CMD)'
	@echo "make demo: vrun run --bundle $(BUILD)/demo/bundle demo"
	@tests/vmhost/run $(BUILD)/vrun run --bundle $(CURDIR)/$(BUILD)/demo/bundle demo

# Every benchmark, one table (tests/bench/all); the VM ones through the
# emulated test host where this machine has no VT-x/AMD-V, with one
# test-host vCPU: with two on this 2-core machine, the TCG vCPU threads and
# the nested guests' stalled each other (runs that froze for minutes).
bench: deps all guest-kernel $(BUILD)/tests/fsbench $(BUILD)/tests/tcprr
	@tests/bench/all

check: deps all unit-tests guest-kernel $(BUILD)/tests/kvm_smoke $(BUILD)/tests/vmm_boot \
       $(BUILD)/tests/console_recv $(BUILD)/tests/mklayer $(BUILD)/tests/fdtool \
       $(BUILD)/tests/guest_attack $(BUILD)/tests/fsbench fuzz-build
	@SANITIZE=$(SANITIZE) tests/run-all

FORMAT_SRC = $(shell git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build/*')
format:
	clang-format -i $(FORMAT_SRC)
format-check:
	clang-format --dry-run --Werror $(FORMAT_SRC)

# vrun, and the guest kernel with its modules under /usr/share/vrun (the
# second place vrun looks for a kernel).
PREFIX ?= /usr/local
GUEST_DIR ?= /usr/share/vrun
install: $(BUILD)/vrun guest-kernel
	install -D -m 0755 $(BUILD)/vrun $(DESTDIR)$(PREFIX)/bin/vrun
	install -d $(DESTDIR)$(GUEST_DIR)/lib/modules
	kver=$$(readlink $(BUILD)/guest/vmlinuz | sed 's/^vmlinuz-//'); \
	install -m 0644 $(BUILD)/guest/vmlinuz-$$kver $(DESTDIR)$(GUEST_DIR)/vmlinuz-$$kver && \
	ln -sfn vmlinuz-$$kver $(DESTDIR)$(GUEST_DIR)/vmlinuz && \
	rm -rf $(DESTDIR)$(GUEST_DIR)/lib/modules/$$kver && \
	cp -a $(BUILD)/guest/lib/modules/$$kver $(DESTDIR)$(GUEST_DIR)/lib/modules/

clean:
	rm -rf $(BUILD)

-include $(ALL_OBJ:.o=.d)

# Fuzzing (clang with libFuzzer, ASan and UBSan: apt-get install clang
# libclang-rt-14-dev).  The library is built again, instrumented, under
# $(BUILD)/fuzz; each tests/fuzz/fuzz_NAME.c is a target, its seeds in
# tests/fuzz/corpus/NAME.  `make fuzz FUZZ_SECONDS=N` runs each for N
# seconds; `make check` runs each for 30 and fails on any crash, leak or
# sanitizer report.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_CFLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -I$(BUILD) $(NL_CFLAGS) \
	       -fsanitize=address,undefined -fno-sanitize-recover=undefined
$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	@clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
$(BUILD)/fuzz/obj/runtime/version.o: $(BUILD)/commit.h
$(BUILD)/fuzz/libvrun.a: $(LIB_SRC:%.c=$(BUILD)/fuzz/obj/%.o) $(BUILD)/rootfs/agent_blob.o
	@rm -f $@
	@ar rcs $@ $^
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/fuzz/libvrun.a $(wildcard tests/fuzz/*.h)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/fuzz/libvrun.a $(LDLIBS)
fuzz-build: $(FUZZ_BIN)
fuzz: fuzz-build
	@tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_TARGETS)
.PHONY: fuzz fuzz-build
-include $(LIB_SRC:%.c=$(BUILD)/fuzz/obj/%.d)
