/*
 * The system the hypervisor runs: the configuration DTB and the image pack
 * of guest images, linked into the image (the Makefile names the files).
 */
    .section .rodata.payload, "a"
    .balign 8
    .global __config_start, __config_end
__config_start:
    .incbin APUS_CONFIG_DTB
__config_end:
#ifdef APUS_UNCHECKED_SCHEDULING_MINIMUM
    /* Test systems only: boot SEDF parameters below the scheduling minimum. */
    .balign 4
    .global __unchecked_scheduling_minimum
__unchecked_scheduling_minimum:
    .word 1
#endif
    .balign 4096
    .global __images_start, __images_end
__images_start:
    .incbin APUS_IMAGE_PACK
__images_end:
    /* What the image was built for (configuration file, platform, options): the boot banner prints it. */
    .section .rodata.payload, "a"
    .global __build_info_start, __build_info_end
__build_info_start:
    .incbin APUS_BUILD_INFO
__build_info_end:
