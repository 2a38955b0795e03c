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
