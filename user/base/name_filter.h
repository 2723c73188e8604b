/* The filter behind every "rows whose name contains ..." (top's `/`, views). */
#ifndef LATSCOPE_NAME_FILTER_H
#define LATSCOPE_NAME_FILTER_H

#include <stdbool.h>

/* Case-insensitive substring test; a NULL or empty filter keeps all. */
bool name_matches(const char *name, const char *filter);

#endif
