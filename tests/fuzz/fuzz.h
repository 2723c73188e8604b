/*
 * What the libFuzzer harnesses share: one file per parser
 * (tests/fuzz/fuzz_NAME.c exporting LLVMFuzzerTestOneInput), linked by the
 * Makefile's one pattern rule against latscope's objects built with
 * -fsanitize=fuzzer-no-link,address,undefined; seeds in corpus/NAME/.
 * Inputs are bytes; parsers of C strings get a NUL-terminated copy.
 */
#ifndef LATSCOPE_FUZZ_H
#define LATSCOPE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* @data as a C string (free() it); NUL bytes inside end it early, as in argv. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A snapshot with a row in every section paths can name: something to judge. */
#define FUZZ_SNAPSHOT                                                                            \
	"{\"schema\": \"latscope.snapshot\", \"version\": 1,"                                    \
	" \"time\": {\"duration_s\": 2.0},"                                                      \
	" \"syscalls\": {\"read\": {\"count\": 100, \"errors\": 3, \"rate_per_s\": 50,"          \
	"   \"total_ns\": 100000, \"min_ns\": 10, \"p50_ns\": 900, \"p90_ns\": 1500,"            \
	"   \"p95_ns\": 1800, \"p99_ns\": 2000, \"p999_ns\": 2100, \"max_ns\": 2200}},"          \
	" \"requests\": {\"servers\": [{\"port\": 8080, \"protocol\": \"http\","                 \
	"   \"count\": 40, \"errors\": 2, \"rate_per_s\": 20, \"p99_ns\": 5000000,"              \
	"   \"endpoints\": [{\"endpoint\": \"GET /x\", \"count\": 40, \"p99_ns\": 5000000}]}]}," \
	" \"upstreams\": {\"peers\": [{\"peer\": \"127.0.0.1:5432\", \"count\": 10,"             \
	"   \"p99_ns\": 1000}]},"                                                                \
	" \"functions\": {\"f\": {\"count\": 5, \"p99_ns\": 100}},"                              \
	" \"resources\": {\"processes\": [{\"pid\": 1, \"comm\": \"app\","                       \
	"   \"cpu\": {\"cpu_share\": 0.5}, \"memory\": {\"rss_kb\": 1000}}]},"                   \
	" \"overhead\": {\"kernel_cpu_share\": 0.01, \"loader\": {\"peak_rss_kb\": 9000},"       \
	"   \"ringbuf\": {\"records\": 3, \"dropped\": 0}},"                                     \
	" \"slow_syscalls\": {\"reported\": 0}}"

#endif
