/* JUnit XML for CI systems: one test case per requirement (libxml2). */
#ifndef LATSCOPE_JUNIT_H
#define LATSCOPE_JUNIT_H

#include "judge/checks.h"

/* Written to a temp file and renamed: never half-written. */
int junit_write(const char *path, const struct check_list *list, double duration_s);

#endif
