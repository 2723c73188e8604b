// Case-insensitive name filters.
#include <string.h>
#include "base/name_filter.h"

bool name_matches(const char *name, const char *filter)
{
	return !filter || !*filter || strcasestr(name, filter);
}
