/* value_fmt.h — number rendering shared by value_str.c and the function library (toString, join, +).
 *
 * Owns: Java-compatible rendering of doubles (Double.toString: 1.0, 0.001, 1.0E7, 1.0E-4, NaN, Infinity)
 * and decimal integers, into caller buffers. Must not allocate.
 */
#ifndef QV_VALUE_FMT_H
#define QV_VALUE_FMT_H

#include <stddef.h>
#include <stdint.h>

#define QV_NUMBUF 40

/* Writes the rendering of d into buf (at least QV_NUMBUF bytes), NUL-terminated; returns its length. */
size_t qv_fmt_float(char *buf, double d);
size_t qv_fmt_int(char *buf, int64_t i);
/* The shortest decimal digits that read back as d (finite, non-zero; what Double.toString shows), into
 * digits (at least 24 bytes, no sign, no trailing zeros, NUL-terminated), and the decimal exponent of
 * the first digit: d = 0.d1d2... * 10^(exp10 + 1). Returns the number of digits. */
int qv_float_digits(double d, char *digits, int *exp10);

#endif
