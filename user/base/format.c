// Auto-scaled units for durations, counts and sizes.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include "base/format.h"

static const char *scaled(double v, const char *unit, char *buf, size_t len)
{
	if (v < 10)
		snprintf(buf, len, "%.2f%s", v, unit);
	else if (v < 100)
		snprintf(buf, len, "%.1f%s", v, unit);
	else
		snprintf(buf, len, "%.0f%s", v, unit);
	return buf;
}

const char *format_duration(__u64 ns, char *buf, size_t len)
{
	if (ns < 1000) {
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
		return buf;
	}
	if (ns < 1000000)
		return scaled(ns / 1e3, "us", buf, len);
	if (ns < 1000000000)
		return scaled(ns / 1e6, "ms", buf, len);
	if (ns < 60000000000ULL)
		return scaled(ns / 1e9, "s", buf, len);
	snprintf(buf, len, "%llum%02llus", (unsigned long long)(ns / 60000000000ULL),
		 (unsigned long long)(ns / 1000000000ULL % 60));
	return buf;
}

const char *format_count(double v, char *buf, size_t len)
{
	if (v < 10000 && v == (double)(long long)v) {
		snprintf(buf, len, "%lld", (long long)v);
		return buf;
	}
	if (v < 1000)
		return scaled(v, "", buf, len);
	if (v < 1e6)
		return scaled(v / 1e3, "k", buf, len);
	if (v < 1e9)
		return scaled(v / 1e6, "M", buf, len);
	return scaled(v / 1e9, "G", buf, len);
}

const char *format_kib(long kib, char *buf, size_t len)
{
	if (kib < 1024) {
		snprintf(buf, len, "%ldKB", kib);
		return buf;
	}
	if (kib < 1024 * 1024)
		return scaled(kib / 1024.0, "MB", buf, len);
	return scaled(kib / (1024.0 * 1024), "GB", buf, len);
}

const char *format_byte_count(__u64 bytes, char *buf, size_t len)
{
	if (bytes < 1024) {
		snprintf(buf, len, "%lluB", (unsigned long long)bytes);
		return buf;
	}
	if (bytes < 1024 * 1024)
		return scaled(bytes / 1024.0, "KB", buf, len);
	if (bytes < 1024ULL * 1024 * 1024)
		return scaled(bytes / (1024.0 * 1024), "MB", buf, len);
	return scaled(bytes / (1024.0 * 1024 * 1024), "GB", buf, len);
}

const char *format_clock(__u64 realtime_ns, char *buf, size_t len)
{
	time_t secs = realtime_ns / 1000000000ULL;
	struct tm tm;

	localtime_r(&secs, &tm);
	snprintf(buf, len, "%02d:%02d:%02d.%03llu", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned long long)(realtime_ns / 1000000 % 1000));
	return buf;
}

const char *format_wait_status(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by SIG%s", sigabbrev_np(WTERMSIG(status)) ?: "?");
	else
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	return buf;
}

const char *format_exact_seconds(__u64 ns, char *buf, size_t len)
{
	size_t n;

	snprintf(buf, len, "%llu.%09llu", (unsigned long long)(ns / 1000000000ULL),
		 (unsigned long long)(ns % 1000000000ULL));
	n = strlen(buf);
	while (n && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n && buf[n - 1] == '.')
		buf[--n] = '\0';
	return buf;
}
