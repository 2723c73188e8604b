// Requirements: reading them, judging them, showing the verdicts.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "judge/checks.h"
#include "judge/expr_tree.h"
#include "views/json/snapshot.h"
#include "views/text/histogram.h"

#define MAX_FILE_BYTES (1 << 20)

int checks_add(struct check_list *list, const char *name, const char *text, const char *origin,
	       int column_offset, char *why, size_t len)
{
	struct check *items, *c;
	struct expr_error err;
	struct expr *e;

	if (expr_parse(text, &e, &err)) {
		snprintf(why, len, "%s: column %d: %s", origin, err.column + column_offset,
			 err.msg);
		return -EINVAL;
	}
	items = realloc(list->items, (list->n + 1) * sizeof(*items));
	if (!items) {
		expr_free(e);
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	list->items = items;
	c = &items[list->n];
	memset(c, 0, sizeof(*c));
	c->expr = e;
	c->name = strdup(name && *name ? name : text);
	c->origin = strdup(origin);
	list->n++;
	if (!c->name || !c->origin) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int checks_add_fact(struct check_list *list, const char *name, const char *text, bool passed,
		    const char *measured, const char *reason)
{
	struct check *items = realloc(list->items, (list->n + 1) * sizeof(*items)), *c;

	if (!items)
		return -ENOMEM;
	list->items = items;
	c = &items[list->n++];
	memset(c, 0, sizeof(*c));
	c->name = strdup(name);
	c->origin = strdup("latscope");
	c->fact = strdup(text);
	c->result.verdict = passed ? EXPR_PASS : EXPR_FAIL;
	snprintf(c->result.measured, sizeof(c->result.measured), "%s", measured);
	snprintf(c->result.limit, sizeof(c->result.limit), "%s", passed ? "" : "-");
	if (reason)
		snprintf(c->result.reason, sizeof(c->result.reason), "%s", reason);
	return c->name && c->origin && c->fact ? 0 : -ENOMEM;
}

const char *check_text(const struct check *c)
{
	return c->expr ? expr_text(c->expr) : c->fact;
}

/* Where a '#' outside quotes starts a comment; the line's end otherwise. */
static char *comment_start(char *line)
{
	char quote = 0;

	for (char *p = line; *p; p++) {
		if (quote && *p == '\\' && p[1])
			p++;
		else if (quote && *p == quote)
			quote = 0;
		else if (!quote && (*p == '"' || *p == '\''))
			quote = *p;
		else if (!quote && *p == '#')
			return p;
	}
	return line + strlen(line);
}

static char *trim(char *s, char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	*end = '\0';
	return s;
}

/* "NAME: expr": a ':' before any quote or bracket ends a name. */
static char *split_name(char *line, char **name)
{
	size_t n = strcspn(line, ":\"'[");

	*name = NULL;
	if (line[n] != ':')
		return line;
	line[n] = '\0';
	*name = trim(line, line + n);
	return line + n + 1;
}

static int parse_line(struct check_list *list, char *line, const char *path, int lineno, char *why,
		      size_t len)
{
	char origin[512], *name, *text, *start = line;

	text = trim(line, comment_start(line));
	if (!*text)
		return 0;
	text = split_name(text, &name);
	text = trim(text, text + strlen(text));
	snprintf(origin, sizeof(origin), "%s:%d", path, lineno);
	if (name && !*name) {
		snprintf(why, len, "%s: column 1: empty requirement name before ':'", origin);
		return -EINVAL;
	}
	return checks_add(list, name, text, origin, (int)(text - start), why, len);
}

int checks_parse_lines(struct check_list *list, const char *contents, const char *path, char *why,
		       size_t len)
{
	char *copy = strdup(contents), *line;
	int lineno = 0, err = 0, before = list->n;

	if (!copy)
		return -ENOMEM;
	/* strsep keeps empty lines, so line numbers stay right. */
	for (char *rest = copy; !err && (line = strsep(&rest, "\n"));)
		err = parse_line(list, line, path, ++lineno, why, len);
	free(copy);
	if (!err && list->n == before) {
		snprintf(why, len, "%s: no requirements in the file", path);
		return -EINVAL;
	}
	return err;
}

int checks_load_file(struct check_list *list, const char *path, char *why, size_t len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;
	int err;

	if (!f) {
		err = -errno;
		snprintf(why, len, "cannot read %s: %s", path, strerror(errno));
		return err;
	}
	buf = malloc(MAX_FILE_BYTES + 1);
	n = buf ? fread(buf, 1, MAX_FILE_BYTES + 1, f) : 0;
	fclose(f);
	if (!buf || n > MAX_FILE_BYTES) {
		free(buf);
		snprintf(why, len, "%s: %s", path, buf ? "larger than 1MB" : "out of memory");
		return buf ? -EFBIG : -ENOMEM;
	}
	buf[n] = '\0';
	err = checks_parse_lines(list, buf, path, why, len);
	free(buf);
	return err;
}

void checks_free(struct check_list *list)
{
	for (int i = 0; i < list->n; i++) {
		expr_free(list->items[i].expr);
		free(list->items[i].name);
		free(list->items[i].origin);
		free(list->items[i].fact);
	}
	free(list->items);
	list->items = NULL;
	list->n = 0;
}

int checks_evaluate(struct check_list *list, const json_t *snapshot)
{
	int failed = 0;

	for (int i = 0; i < list->n; i++) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (list->items[i].expr)
			expr_eval(list->items[i].expr, snapshot, &list->items[i].result);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		list->items[i].eval_s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		failed += list->items[i].result.verdict != EXPR_PASS;
	}
	return failed;
}

int checks_failed(const struct check_list *list)
{
	int failed = 0;

	for (int i = 0; i < list->n; i++)
		failed += list->items[i].result.verdict != EXPR_PASS;
	return failed;
}

static int name_width(const struct check_list *list)
{
	int w = 11;

	for (int i = 0; i < list->n; i++)
		if ((int)strlen(list->items[i].name) > w)
			w = (int)strlen(list->items[i].name);
	return w > 60 ? 60 : w;
}

void checks_print(FILE *out, const struct check_list *list)
{
	int w = name_width(list), failed = checks_failed(list);

	fprintf(out, "%-*s  %-16s  %-16s  %s\n", w, "REQUIREMENT", "MEASURED", "LIMIT", "VERDICT");
	for (int i = 0; i < list->n; i++) {
		const struct check *c = &list->items[i];

		fprintf(out, "%-*s  %-16s  %-16s  %s", w, c->name, c->result.measured,
			c->result.limit, expr_verdict_name(c->result.verdict));
		if (c->result.reason[0])
			fprintf(out, " (%s)", c->result.reason);
		fputc('\n', out);
	}
	fprintf(out, "%d of %d requirements met: %s\n", list->n - failed, list->n,
		failed ? "FAIL" : "PASS");
}

static json_t *number_or_null(double v, bool no_data)
{
	return no_data ? json_null() : json_real(v);
}

static json_t *comparisons_json(const struct expr_result *r)
{
	json_t *arr = json_array();

	for (int i = 0; i < r->n_values; i++) {
		const struct expr_value *v = &r->values[i];
		const char *unit = expr_dim_unit(v->dim);

		json_array_append_new(
			arr, json_pack("{s:o, s:s, s:o, s:o}", "measured",
				       number_or_null(v->measured, v->measured_no_data), "op",
				       v->op, "limit", number_or_null(v->limit, v->limit_no_data),
				       "unit", unit ? json_string(unit) : json_null()));
	}
	return arr;
}

json_t *checks_json(const struct check_list *list)
{
	json_t *results = json_array();
	int failed = checks_failed(list);

	for (int i = 0; i < list->n; i++) {
		const struct check *c = &list->items[i];
		const struct expr_result *r = &c->result;
		json_t *cmp = comparisons_json(r), *first = json_array_get(cmp, 0);

		/* The first comparison's sides stand for the requirement. */
		json_array_append_new(
			results,
			json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:O, s:s, s:s, s:o, s:s?}",
				  "name", c->name, "expression", check_text(c), "origin", c->origin,
				  "verdict",
				  r->verdict == EXPR_PASS   ? "pass"
				  : r->verdict == EXPR_FAIL ? "fail"
							    : "no_data",
				  "measured",
				  first ? json_object_get(first, "measured") : json_null(), "limit",
				  first ? json_object_get(first, "limit") : json_null(), "unit",
				  first ? json_object_get(first, "unit") : json_null(),
				  "measured_text", r->measured, "limit_text", r->limit,
				  "comparisons", cmp, "reason", r->reason[0] ? r->reason : NULL));
	}
	return json_pack("{s:i, s:i, s:o}", "passed", list->n - failed, "failed", failed, "results",
			 results);
}

