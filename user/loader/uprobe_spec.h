/*
 * `-u SPEC` for function tracing: parsing the spec and matching its parts
 * against library paths and symbol names. Pure string logic, unit-tested.
 *
 *   SPEC    = [MODULE ":"] PATTERN
 *   MODULE  = a path (contains '/'), or a short name: the executable's base
 *             name or a mapped library's ("libc" matches libc.so.6)
 *   PATTERN = a symbol name, or a glob (* ? [...]) over symbol names
 *
 * C++ names match mangled ("_ZN3app6Server3runEi", or a glob such as
 * "_ZN3app*") or demangled: in full ("app::Server::run(int)"), without the
 * parameter list ("app::Server::run": every overload), or by glob
 * ("app::Server::*"). "::" never splits a spec.
 */
#ifndef LATSCOPE_UPROBE_SPEC_H
#define LATSCOPE_UPROBE_SPEC_H

#include <stdbool.h>
#include <stddef.h>

struct uprobe_spec {
	char *module; /* NULL: the main executable */
	char *pattern;
	bool glob;
};

/* 0, or -EINVAL (message in @why) / -ENOMEM. Free with uprobe_spec_free(). */
int uprobe_spec_parse(const char *arg, struct uprobe_spec *spec, char *why, size_t len);
void uprobe_spec_free(struct uprobe_spec *spec);

/* Whether a module name from a spec names the file at @path. */
bool uprobe_module_matches(const char *module, const char *path);
bool uprobe_pattern_matches(const struct uprobe_spec *spec, const char *name);

/* The demangled form of a C++ symbol (free() it), or NULL for others. */
char *uprobe_demangle(const char *name);

/* Levenshtein distance, for "did you mean"; gives up above @limit. */
size_t name_distance(const char *a, const char *b, size_t limit);

#endif
