/*
 * The few C library and AEABI symbols that Embedded Swift and libgcc expect.
 * No allocator is provided on purpose: the hypervisor is compiled with
 * -no-allocations, and a heap reference would fail the link.
 */
#include <stddef.h>
#include <stdint.h>

/*
 * Swift copies structs with these on every trap path, so they move words
 * when both sides are word-aligned (the common case) and bytes otherwise.
 */
void *memset(void *dst, int value, size_t n) {
    unsigned char *d = dst;
    while (n && ((uintptr_t)d & 3)) { *d++ = (unsigned char)value; n--; }
    uint32_t word = (unsigned char)value * 0x01010101u;
    uint32_t *w = (uint32_t *)d;
    for (; n >= 16; n -= 16) { w[0] = word; w[1] = word; w[2] = word; w[3] = word; w += 4; }
    for (; n >= 4; n -= 4) *w++ = word;
    d = (unsigned char *)w;
    while (n--) *d++ = (unsigned char)value;
    return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if ((((uintptr_t)d | (uintptr_t)s) & 3) == 0) {
        uint32_t *wd = (uint32_t *)d;
        const uint32_t *ws = (const uint32_t *)s;
        for (; n >= 16; n -= 16) {
            uint32_t a = ws[0], b = ws[1], c = ws[2], e = ws[3];
            wd[0] = a; wd[1] = b; wd[2] = c; wd[3] = e;
            wd += 4; ws += 4;
        }
        for (; n >= 4; n -= 4) *wd++ = *ws++;
        d = (unsigned char *)wd;
        s = (const unsigned char *)ws;
    }
    while (n--) *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0) return dst;
    if (d < s || d >= s + n) return memcpy(dst, src, n);
    while (n--) d[n] = s[n];
    return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y) return *x - *y;
    return 0;
}

void __aeabi_memcpy(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memcpy4(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memcpy8(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memmove(void *d, const void *s, size_t n) { memmove(d, s, n); }
void __aeabi_memmove4(void *d, const void *s, size_t n) { memmove(d, s, n); }
void __aeabi_memmove8(void *d, const void *s, size_t n) { memmove(d, s, n); }
/* AEABI memset takes (dest, n, value): note the order. */
void __aeabi_memset(void *d, size_t n, int v) { memset(d, v, n); }
void __aeabi_memset4(void *d, size_t n, int v) { memset(d, v, n); }
void __aeabi_memset8(void *d, size_t n, int v) { memset(d, v, n); }
void __aeabi_memclr(void *d, size_t n) { memset(d, 0, n); }
void __aeabi_memclr4(void *d, size_t n) { memset(d, 0, n); }
void __aeabi_memclr8(void *d, size_t n) { memset(d, 0, n); }

/* Hashing seeds: fixed, so runs are reproducible. */
void arc4random_buf(void *buf, size_t n) {
    unsigned char *b = buf;
    uint32_t x = 0x9e3779b9u;
    while (n--) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        *b++ = (unsigned char)x;
    }
}

/* Referenced by libgcc's division helpers; Apus never unwinds. */
void __aeabi_unwind_cpp_pr0(void) {}
void __aeabi_unwind_cpp_pr1(void) {}
