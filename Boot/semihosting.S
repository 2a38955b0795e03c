/*
 * uint32_t apus_semihosting_call(uint32_t operation, const void *argument)
 * The ARM semihosting trap (QEMU -semihosting): r0 = operation, r1 = argument.
 */
#include "architecture.h"
#include "hypervisor_abi.h"

    .syntax unified
    .arch armv7-a
    .arm
    .section .text.semihosting, "ax"
    .global apus_semihosting_call
apus_semihosting_call:
    svc     #SEMIHOSTING_SVC
    bx      lr

/* void apus_test_undefined_instruction(void): a permanently undefined encoding,
 * for the test image that checks the panic path. */
    .global apus_test_undefined_instruction
apus_test_undefined_instruction:
    udf     #0x1234
    bx      lr
