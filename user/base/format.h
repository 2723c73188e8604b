/* Human-readable numbers for the text views: auto-scaled units. */
#ifndef LATSCOPE_FORMAT_H
#define LATSCOPE_FORMAT_H

#include <linux/types.h>
#include <stddef.h>

/* 850ns, 12.3us, 4.56ms, 1.23s, 2m03s — three significant digits. */
const char *format_duration(__u64 ns, char *buf, size_t len);
/* 1234, 12.3k, 4.56M */
const char *format_count(double v, char *buf, size_t len);
/* 512KB, 12.3MB */
const char *format_kib(long kib, char *buf, size_t len);
/* 512B, 1.50KB, 12.3MB */
const char *format_byte_count(__u64 bytes, char *buf, size_t len);
/* Exact decimal seconds for integer nanoseconds: 2496 -> "0.000002496". */
const char *format_exact_seconds(__u64 ns, char *buf, size_t len);
/* HH:MM:SS.mmm local time of a realtime nanosecond timestamp */
const char *format_clock(__u64 realtime_ns, char *buf, size_t len);

/* "exit 0", "exit 3", "killed by SIGKILL" from a wait(2) status */
const char *format_wait_status(int status, char *buf, size_t len);

#endif
