/*
 * A list of named requirements (from --assert and requirements files),
 * their verdicts against a snapshot, and the ways to show them: a table,
 * the snapshot's "checks" key, JUnit XML (junit.h).
 *
 * Requirements file: one assertion per line, `[NAME:] EXPRESSION [# comment]`;
 * blank lines and lines starting with '#' are skipped.
 */
#ifndef LATSCOPE_CHECKS_H
#define LATSCOPE_CHECKS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include "judge/expr.h"

struct check {
	char *name;	   /* the NAME: prefix, or the expression text */
	char *origin;	   /* "file:line", or "--assert" */
	struct expr *expr; /* NULL: a fact the caller judged (checks_add_fact) */
	char *fact;	   /* a fact's text, in place of an expression */
	struct expr_result result;
	double eval_s; /* time spent judging it (JUnit's testcase time) */
};

struct check_list {
	struct check *items;
	int n;
};

/*
 * A requirement latscope judges itself, not from the snapshot: @text says
 * what it requires ("the command ran and was not killed"), the verdict is
 * @passed, @measured what was seen and @reason (may be NULL) why it failed.
 */
int checks_add_fact(struct check_list *list, const char *name, const char *text, bool passed,
		    const char *measured, const char *reason);
/* What a requirement says: its expression's text, or its fact's. */
const char *check_text(const struct check *c);

/* Parses @text; on error, @why holds "ORIGIN: column N: message". */
int checks_add(struct check_list *list, const char *name, const char *text, const char *origin,
	       int column_offset, char *why, size_t len);
/* A requirements file's contents; @path names it in messages. */
int checks_parse_lines(struct check_list *list, const char *contents, const char *path, char *why,
		       size_t len);
int checks_load_file(struct check_list *list, const char *path, char *why, size_t len);
void checks_free(struct check_list *list);

/* Fills every item's result; returns how many failed (no data fails). */
int checks_evaluate(struct check_list *list, const json_t *snapshot);
/* The verdict table, ending "N of M requirements met: PASS" (or FAIL). */
void checks_print(FILE *out, const struct check_list *list);
/*
 * Under the table: for each failed requirement, the histograms of the
 * latency rows it reads from @snap (where the time went, not just p99).
 */
void checks_print_details(FILE *out, const struct check_list *list, const json_t *snap);
/* How many of @list failed. */
int checks_failed(const struct check_list *list);
/*
 * {"passed": n, "failed": n, "results": [{name, expression, verdict,
 * measured (a number or null), unit, limit, measured_text, ...}]}
 */
json_t *checks_json(const struct check_list *list);

#endif
