# SPDX-License-Identifier: GPL-2.0
#
# pvsr top-level Makefile.
#
#   make            build the PV test guest (build/test-guest/pvsr-guest)
#   make demo       the main job: save/restore, checkpoint and live migration
#                   of the multi-vCPU test guest under nested Xen
#   make check      every test: build, style, harness self-tests, KUnit and
#                   the end-to-end scenarios (what .ci/run runs)
#   make kunit      the portable core's KUnit suites under UML
#
# Variables: BUILD (output folder), GUEST_CFLAGS_EXTRA (e.g. a fault
# injection define for a harness self-test), V=1 (echo commands).

BUILD ?= build
srctree := $(CURDIR)
CONFIG_PVSR_GUEST := y

CC ?= gcc
LD ?= ld
ifeq ($(V),1)
Q :=
else
Q := @
endif

include scripts/kbuild.mk

# Guest code is freestanding: no libc headers, no builtins, kernel code
# model in the top 2 GiB, no red zone (Xen bounces events onto our stack)
# and no vector registers (we never save them).
GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-ffreestanding -fno-builtin -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) \
	-mcmodel=kernel -mno-red-zone -mno-sse -mno-sse2 -mno-mmx \
	-mno-avx -msoft-float -fno-pic -fno-pie -fno-stack-protector \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fcf-protection=none -DPVSR_GUEST $(GUEST_CFLAGS_EXTRA)

CORE_OBJS := $(call kbuild_objs,)
# The guest sits beside the core, inheriting the top Kbuild's flags.
KB_INHERIT_test-guest/ := $(KB_SUB_)
GUEST_OBJS := $(call kbuild_objs,test-guest/)
ALL_OBJS := $(addprefix $(BUILD)/,$(GUEST_OBJS) $(CORE_OBJS))
GUEST_ELF := $(BUILD)/test-guest/pvsr-guest

.PHONY: all guest demo check kunit style clean FORCE
all: guest
guest: $(GUEST_ELF)

# Rebuild everything when the flags change (a self-test build flips one).
$(BUILD)/.cflags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(GUEST_CFLAGS)' | cmp -s - $@ || echo '$(GUEST_CFLAGS)' > $@

$(BUILD)/%.o: %.c $(BUILD)/.cflags
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  CC      $<')
	$(Q)$(CC) $(GUEST_CFLAGS) $(KBUILD_DIRFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/%.o: %.S $(BUILD)/.cflags
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  AS      $<')
	$(Q)$(CC) $(GUEST_CFLAGS) $(KBUILD_DIRFLAGS) -D__ASSEMBLY__ -MMD -MP -c -o $@ $<

$(GUEST_ELF): $(ALL_OBJS) test-guest/guest.lds
	@$(if $(Q),echo '  LD      $@')
	$(Q)$(LD) -nostdlib -static -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
		-T test-guest/guest.lds -o $@ $(ALL_OBJS)

demo:
	scripts/demo

check:
	scripts/check

kunit:
	scripts/kunit run

style:
	scripts/style

clean:
	rm -rf $(BUILD)

-include $(ALL_OBJS:.o=.d)
