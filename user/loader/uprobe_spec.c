// Parsing -u specs and matching modules and symbol names against them.
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "loader/uprobe_spec.h"

/* The first ':' that is not half of a C++ "::". */
static const char *module_separator(const char *arg)
{
	for (const char *p = arg; *p; p++) {
		if (*p != ':')
			continue;
		if (p[1] == ':') {
			p++;
			continue;
		}
		return p;
	}
	return NULL;
}

int uprobe_spec_parse(const char *arg, struct uprobe_spec *spec, char *why, size_t len)
{
	const char *sep = module_separator(arg);
	const char *pattern = sep ? sep + 1 : arg;

	memset(spec, 0, sizeof(*spec));
	if (sep == arg) {
		snprintf(why, len, "invalid -u '%s': empty library name before ':'", arg);
		return -EINVAL;
	}
	if (!*pattern || strpbrk(pattern, " \t\n")) {
		snprintf(why, len, "invalid -u '%s': expected [LIBRARY:]FUNCTION, e.g. libc:malloc",
			 arg);
		return -EINVAL;
	}
	spec->pattern = strdup(pattern);
	if (sep)
		spec->module = strndup(arg, sep - arg);
	if (!spec->pattern || (sep && !spec->module)) {
		uprobe_spec_free(spec);
		return -ENOMEM;
	}
	spec->glob = strpbrk(pattern, "*?[") != NULL;
	return 0;
}

void uprobe_spec_free(struct uprobe_spec *spec)
{
	free(spec->module);
	free(spec->pattern);
	spec->module = spec->pattern = NULL;
}

static bool has_prefix_then(const char *s, const char *prefix, size_t n, const char *then)
{
	return !strncmp(s, prefix, n) && !strncmp(s + n, then, strlen(then));
}

/*
 * "libc" matches libc.so.6 and libc-2.31.so; "c" matches libc.so.6 too;
 * "libc.so.6" matches itself. "libc" does not match libcrypto.so.3.
 */
bool uprobe_module_matches(const char *module, const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n = strlen(module);

	if (strchr(module, '/'))
		return !strcmp(module, path);
	base = base ? base + 1 : path;
	if (!strcmp(base, module))
		return true;
	if (has_prefix_then(base, module, n, ".so") ||
	    (has_prefix_then(base, module, n, "-") && base[n + 1] >= '0' && base[n + 1] <= '9'))
		return true;
	return !strncmp(base, "lib", 3) && strncmp(module, "lib", 3) &&
	       has_prefix_then(base + 3, module, n, ".so");
}

/* libstdc++'s demangler, C-callable: the one every C++ toolchain ships. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

char *uprobe_demangle(const char *name)
{
	int status;

	if (strncmp(name, "_Z", 2))
		return NULL;
	return __cxa_demangle(name, NULL, NULL, &status);
}

static bool matches_text(const struct uprobe_spec *spec, const char *name)
{
	if (!spec->glob)
		return !strcmp(spec->pattern, name);
	return fnmatch(spec->pattern, name, 0) == 0;
}

/* "ns::f" names every overload: "ns::f(int)", "ns::f(char const*) const". */
static bool matches_without_params(const char *pattern, const char *name)
{
	size_t n = strlen(pattern);

	return !strncmp(name, pattern, n) && name[n] == '(';
}

bool uprobe_pattern_matches(const struct uprobe_spec *spec, const char *name)
{
	char *demangled;
	bool match;

	if (matches_text(spec, name))
		return true;
	/* A mangled pattern is matched against mangled names only. */
	if (!strncmp(spec->pattern, "_Z", 2) || strncmp(name, "_Z", 2))
		return false;
	demangled = uprobe_demangle(name);
	if (!demangled)
		return false;
	match = matches_text(spec, demangled) ||
		(!spec->glob && matches_without_params(spec->pattern, demangled));
	free(demangled);
	return match;
}

size_t name_distance(const char *a, const char *b, size_t limit)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row, best, result;

	if ((la > lb ? la - lb : lb - la) > limit)
		return limit + 1;
	row = malloc((lb + 1) * sizeof(*row));
	if (!row)
		return limit + 1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		best = row[0];
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], cost = a[i - 1] != b[j - 1];
			size_t v = diag + cost;

			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
			if (v < best)
				best = v;
		}
		if (best > limit) {
			free(row);
			return limit + 1;
		}
	}
	result = row[lb];
	free(row);
	return result > limit ? limit + 1 : result;
}
