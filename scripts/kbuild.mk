# SPDX-License-Identifier: GPL-2.0
#
# A reader for the subset of Kbuild that pvsr uses (obj-y, obj-$(CONFIG_..),
# ccflags-y, subdir-ccflags-y), so the guest is built from the very Kbuild
# files that Linux's Kbuild reads for KUnit.
#
# $(call kbuild_objs,DIR) returns the objects of DIR in link order, with
# directory entries ("sub/") expanded in place, and gives every object a
# target-specific KBUILD_DIRFLAGS with the flags Kbuild would give it.

define kbuild_read
obj-y :=
obj- :=
ccflags-y :=
subdir-ccflags-y :=
subdir-asflags-y :=
src := $(patsubst %/,%,$(if $(1),$(1),.))
include $(if $(1),$(1),./)Kbuild
KB_OBJS_$(1) := $$(obj-y)
KB_CFLAGS_$(1) := $$(ccflags-y)
KB_SUB_$(1) := $$(KB_INHERIT_$(1)) $$(subdir-ccflags-y)
endef

kbuild_entry = $(if $(filter %/,$(2)),$(eval KB_INHERIT_$(1)$(2) := $(KB_SUB_$(1)))$(call kbuild_objs,$(1)$(2)),$(eval $(BUILD)/$(1)$(2): KBUILD_DIRFLAGS := $(KB_SUB_$(1)) $(KB_CFLAGS_$(1)))$(1)$(2))

kbuild_objs = $(eval $(call kbuild_read,$(1)))$(foreach o,$(KB_OBJS_$(1)),$(call kbuild_entry,$(1),$(o)))
