/* libfuncs.so: a shared library of the function-tracing tests. */
#ifndef LATSCOPE_TEST_LIBFUNCS_H
#define LATSCOPE_TEST_LIBFUNCS_H

unsigned long lib_work(unsigned long x);

#endif
