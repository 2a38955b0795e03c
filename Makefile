# Apus: bare-metal build (hypervisor and test images), QEMU run/test/debug,
# board images. `make help` lists the targets. The host side (core tests,
# `apus` tool, QEMU integration tests) is SwiftPM's: Package.swift.

SHELL := /bin/bash
.DEFAULT_GOAL := all

BUILD    ?= build
SWIFT_BIN ?= $(if $(wildcard /opt/swift/usr/bin/swiftc),/opt/swift/usr/bin/,)
SWIFTC   := $(SWIFT_BIN)swiftc
SWIFT    := $(SWIFT_BIN)swift
OBJDUMP  := $(if $(wildcard /opt/swift/usr/bin/llvm-objdump),/opt/swift/usr/bin/llvm-objdump,llvm-objdump)
CLANG    := $(if $(wildcard /opt/swift/usr/bin/clang),/opt/swift/usr/bin/clang,clang)
DEMANGLE := $(SWIFT_BIN)swift-demangle
CROSS    := arm-none-eabi-
CC       := $(CROSS)gcc
LD       := $(CROSS)ld
OBJCOPY  := $(CROSS)objcopy

# The machine: one of the platform descriptions in Sources/HypervisorCore/Platform
# (docs/PLATFORMS.md). Its facts reach the boot stub and the link map through
# $(BUILD)/platform/<name>/board.h and board.ld, which `apus platform` writes.
PLATFORMS := vexpress-a15 virt
PLATFORM ?= vexpress-a15
ifeq ($(filter $(PLATFORM),$(PLATFORMS)),)
  $(error PLATFORM=$(PLATFORM) is not a known value: use PLATFORM=vexpress-a15 (default) or PLATFORM=virt)
endif
# How the machine ends a run (EXIT) and how QEMU starts Apus (BOOT), per platform.
EXIT_METHODS_vexpress-a15 := semihosting sysctl
EXIT_METHODS_virt         := semihosting psci
BOOT_METHODS_vexpress-a15 := kernel
BOOT_METHODS_virt         := kernel uboot
QEMU_MACHINE_vexpress-a15 := -M vexpress-a15,virtualization=on -cpu cortex-a15
QEMU_MACHINE_virt         := -M virt,virtualization=on -cpu cortex-a15
DEFAULT_CONFIG_vexpress-a15 := Configs/two-vms.dts
DEFAULT_CONFIG_virt         := Configs/paper-sedf.dts
# How `make image` builds end a run on the board (no semihosting there).
BOARD_EXIT_vexpress-a15 := sysctl
BOARD_EXIT_virt         := psci

# The system to build: a device-tree configuration (docs/CONFIG.md).
CONFIG   ?= $(DEFAULT_CONFIG_$(PLATFORM))
# CHECK=0 skips the host-side `apus check` (only to prove the hypervisor refuses bad configurations too).
CHECK    ?= 1

# How the hypervisor ends a run: semihosting (QEMU, exact exit status, the
# default on both platforms), sysctl (vexpress-a15's SYS_CFGCTRL shutdown) or
# psci (PSCI SYSTEM_OFF, virt and boards with PSCI firmware).
EXIT     ?= semihosting
# How QEMU starts Apus: kernel (-kernel apus.elf) or uboot (Debian's U-Boot
# loads the uImage, virt only).
BOOT     ?= kernel
# RAM given to QEMU and assumed by the link map, in MiB.
RAM_MB   ?= 256
# Physical CPUs QEMU gives the machine (-smp), 1 to 4; the hypervisor starts
# every one of them (docs/SMP.md). Unset: as many as CONFIG uses (its highest
# `cpu` + 1, from `apus check --print-cpus`).
SMP      ?=
# TRACE=1 builds a hypervisor that prints its trace ring when all VMs have stopped.
TRACE    ?= 0
# MEASURE=1 builds a hypervisor that counts traps by kind and the instructions
# retired in HYP and in guests, and prints them at the end (make bench's Linux census).
MEASURE  ?= 0
# Seconds a QEMU run may take in `make run` before it is stopped (0: no limit).
TIMEOUT  ?= 0
# Size of newly created disk images (build/disk-*.img), in MiB.
DISK_MB  ?= 16

ifneq ($(SMP),)
  ifeq ($(filter $(SMP),1 2 3 4),)
    $(error SMP=$(SMP) is not a known value: use SMP=1, 2, 3 or 4 (physical CPUs))
  endif
endif
ifeq ($(filter $(EXIT),semihosting sysctl psci),)
  $(error EXIT=$(EXIT) is not a known value: use EXIT=semihosting (QEMU), EXIT=sysctl (vexpress-a15) or EXIT=psci (virt))
endif
ifeq ($(filter $(EXIT),$(EXIT_METHODS_$(PLATFORM))),)
  $(error EXIT=$(EXIT) does not work on PLATFORM=$(PLATFORM): use EXIT=$(subst $() , or EXIT=,$(EXIT_METHODS_$(PLATFORM))))
endif
ifeq ($(filter $(BOOT),kernel uboot),)
  $(error BOOT=$(BOOT) is not a known value: use BOOT=kernel (default) or BOOT=uboot (PLATFORM=virt))