#define DETAIL_BARS 16

/* The row @ref names in @snap: its exact key, else its name when unique. */
static const json_t *row_of(const struct field_ref *ref, const json_t *snap)
{
	const json_t *found = NULL;
	struct expr_row *rows;
	int n, by_name = 0;

	if (expr_section_rows(ref->section, json_object_get(snap, ref->section->json_key), &rows,
			      &n))
		return NULL;
	for (int i = 0; i < n && !found; i++)
		if (!strcmp(rows[i].key, ref->key))
			found = rows[i].row;
	for (int i = 0; i < n && !found; i++)
		if (!rows[i].group && !strcmp(rows[i].name, ref->key) && !by_name++)
			found = rows[i].row;
	free(rows);
	return by_name > 1 ? NULL : found;
}

/* Histograms of the latency rows a failed requirement reads. */
static void field_details(FILE *out, const struct node *n, const json_t *snap,
			  struct lat_stats *stats)
{
	const struct field_ref *ref;
	const json_t *row;
	char title[400];

	if (!n)
		return;
	ref = &n->field;
	if (n->kind != N_FIELD) {
		field_details(out, n->lhs, snap, stats);
		if (n->rhs)
			field_details(out, n->rhs, snap, stats);
		return;
	}
	if (!ref->key || ref->section->metrics != expr_latency_metrics ||
	    !json_is_object(json_object_get(snap, ref->section->json_key)))
		return;
	row = row_of(ref, snap);
	if (!row || snapshot_row_stats(row, stats))
		return;
	snprintf(title, sizeof(title), "  %s[\"%s\"]", ref->section->name, ref->key);
	hist_text_print(out, title, stats, DETAIL_BARS);
}

void checks_print_details(FILE *out, const struct check_list *list, const json_t *snap)
{
	struct lat_stats *stats = malloc(sizeof(*stats));

	for (int i = 0; stats && i < list->n; i++) {
		const struct check *c = &list->items[i];

		if (c->result.verdict != EXPR_FAIL || !c->expr)
			continue;
		fprintf(out, "\n%s: %s (limit %s)\n", c->name, c->result.measured, c->result.limit);
		field_details(out, c->expr->root, snap, stats);
	}
	free(stats);
}
