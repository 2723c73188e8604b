// The function-tracing workload's own shared library (libfuncs.so).
#include "libfuncs.h"

static volatile unsigned long lib_sink;

__attribute__((noinline)) unsigned long lib_work(unsigned long x)
{
	lib_sink += x;
	return lib_sink;
}