endif
ifeq ($(filter $(BOOT),$(BOOT_METHODS_$(PLATFORM))),)
  $(error BOOT=$(BOOT) does not work on PLATFORM=$(PLATFORM): use BOOT=$(subst $() , or BOOT=,$(BOOT_METHODS_$(PLATFORM))) (Debian's u-boot-qemu runs on PLATFORM=virt))
endif
ifeq ($(shell [[ "$(RAM_MB)" =~ ^[0-9]+$$ ]] && [ "$(RAM_MB)" -ge 64 ] && [ "$(RAM_MB)" -le 1024 ] && echo ok),)
  $(error RAM_MB=$(RAM_MB) is not valid: give a whole number of MiB from 64 to 1024)
endif
ifeq ($(shell [[ "$(DISK_MB)" =~ ^[0-9]+$$ ]] && [ "$(DISK_MB)" -ge 1 ] && [ "$(DISK_MB)" -le 4096 ] && echo ok),)
  $(error DISK_MB=$(DISK_MB) is not valid: give a whole number of MiB from 1 to 4096 for new disk images)
endif
ifeq ($(shell [[ "$(TIMEOUT)" =~ ^[0-9]+$$ ]] && echo ok),)
  $(error TIMEOUT=$(TIMEOUT) is not valid: give a whole number of seconds (0 = no limit))
endif

# Sources/Guests/<Name> builds build/guests/<name>.bin: "load" -> "Load".
capitalize = $(shell n='$(1)'; echo "$$(echo $${n:0:1} | tr a-z A-Z)$${n:1}")

ifeq ($(wildcard $(CONFIG)),)
  $(error CONFIG=$(CONFIG) does not exist: name a configuration file, e.g. CONFIG=Configs/two-vms.dts)
endif
ifeq ($(filter $(TRACE),0 1),)
  $(error TRACE=$(TRACE) is not a known value: use TRACE=0 (default) or TRACE=1)
endif
ifeq ($(filter $(MEASURE),0 1),)
  $(error MEASURE=$(MEASURE) is not a known value: use MEASURE=0 (default) or MEASURE=1)
endif
ifeq ($(filter $(CHECK),0 1),)
  $(error CHECK=$(CHECK) is not a known value: use CHECK=1 (default) or CHECK=0)
endif
# CONFIG may be any path: its build folder is named after the file and a hash
# of its absolute path, so same-named files in different folders never share one.
CONFIG_PATH := $(abspath $(CONFIG))
CONFIG_FILE_NAME := $(basename $(notdir $(CONFIG)))
CONFIG_NAME := $(CONFIG_FILE_NAME)-$(shell printf '%s' '$(CONFIG_PATH)' | md5sum | cut -c1-8)
CONFIG_DIR  := $(BUILD)/config/$(PLATFORM)/$(CONFIG_NAME)
# `make image`: the board image of CONFIG for PLATFORM, named after both.
IMAGE_DIR  := $(BUILD)/image/$(PLATFORM)/$(CONFIG_NAME)
IMAGE_BASE := $(BUILD)/apus-$(CONFIG_FILE_NAME)-$(PLATFORM)
IMAGE_NAME := $(shell echo "Apus $(CONFIG_FILE_NAME) $(PLATFORM)" | cut -c1-31)

# Every option that shapes an output has a stamp file, $(BUILD)/options/NAME,
# holding its value and rewritten only when the value changes; each output
# depends on the stamps of the options it uses, so changing one rebuilds
# exactly what it shapes (a new option: add it to BUILD_OPTIONS and to the
# prerequisites of what it shapes). PLATFORM and EXIT need no stamp where the
# output's path names them (build/platform/P/E, build/config/P).
BUILD_OPTIONS := CONFIG_PATH CHECK EXIT RAM_MB TRACE MEASURE PLATFORM
option = $(addprefix $(BUILD)/options/,$(1))
define option_stamp
$(BUILD)/options/$(1): FORCE
	@mkdir -p $$(@D)
	@printf '%s\n' '$$($(1))' > $$@.tmp
	@cmp -s $$@.tmp $$@ && rm $$@.tmp || mv $$@.tmp $$@
endef
$(foreach o,$(BUILD_OPTIONS),$(eval $(call option_stamp,$(o))))

# $(call exit_define,E): what the Swift and assembly code test for exit method E.
exit_define = $(if $(filter semihosting,$(1)),-D APUS_SEMIHOSTING)

INCLUDE  := Sources/Hypervisor/include
SWIFT_TARGET_FLAGS := -target armv7-none-none-eabi -enable-experimental-feature Embedded \
	-wmo -parse-as-library -Osize -g -swift-version 6 \
	-Xfrontend -disable-stack-protector -Xfrontend -function-sections \
	-target-cpu cortex-a15 -Xcc -mfpu=none -Xcc -mfloat-abi=soft \
	-no-allocations
# $(call platform_dir,P): where platform P's generated files go; $(call hv_dir,P,E):
# its hypervisor objects for exit method E.
platform_dir = $(BUILD)/platform/$(1)
hv_dir = $(BUILD)/platform/$(1)/$(2)
SWIFT_HV_FLAGS = $(SWIFT_TARGET_FLAGS) -I $(BUILD)/core -I $(BUILD)/rings -I $(INCLUDE) \
	$(if $(filter 1,$(TRACE)),-D APUS_TRACE_DUMP,) $(if $(filter 1,$(MEASURE)),-D APUS_MEASURE,)
CFLAGS   := -mcpu=cortex-a15 -marm -mfloat-abi=soft -O2 -g -ffreestanding -fno-builtin \
	-fno-tree-loop-distribute-patterns -fno-short-enums -Wall -Werror -I $(INCLUDE)
ASFLAGS  := -mcpu=cortex-a15 -marm -g -I $(INCLUDE)
LIBGCC    = $(shell $(CC) -mcpu=cortex-a15 -mfloat-abi=soft -print-libgcc-file-name)
LDFLAGS  := --gc-sections -z noexecstack --no-enum-size-warning \
	--defsym=RAM_SIZE=$(shell echo $$(( $(RAM_MB) * 1024 * 1024 )))

CORE_SRCS := $(shell find Sources/HypervisorCore -name '*.swift' | sort)
RINGS_SRCS := $(shell find Sources/XenRings -name '*.swift' | sort)
XENSTORE_SRCS := $(shell find Sources/Xenstore -name '*.swift' | sort)
GUESTKIT_SRCS := $(shell find Sources/GuestKit -name '*.swift' | sort)
HV_SRCS   := $(shell find Sources/Hypervisor -name '*.swift' | sort)
BOOT_SRCS := $(filter-out Boot/payload.S,$(sort $(wildcard Boot/*.S)))
TEST_IMAGE_SRCS := $(sort $(wildcard Tests/Images/*.swift))
TEST_IMAGES := $(patsubst Tests/Images/%.swift,$(BUILD)/test-%.elf,$(TEST_IMAGE_SRCS))
# $(call hv_base_objs,P,E): the hypervisor for platform P and exit method E, without a configuration.
hv_base_objs = $(patsubst Boot/%.S,$(call hv_dir,$(1),$(2))/boot/%.o,$(BOOT_SRCS)) \
	$(call hv_dir,$(1),$(2))/hypervisor.o $(BUILD)/core/core.o $(BUILD)/rings/rings.o $(BUILD)/runtime.o
HV_BASE_OBJS = $(call hv_base_objs,$(PLATFORM),$(EXIT))
# Systems the integration tests boot: every configuration in Configs/, plus
# invalid ones (built without the host check) that the hypervisor must refuse.
# On virt: every configuration in Configs/ that names no device and no Linux kernel (those are
# platform-neutral) and the virt versions of the others in Configs/virt/.
TEST_SYSTEM_CONFIGS := $(sort $(wildcard Configs/*.dts) $(wildcard Configs/edge/*.dts))
TEST_SYSTEMS := $(foreach c,$(TEST_SYSTEM_CONFIGS),$(BUILD)/systems/$(basename $(notdir $(c))).elf)
VIRT_SYSTEM_CONFIGS := $(sort $(shell grep -L -E 'device@|kernel = ' $(wildcard Configs/*.dts)) $(wildcard Configs/virt/*.dts))
VIRT_SYSTEMS := $(foreach c,$(VIRT_SYSTEM_CONFIGS),$(BUILD)/virt/systems/$(basename $(notdir $(c))).elf)
# ... and the paper's SEDF system on virt as a board image, which U-Boot starts
# (also built with semihosting, so a refused boot reports its exit status).
UBOOT_TEST_IMAGES := $(BUILD)/uboot/apus-paper-sedf-virt.uImage $(BUILD)/uboot/apus-paper-sedf-virt-semihosting.uImage
REFUSED_SYSTEM_CONFIGS := $(addprefix Configs/bad/,overlapping-vms.dts over-utilization.dts \
	memory-over-gic-cpu-interface.dts stage2-tables-exhausted.dts entry-in-reserved-page.dts \
	label-not-unique.dts image-runs-into-reserved-pages.dts below-scheduling-minimum.dts \
	linux-memory-too-small.dts linux-kernel-not-a-zimage.dts cpu-not-present.dts cpu-over-reserved.dts \
	vcpu-cpu-not-present.dts vcpu-over-reserved.dts device-compatible-on-apus-guest.dts)
REFUSED_SYSTEMS := $(foreach c,$(REFUSED_SYSTEM_CONFIGS),$(BUILD)/systems/refused-$(basename $(notdir $(c))).elf)
# Test systems whose payload lifts the SEDF scheduling minimum, to show what it
# prevents: the hypervisor reports the VM it starves (docs/CONFIG.md).
UNCHECKED_SYSTEM_CONFIGS := Configs/bad/below-scheduling-minimum.dts
UNCHECKED_SYSTEMS := $(foreach c,$(UNCHECKED_SYSTEM_CONFIGS),$(BUILD)/systems/unchecked-$(basename $(notdir $(c))).elf)
VERSION   := 0.1.0$(shell git rev-parse --short HEAD >/dev/null 2>&1 && echo "-$$(git rev-parse --short HEAD)")

# Guests: Sources/GuestKit (pure guest logic) and Sources/GuestRuntime (hardware
# and hypercall access) are linked into every Sources/Guests/<Name> program.
GUEST_RUNTIME_SRCS := $(sort $(wildcard Sources/GuestRuntime/*.swift))
GUEST_NAMES := $(notdir $(wildcard Sources/Guests/*))
GUEST_BINS  := $(foreach g,$(GUEST_NAMES),$(BUILD)/guests/$(shell echo $(g) | tr A-Z a-z).bin)
# The load guest linked for other guest-physical bases (Configs/edge/edge-around-gic.dts).
RELOCATED_GUEST_BASES := 2be01000 2c004000
GUEST_BINS  += $(foreach b,$(RELOCATED_GUEST_BASES),$(BUILD)/guests/load-at-$(b).bin)
GUEST_INCLUDE := Sources/GuestRuntime/include
SWIFT_GUEST_FLAGS := $(SWIFT_TARGET_FLAGS) -I $(BUILD)/core -I $(BUILD)/rings -I $(BUILD)/xenstore -I $(BUILD)/guestkit -I $(BUILD)/guest-runtime -I $(GUEST_INCLUDE)
GUEST_LDFLAGS := -L $(BUILD)/gen -T LinkerScripts/guest.ld --gc-sections -z noexecstack --no-enum-size-warning

QEMU      := qemu-system-arm
# In recipes only: the CPU count comes from the apus tool when SMP is unset.
QEMU_SMP = $(if $(SMP),$(SMP),$$($(APUS_TOOL) check $(CONFIG) --print-cpus))
QEMU_MACHINE = $(QEMU_MACHINE_$(PLATFORM)) -smp $(QEMU_SMP) -m $(RAM_MB)M
# -icount shift=0,sleep=off: one instruction is one nanosecond of virtual time
# and runs are bit-identical (docs/PLATFORM.md); guests measure CPU work in instructions.
# Semihosting on both platforms ends the run with the hypervisor's exit status;
# a guest can reach it too (docs/CONSOLE.md), so whatever is written through it
# goes to a file, never to the console.
QEMU_FLAGS = $(QEMU_MACHINE) -nographic -audiodev none,id=none \
	$(if $(filter vexpress-a15,$(PLATFORM)),-global pl041.audiodev=none) \
	-semihosting-config enable=on,target=native,chardev=semihosting \
	-chardev file,id=semihosting,path=$(BUILD)/semihosting.log -icount shift=0,sleep=off
# Block devices and UART1 (docs/BLOCK.md): the first virtio-blk device lands on
# transport 3 (0x1C130600, the driver domain's by convention), the second on
# transport 2 (0x1C130400, a guest's by passthrough). The images persist between
# runs; delete them for fresh disks. UART1 (a passthrough UART) goes to a file.
DISK_SPLIT  := $(BUILD)/disk-split.img
DISK_DIRECT := $(BUILD)/disk-direct.img
QEMU_DEVICES := -serial mon:stdio $(if $(filter vexpress-a15,$(PLATFORM)),-serial file:$(BUILD)/uart1.log) \
	-drive if=none,id=split,format=raw,file=$(DISK_SPLIT) -device virtio-blk-device,drive=split \
	-drive if=none,id=direct,format=raw,file=$(DISK_DIRECT) -device virtio-blk-device,drive=direct

# Tools a fresh machine needs, as command:package.
BASE_TOOLS  := arm-none-eabi-gcc:gcc-arm-none-eabi arm-none-eabi-ld:binutils-arm-none-eabi \
	qemu-system-arm:qemu-system-arm dtc:device-tree-compiler
DEBUG_TOOLS := gdb-multiarch:gdb-multiarch
IMAGE_TOOLS := mkimage:u-boot-tools mkenvimage:u-boot-tools
# Debian's U-Boot for QEMU virt (32-bit): BOOT=uboot and the U-Boot boot test.
UBOOT_BIN   := /usr/lib/u-boot/qemu_arm/u-boot.bin

.PHONY: linux trace apus-tool guests all help tools debug-tools image-tools uboot-tools run test test-host bench debug image asmcheck clean

all: tools $(BUILD)/apus.elf $(BUILD)/xenstore/xenstore.o $(BUILD)/apus.dis $(BUILD)/asmcheck.ok $(TEST_IMAGES) guests $(TEST_SYSTEMS) $(REFUSED_SYSTEMS) \
	$(UNCHECKED_SYSTEMS) $(VIRT_SYSTEMS) uboot-tools $(UBOOT_TEST_IMAGES) $(BUILD)/uboot/env.img

guests: $(GUEST_BINS)

help:
	@echo "make [all]      build the hypervisor, guests and every system image"
	@echo "make run        build and boot CONFIG in QEMU on PLATFORM (console on this terminal; BOOT=uboot on virt)"
	@echo "make test       build everything and run all tests (host XCTest + QEMU integration)"
	@echo "make test-host  only the host tests (no QEMU)"
	@echo "make bench      run the benchmarks and print their tables"
	@echo "make trace      run CONFIG with the trace dump on: build/trace.txt, build/trace.svg (with jobs=report guests' jobs)"
	@echo "make debug      boot in QEMU halted, waiting for gdb-multiarch on :1234"
	@echo "make image      raw binary and U-Boot uImage of CONFIG for PLATFORM (the board's EXIT: sysctl or psci)"
	@echo "make asmcheck   fail if swiftc dropped inline assembly (part of every build)"
	@echo "make guests     only the guest programs (build/guests/*.bin)"
	@echo "make apus-tool  only the host tool (swift build --product apus)"
	@echo "make tools      install (as root) or name the missing toolchain packages"
	@echo "make debug-tools / image-tools / uboot-tools   the same for gdb-multiarch / u-boot-tools / u-boot-qemu"
	@echo "make clean      remove build outputs"
	@echo "options: PLATFORM=vexpress-a15|virt  CONFIG=file.dts  EXIT=semihosting|sysctl|psci  BOOT=kernel|uboot"
	@echo "         RAM_MB=64..1024  TIMEOUT=seconds (124: stopped)  TRACE=0|1  MEASURE=0|1  CHECK=0|1  DISK_MB=1..4096  BUILD=folder"

# Install what is missing (as root), or say exactly what to run.
define require_tools
	@missing=""; for pair in $(1); do \
	  command -v "$${pair%%:*}" >/dev/null 2>&1 || missing="$$missing $${pair##*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "Missing tools. Run: sudo apt-get update && sudo apt-get install -y$$missing" >&2; exit 1; \
	  fi; \
	fi
endef

tools:
	@command -v $(SWIFTC) >/dev/null || { echo "swiftc not found: install Swift 6.3.1 (with the Embedded armv7 stdlib) at /opt/swift" >&2; exit 1; }
	$(call require_tools,$(BASE_TOOLS))

debug-tools: tools
	$(call require_tools,$(DEBUG_TOOLS))

image-tools: tools
	$(call require_tools,$(IMAGE_TOOLS))

uboot-tools: image-tools
	@if [ ! -f $(UBOOT_BIN) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing: u-boot-qemu"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq u-boot-qemu >/dev/null || exit 1; \
	  else \
	    echo "$(UBOOT_BIN) is missing. Run: sudo apt-get update && sudo apt-get install -y u-boot-qemu" >&2; exit 1; \
	  fi; \
	fi

# Each module's object also depends on the list of its sources, so a file moved
# or removed rebuilds the module (and its .swiftmodule) instead of leaving it stale.
$(BUILD)/%/sources.txt: FORCE
	@mkdir -p $(@D)
	@echo '$($(SOURCES_OF_$*))' > $@.tmp; cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@
SOURCES_OF_core := CORE_SRCS
SOURCES_OF_rings := RINGS_SRCS
SOURCES_OF_xenstore := XENSTORE_SRCS
SOURCES_OF_guestkit := GUESTKIT_SRCS
SOURCES_OF_hv := HV_SRCS

# The pure core, for the target, under -no-allocations.
$(BUILD)/core/core.o: $(CORE_SRCS) $(BUILD)/core/sources.txt $(call option,PLATFORM) | tools
	@mkdir -p $(@D)
	$(SWIFTC) $(SWIFT_TARGET_FLAGS) -module-name HypervisorCore \
		-emit-module -emit-module-path $(BUILD)/core/HypervisorCore.swiftmodule \
		-c $(CORE_SRCS) -o $@
	@touch $@  # swiftc keeps an unchanged object's old time; its generics' users must still rebuild

# The ring protocol both sides speak, for the target (no dependencies).
$(BUILD)/rings/rings.o: $(RINGS_SRCS) $(BUILD)/rings/sources.txt | tools
	@mkdir -p $(@D)
	$(SWIFTC) $(SWIFT_TARGET_FLAGS) -module-name XenRings \
		-emit-module -emit-module-path $(BUILD)/rings/XenRings.swiftmodule \
		-c $(RINGS_SRCS) -o $@
	@touch $@

# Xenstore for the driver domain, for the target (uses the ring protocol).
$(BUILD)/xenstore/xenstore.o: $(XENSTORE_SRCS) $(BUILD)/xenstore/sources.txt $(BUILD)/rings/rings.o | tools
	@mkdir -p $(@D)
	$(SWIFTC) $(SWIFT_TARGET_FLAGS) -I $(BUILD)/rings -module-name Xenstore \
		-emit-module -emit-module-path $(BUILD)/xenstore/Xenstore.swiftmodule \
		-c $(XENSTORE_SRCS) -o $@
	@touch $@

$(BUILD)/gen/Version.swift: FORCE
	@mkdir -p $(@D)
	@printf 'let apusVersion: StaticString = "%s"\n' "$(VERSION)" > $@.tmp
	@cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

# The platform's facts for the boot stub, the C module and the link map, from
# its Swift description; rewritten only when they change.
# $(call platform_rules,P): the board files of platform P.
define platform_rules
$(call platform_dir,$(1))/board.h: FORCE | apus-tool
	@mkdir -p $$(@D)
	@$$(APUS_TOOL) platform $(1) --ram-mb $(RAM_MB) --emit-header $$@ --emit-linker-script $$(@D)/board.ld

$(call platform_dir,$(1))/board.ld: $(call platform_dir,$(1))/board.h
endef

# $(call hypervisor_rules,P,E): the hypervisor objects for platform P and exit method E.
define hypervisor_rules
$(call hv_dir,$(1),$(2))/hypervisor.o: $(HV_SRCS) $(BUILD)/hv/sources.txt $(BUILD)/gen/Version.swift \
		$(BUILD)/core/core.o $(BUILD)/rings/rings.o $(wildcard $(INCLUDE)/*.h) $(call platform_dir,$(1))/board.h \
		$(call option,TRACE MEASURE)
	@mkdir -p $$(@D)
	$$(SWIFTC) $$(SWIFT_HV_FLAGS) $(call exit_define,$(2)) -I $(call platform_dir,$(1)) \
		-module-cache-path $(call platform_dir,$(1))/module-cache \
		-module-name Hypervisor -emit-module -emit-module-path $$(@D)/Hypervisor.swiftmodule \
		-c $(HV_SRCS) $(BUILD)/gen/Version.swift -o $$@

$(call hv_dir,$(1),$(2))/boot/%.o: Boot/%.S $(wildcard $(INCLUDE)/*.h) $(call platform_dir,$(1))/board.h | tools
	@mkdir -p $$(@D)
	$$(CC) $$(ASFLAGS) $(subst -D ,-D,$(call exit_define,$(2))) -I $(call platform_dir,$(1)) -c $$< -o $$@
endef
$(foreach p,$(PLATFORMS),$(eval $(call platform_rules,$(p))))
$(foreach p,$(PLATFORMS),$(foreach e,$(EXIT_METHODS_$(p)),$(eval $(call hypervisor_rules,$(p),$(e)))))

$(BUILD)/gen/guest-memory.ld: FORCE | apus-tool
	@mkdir -p $(@D)
	@$(APUS_TOOL) platform $(PLATFORM) --emit-guest-linker-script $@

# swiftc silently drops inline asm it cannot assemble (seen with Swift 6.3.1):
# recompile the IR with clang, which reports it.
$(BUILD)/asmcheck.ok: $(HV_SRCS) $(BUILD)/gen/Version.swift $(BUILD)/core/core.o $(BUILD)/rings/rings.o $(wildcard $(INCLUDE)/*.h) \
		$(call platform_dir,$(PLATFORM))/board.h $(call option,EXIT TRACE MEASURE PLATFORM)
	@mkdir -p $(BUILD)/asmcheck
	$(SWIFTC) $(SWIFT_HV_FLAGS) $(call exit_define,$(EXIT)) -I $(call platform_dir,$(PLATFORM)) \
		-module-cache-path $(call platform_dir,$(PLATFORM))/module-cache -module-name Hypervisor -emit-ir \
		$(HV_SRCS) $(BUILD)/gen/Version.swift -o $(BUILD)/asmcheck/hypervisor.ll
	$(CLANG) --target=armv7-none-none-eabi -mcpu=cortex-a15 -mfloat-abi=soft -c \
		$(BUILD)/asmcheck/hypervisor.ll -o $(BUILD)/asmcheck/hypervisor.o
	@touch $@

asmcheck: $(BUILD)/asmcheck.ok

# A system image = the hypervisor + one configuration (dtc-compiled, checked
# by the host tool and packed with its guest images), linked in by
# Boot/payload.S. $(call system_rules,DIR,DTS,PACK-SOURCE,PLATFORM,EXIT[,PAYLOAD-FLAGS]): PACK-SOURCE
# "check" checks and packs DTS; otherwise it is an existing pack to reuse
# (for invalid configurations, which only the hypervisor gets to see).
# PLATFORM (4th argument) is the machine it is checked for and linked for, EXIT
# (5th) how it ends; PAYLOAD-FLAGS (6th): extra assembler flags for the payload
# (test systems only).
APUS_TOOL = $(shell $(SWIFT) build --show-bin-path)/apus

# APUS_TOOL=path on the command line uses an apus that is already built (the
# make-level test does, from inside `swift test`, which holds SwiftPM's lock).
apus-tool:
ifneq ($(origin APUS_TOOL),command line)
	$(SWIFT) build --product apus
endif

define system_rules
$(1)/config.dtb: $(2) | tools
	@mkdir -p $$(@D)
	dtc -q -I dts -O dtb -o $$@ $$<

ifeq ($(3),check)
$(1)/images.pack: $(1)/config.dtb $(GUEST_BINS) $(call option,RAM_MB) $(if $(call linux_config,$(2)),$(LINUX_IMAGES)) | apus-tool
	$$(APUS_TOOL) check $(2) --images $(BUILD)/guests --large-images $(LINUX_DIR) --ram-mb $(RAM_MB) --platform $(4)
	$$(APUS_TOOL) pack $(2) --images $(BUILD)/guests --large-images $(LINUX_DIR) --ram-mb $(RAM_MB) --platform $(4) -o $$@ \
		$(if $(call linux_config,$(2)),--large-output $(1)/large-images.pack)
else
$(1)/images.pack: $(3)
	@mkdir -p $$(@D)
	cp $$< $$@
endif

# What the boot banner says this image was built for.
$(1)/build-info.txt: FORCE
	@mkdir -p $$(@D)
	@printf '%s' 'config $(2), platform $(4), EXIT=$(5) RAM_MB=$(RAM_MB) TRACE=$(TRACE)' > $$@.tmp
	@cmp -s $$@.tmp $$@ && rm $$@.tmp || mv $$@.tmp $$@

$(1)/payload.o: Boot/payload.S $(1)/config.dtb $(1)/images.pack $(1)/build-info.txt
	$$(CC) $$(ASFLAGS) $(6) -DAPUS_CONFIG_DTB='"$(1)/config.dtb"' -DAPUS_IMAGE_PACK='"$(1)/images.pack"' \
		-DAPUS_BUILD_INFO='"$(1)/build-info.txt"' -c $$< -o $$@

$(1).elf: $(call hv_base_objs,$(4),$(5)) $(1)/payload.o LinkerScripts/hypervisor.ld $(call platform_dir,$(4))/board.ld \
		$(call option,RAM_MB)
	$$(LD) -L $(call platform_dir,$(4)) -T LinkerScripts/hypervisor.ld $$(LDFLAGS) -Map $(1).map \
		$(call hv_base_objs,$(4),$(5)) $(1)/payload.o $$(LIBGCC) -o $$@
endef

# Linux guests (docs/LINUX.md): Debian's kernels and busybox, fetched into
# build/linux by Linux/fetch.sh (never committed), and the initramfs built
# from them. A configuration with `kernel = ...` gets a large-image pack that
# QEMU's generic loader puts at the configuration's `large-images` address.
LINUX_DIR    := $(BUILD)/linux
LINUX_IMAGES := $(LINUX_DIR)/vmlinuz-armmp-lpae $(LINUX_DIR)/vmlinuz-rt-armmp $(LINUX_DIR)/initramfs.cpio.gz
linux_config = $(shell grep -lE '^[[:space:]]*kernel[[:space:]]*=' $(1) 2>/dev/null)
large_images_address = $(shell sed -n 's/.*large-images *= *< *\(0x[0-9a-fA-F]*\).*/\1/p' $(1))
# QEMU arguments that load CONFIG's large-image pack (none for other configurations).
comma := ,
LARGE_IMAGES_LOADER = $(if $(call linux_config,$(CONFIG)),-device loader$(comma)file=$(CONFIG_DIR)/large-images.pack$(comma)addr=$(call large_images_address,$(CONFIG))$(comma)force-raw=on)

$(LINUX_IMAGES) &: Linux/fetch.sh Linux/init Linux/inittab Linux/rcS Linux/disk-bench Linux/vda-check
	Linux/fetch.sh $(LINUX_DIR)

linux: $(LINUX_IMAGES)

# The system `make run` boots (CONFIG), and every system the tests boot.
$(eval $(call system_rules,$(CONFIG_DIR),$(CONFIG),$(if $(filter 1,$(CHECK)),check,$(BUILD)/systems/two-vms/images.pack),$(PLATFORM),$(EXIT)))
$(CONFIG_DIR)/images.pack: $(call option,CHECK)
$(foreach c,$(TEST_SYSTEM_CONFIGS),$(eval $(call system_rules,$(BUILD)/systems/$(basename $(notdir $(c))),$(c),check,vexpress-a15,semihosting)))
$(foreach c,$(REFUSED_SYSTEM_CONFIGS),$(eval $(call system_rules,$(BUILD)/systems/refused-$(basename $(notdir $(c))),$(c),$(BUILD)/systems/two-vms/images.pack,vexpress-a15,semihosting)))
$(foreach c,$(VIRT_SYSTEM_CONFIGS),$(eval $(call system_rules,$(BUILD)/virt/systems/$(basename $(notdir $(c))),$(c),check,virt,semihosting)))
$(foreach c,$(UNCHECKED_SYSTEM_CONFIGS),$(eval $(call system_rules,$(BUILD)/systems/unchecked-$(basename $(notdir $(c))),$(c),$(BUILD)/systems/two-vms/images.pack,vexpress-a15,semihosting,-DAPUS_UNCHECKED_SCHEDULING_MINIMUM)))

$(BUILD)/runtime.o: Sources/Hypervisor/runtime.c | tools
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

# Copied whenever CONFIG or PLATFORM names another system, not only when the copy looks older.
$(BUILD)/apus.elf: $(CONFIG_DIR).elf $(call option,CONFIG_PATH PLATFORM)
	cp $< $@
	cp $(CONFIG_DIR).map $(BUILD)/apus.map
	@$(CROSS)size $@

$(BUILD)/%.dis: $(BUILD)/%.elf
	$(OBJDUMP) -d --no-show-raw-insn $< | $(DEMANGLE) > $@

# Test images: the hypervisor plus one object that provokes a failure, on
# vexpress-a15 with semihosting (the exit status is what the tests read) and
# the two-vms system's payload, whatever PLATFORM and EXIT say.
TEST_IMAGE_OBJS := $(call hv_base_objs,vexpress-a15,semihosting) $(BUILD)/systems/two-vms/payload.o
$(BUILD)/tests/%.o: Tests/Images/%.swift $(BUILD)/core/core.o $(call platform_dir,vexpress-a15)/board.h $(call option,TRACE)
	@mkdir -p $(@D)
	$(SWIFTC) $(SWIFT_HV_FLAGS) $(call exit_define,semihosting) -I $(call platform_dir,vexpress-a15) \
		-module-cache-path $(call platform_dir,vexpress-a15)/module-cache -module-name $* -c $< -o $@

$(BUILD)/test-%.elf: $(BUILD)/tests/%.o $(TEST_IMAGE_OBJS) LinkerScripts/hypervisor.ld $(call option,RAM_MB)
	$(LD) -L $(call platform_dir,vexpress-a15) -T LinkerScripts/hypervisor.ld $(LDFLAGS) $(TEST_IMAGE_OBJS) $< $(LIBGCC) -o $@

# Guest library, guest runtime (one module each) and guest programs (one module each).
$(BUILD)/guestkit/guestkit.o: $(GUESTKIT_SRCS) $(BUILD)/guestkit/sources.txt $(BUILD)/core/core.o
	@mkdir -p $(@D)
	$(SWIFTC) $(SWIFT_TARGET_FLAGS) -I $(BUILD)/core -module-name GuestKit \
		-emit-module -emit-module-path $(BUILD)/guestkit/GuestKit.swiftmodule \
		-c $(GUESTKIT_SRCS) -o $@
	@touch $@

$(BUILD)/guest-runtime/guestruntime.o: $(GUEST_RUNTIME_SRCS) $(BUILD)/core/core.o $(BUILD)/rings/rings.o $(BUILD)/xenstore/xenstore.o $(BUILD)/guestkit/guestkit.o $(wildcard $(GUEST_INCLUDE)/*.h) $(call option,PLATFORM)
	@mkdir -p $(@D)
	$(SWIFTC) $(SWIFT_GUEST_FLAGS) -module-name GuestRuntime \
		-emit-module -emit-module-path $(BUILD)/guest-runtime/GuestRuntime.swiftmodule \
		-c $(GUEST_RUNTIME_SRCS) -o $@
	@touch $@

$(BUILD)/guest-runtime/start.o: Boot/Guest/start.S | tools
	@mkdir -p $(@D)
	$(CC) $(ASFLAGS) -c $< -o $@

.SECONDEXPANSION:
$(BUILD)/guests/%.o: $$(sort $$(wildcard Sources/Guests/$$(call capitalize,$$*)/*.swift)) $(BUILD)/guest-runtime/guestruntime.o $(BUILD)/xenstore/xenstore.o
	@mkdir -p $(@D)
	$(SWIFTC) $(SWIFT_GUEST_FLAGS) -module-name Guest$(call capitalize,$*) -c $(filter %.swift,$^) -o $@

# What every guest links with, after its own object (the xenstore only ends up
# in the driver domain: --gc-sections drops it from guests that do not use it).
GUEST_LINK_OBJS = $(BUILD)/guest-runtime/guestruntime.o $(BUILD)/guestkit/guestkit.o $(BUILD)/core/core.o \
	$(BUILD)/rings/rings.o $(BUILD)/xenstore/xenstore.o $(BUILD)/runtime.o

$(BUILD)/guests/%.elf: $(BUILD)/guests/%.o $(GUEST_LINK_OBJS) $(BUILD)/guest-runtime/start.o LinkerScripts/guest.ld $(BUILD)/gen/guest-memory.ld
	$(LD) $(GUEST_LDFLAGS) $(BUILD)/guest-runtime/start.o $< $(GUEST_LINK_OBJS) $(LIBGCC) -o $@

# guest.ld links for 0x80000000 unless GUEST_RAM is given.
$(BUILD)/guests/load-at-%.elf: $(BUILD)/guests/load.o $(GUEST_LINK_OBJS) $(BUILD)/guest-runtime/start.o LinkerScripts/guest.ld $(BUILD)/gen/guest-memory.ld
	$(LD) $(GUEST_LDFLAGS) --defsym=GUEST_RAM=0x$* $(BUILD)/guest-runtime/start.o $< $(GUEST_LINK_OBJS) $(LIBGCC) -o $@

$(BUILD)/guests/%.bin: $(BUILD)/guests/%.elf
	$(OBJCOPY) -O binary $< $@

$(BUILD)/disk-%.img:
	@mkdir -p $(@D)
	truncate -s $(DISK_MB)M $@

# A Linux configuration's `disk = <first count>`: a new split image gets an ext4
# filesystem over that slice holding apus.txt (Linux/make-disk.sh, docs/LINUX.md).
linux_disk = $(shell sed -n 's/^[[:space:]]*disk *= *< *\([0-9a-fA-Fx]*\) *\([0-9a-fA-Fx]*\) *>.*/\1 \2/p' $(1) | head -1)
$(DISK_SPLIT):
	@mkdir -p $(@D)
	$(if $(and $(call linux_config,$(CONFIG)),$(call linux_disk,$(CONFIG))),\
	  Linux/make-disk.sh $@ $(call linux_disk,$(CONFIG)) $(DISK_MB) || { rm -f $@; exit 1; },\
	  truncate -s $(DISK_MB)M $@)

# BOOT=kernel: QEMU loads build/apus.elf. BOOT=uboot: U-Boot loads the board
# image (EXIT=psci: SYSTEM_OFF ends the run, with status 0 only).
BOOT_FILES_kernel := $(BUILD)/apus.elf
BOOT_FILES_uboot  := $(IMAGE_BASE).uImage $(BUILD)/uboot/env.img uboot-tools
BOOT_ARGUMENTS_kernel = $(LARGE_IMAGES_LOADER) -kernel $(BUILD)/apus.elf
BOOT_ARGUMENTS_uboot  = $(call uboot_qemu_arguments,$(IMAGE_BASE).uImage)

run: all $(BOOT_FILES_$(BOOT)) $(DISK_SPLIT) $(DISK_DIRECT)
	@echo "Booting Apus on $(PLATFORM) in QEMU (Ctrl-A X quits$(if $(filter vexpress-a15,$(PLATFORM)),; UART1 output goes to $(BUILD)/uart1.log))."
	@echo "$(QEMU) $(QEMU_FLAGS) $(QEMU_DEVICES) $(BOOT_ARGUMENTS_$(BOOT))"
	@status=0; $(if $(filter-out 0,$(TIMEOUT)),timeout --foreground $(TIMEOUT)) \
	  $(QEMU) $(QEMU_FLAGS) $(QEMU_DEVICES) $(BOOT_ARGUMENTS_$(BOOT)) || status=$$?; \
	  if [ $$status = 124 ] && [ "$(TIMEOUT)" != 0 ]; then echo "QEMU stopped after TIMEOUT=$(TIMEOUT) s (status 124)"; \
	  else echo "QEMU exited with status $$status"; fi; exit $$status

# The trace of a run of CONFIG, as text and as an SVG Gantt chart.
trace: tools $(DISK_SPLIT) $(DISK_DIRECT)
	$(MAKE) BUILD=$(BUILD)/trace TRACE=1 CONFIG=$(CONFIG) $(BUILD)/trace/apus.elf
	@status=0; $(QEMU) $(QEMU_FLAGS) $(QEMU_DEVICES) -kernel $(BUILD)/trace/apus.elf > $(BUILD)/trace.log || status=$$?; \
	  tr -d '\r' < $(BUILD)/trace.log | sed -n '/^--- apus-trace begin ---$$/,/^--- apus-trace end ---$$/p' | sed '1d;$$d' > $(BUILD)/trace.txt; \
	  echo "QEMU exited with status $$status; console in $(BUILD)/trace.log, trace in $(BUILD)/trace.txt"; \
	  [ $$status = 0 ] || [ $$status = 6 ] || exit $$status  # 6: a guest failed (missed deadlines): still a trace to draw
	$(APUS_TOOL) trace $(BUILD)/trace.txt --jobs $(BUILD)/trace.log --svg $(BUILD)/trace.svg

# All tests: host unit/property tests and QEMU integration tests, in one XCTest run.
# (XCTest only: the suites use no swift-testing, whose empty run would close the log.)
test: all
	APUS_BUILD_DIR=$(abspath $(BUILD)) $(SWIFT) test --disable-swift-testing

test-host:
	$(SWIFT) test --disable-swift-testing --skip IntegrationTests

# Host benchmarks (apus bench), the hypervisor image's text by module, the
# hypervisor measured in QEMU by the bench systems (Configs/bench-*.dts, on virt
# Configs/virt/bench-*.dts) that `all` builds, then Linux's view: Configs/linux.dts
# booted on vexpress-a15 from a measuring build (MEASURE=1, in $(BUILD)/measure)
# with its traps counted (docs/BENCHMARKS.md).
bench: all
	$(SWIFT) run -c release apus bench
	DEMANGLE=$(DEMANGLE) Tests/Bench/text-size.sh $(BUILD)/apus.elf $(HV_BASE_OBJS)
	BUILD=$(BUILD) PLATFORM=$(PLATFORM) RAM_MB=$(RAM_MB) SMP=$(if $(SMP),$(SMP),1) QEMU=$(QEMU) Tests/Bench/qemu-bench.sh
	BUILD=$(BUILD) PLATFORM=$(PLATFORM) RAM_MB=$(RAM_MB) QEMU=$(QEMU) Tests/Bench/disk-bench.sh
	$(MAKE) PLATFORM=vexpress-a15 EXIT=semihosting BOOT=kernel BUILD=$(BUILD)/measure MEASURE=1 \
		LINUX_DIR=$(abspath $(LINUX_DIR)) $(BUILD)/measure/systems/linux.elf
	BUILD=$(BUILD)/measure RAM_MB=$(RAM_MB) QEMU=$(QEMU) Tests/Bench/linux-census.sh

debug: all debug-tools $(DISK_SPLIT) $(DISK_DIRECT)
	@echo "QEMU is waiting for gdb on :1234. In another terminal:"
	@echo "  gdb-multiarch -q $(BUILD)/apus.elf -ex 'target remote :1234' -ex 'break apus_main' -ex continue"
	$(QEMU) $(QEMU_FLAGS) $(QEMU_DEVICES) -s -S -kernel $(BUILD)/apus.elf

# A board image of CONFIG for PLATFORM: raw binary and U-Boot uImage, named after
# both (in the file name and the uImage's 32-byte name field), ending runs the
# board's way (BOARD_EXIT_*), loaded and started at the start of the board's RAM.

# $(call board_image_rules,SYSTEM-DIR,OUTPUT-BASE,NAME,PLATFORM): OUTPUT-BASE.bin
# and .uImage (named NAME) of the system built in SYSTEM-DIR for PLATFORM.
define board_image_rules
$(2).bin: $(1).elf
	$$(OBJCOPY) -O binary $$< $$@

$(2).uImage: $(2).bin | image-tools
	@base=$$$$(sed -n 's/^#define BOARD_RAM_BASE *//p' $(call platform_dir,$(4))/board.h); \
	  echo "mkimage -A arm -O linux -T kernel -C none -a $$$$base -e $$$$base -n '$(3)' -d $$< $$@"; \
	  mkimage -A arm -O linux -T kernel -C none -a $$$$base -e $$$$base -n "$(3)" -d $$< $$@ >/dev/null
endef
$(eval $(call system_rules,$(IMAGE_DIR),$(CONFIG),check,$(PLATFORM),$(BOARD_EXIT_$(PLATFORM))))
$(eval $(call board_image_rules,$(IMAGE_DIR),$(IMAGE_BASE),$(IMAGE_NAME),$(PLATFORM)))

image: $(IMAGE_BASE).uImage
	@echo "Board image: $(IMAGE_BASE).bin and $(IMAGE_BASE).uImage" \
	  "(load and entry $$(sed -n 's/^#define BOARD_RAM_BASE *//p' $(call platform_dir,$(PLATFORM))/board.h), EXIT=$(BOARD_EXIT_$(PLATFORM)))"

# U-Boot on QEMU virt without interaction: its environment (bootdelay=0,
# bootcmd=bootm of the uImage QEMU's loader placed at UBOOT_LOAD) in the second
# flash bank, padded to the bank's 64 MiB.
UBOOT_LOAD := 0x48000000
$(BUILD)/uboot/env.img: | image-tools
	@mkdir -p $(@D)
	printf 'bootdelay=0\nbootcmd=bootm $(UBOOT_LOAD) - $${fdtcontroladdr}\n' > $(@D)/env.txt
	mkenvimage -s 0x40000 -o $@ $(@D)/env.txt
	truncate -s 64M $@

# The systems the U-Boot integration tests boot (UBOOT_TEST_IMAGES, above).
$(eval $(call system_rules,$(BUILD)/uboot/paper-sedf,Configs/paper-sedf.dts,check,virt,psci))
$(eval $(call board_image_rules,$(BUILD)/uboot/paper-sedf,$(BUILD)/uboot/apus-paper-sedf-virt,Apus paper-sedf virt,virt))
$(eval $(call system_rules,$(BUILD)/uboot/paper-sedf-semihosting,Configs/paper-sedf.dts,check,virt,semihosting))
$(eval $(call board_image_rules,$(BUILD)/uboot/paper-sedf-semihosting,$(BUILD)/uboot/apus-paper-sedf-virt-semihosting,Apus paper-sedf virt semihosting,virt))

# $(call uboot_qemu_arguments,UIMAGE): QEMU's options that boot UIMAGE through U-Boot.
uboot_qemu_arguments = -bios $(UBOOT_BIN) -drive if=pflash,unit=1,format=raw,file=$(BUILD)/uboot/env.img \
	-device loader,file=$(1),addr=$(UBOOT_LOAD),force-raw=on -nic none

clean:
	rm -rf $(BUILD)

FORCE:

# Keep intermediate objects and ELF files for inspection and debugging (not a
# blanket .SECONDARY, which would stop make from rebuilding a missing system image).
.PRECIOUS: $(BUILD)/guests/%.o $(BUILD)/guests/%.elf $(BUILD)/guests/load-at-%.elf $(BUILD)/tests/%.o
