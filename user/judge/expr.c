// Parser of assertions: precedence climbing, typed as it goes.
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "judge/expr.h"
#include "judge/expr_lex.h"
#include "judge/expr_tree.h"

/* Deep enough for any real requirement, shallow enough for any stack. */
#define MAX_DEPTH 64

struct parser {
	const char *src;
	size_t pos;
	struct token tok; /* the current, not yet consumed, token */
	int depth;
	struct expr_error *err;
	bool failed;
};

static const char *const dim_names[] = {
	[DIM_NONE] = "a plain number", [DIM_TIME] = "a duration", [DIM_FRACTION] = "a fraction",
	[DIM_BYTES] = "a size",	       [DIM_RATE] = "a rate",
};

static struct node *fail_at(struct parser *p, int column, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct node *fail_at(struct parser *p, int column, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return NULL;
	p->failed = true;
	p->err->column = column;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return NULL;
}

static void free_node(struct node *n)
{
	if (!n)
		return;
	free_node(n->lhs);
	free_node(n->rhs);
	free((char *)n->field.key);
	free(n);
}

static struct node *new_node(struct parser *p, enum node_kind kind, int column)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n)
		return fail_at(p, column, "out of memory");
	n->kind = kind;
	n->column = column;
	return n;
}

static void advance(struct parser *p)
{
	expr_lex(p->src, &p->pos, &p->tok);
	if (p->tok.kind == T_ERROR)
		fail_at(p, p->tok.column, "%s", p->tok.text);
}

static bool expect(struct parser *p, enum tok_kind kind, const char *what)
{
	if (p->failed)
		return false;
	if (p->tok.kind != kind) {
		fail_at(p, p->tok.column, "expected %s, found %s", what,
			expr_token_name(p->tok.kind));
		return false;
	}
	advance(p);
	return !p->failed;
}

static struct node *parse_expr(struct parser *p, int min_prec);

/* One path segment after the section: ".name" or "[\"key\"]". */
static bool read_segment(struct parser *p, char *out, size_t len, bool *quoted, int *column)
{
	*column = p->tok.column;
	if (p->tok.kind == T_LBRACK) {
		advance(p);
		*column = p->tok.column;
		if (p->failed || p->tok.kind != T_STRING) {
			fail_at(p, p->tok.column, "expected a quoted key after '['");
			return false;
		}
		snprintf(out, len, "%s", p->tok.text);
		*quoted = true;
		advance(p);
		return expect(p, T_RBRACK, "']'");
	}
	if (p->tok.kind != T_DOT)
		return false;
	advance(p);
	*column = p->tok.column;
	if (p->failed || p->tok.kind != T_IDENT) {
		fail_at(p, p->tok.column, "expected a name after '.'");
		return false;
	}
	snprintf(out, len, "%s", p->tok.text);
	*quoted = false;
	advance(p);
	return !p->failed;
}

static struct node *bad_metric(struct parser *p, const struct section_def *s, const char *name,
			       int column, bool aggregate)
{
	char names[512];

	expr_metric_names(s, aggregate, names, sizeof(names));
	if (aggregate && expr_find_metric(s, name))
		return fail_at(p, column, "%s.%s needs a key, e.g. %s.NAME.%s (without one: %s)",
			       s->name, name, s->name, name, names);
	return fail_at(p, column, "unknown metric '%s' of %s (known: %s)", name, s->name, names);
}

/* section [ .key | ["key"] ] .metric — checked against the field table. */
static struct node *parse_path(struct parser *p)
{
	char first[EXPR_MAX_STRING], second[EXPR_MAX_STRING], names[512];
	int column = p->tok.column, c1 = 0, c2 = 0;
	const struct section_def *s = expr_find_section(p->tok.text);
	bool quoted = false, q2 = false;
	struct node *n;

	if (!s) {
		expr_section_names(names, sizeof(names));
		return fail_at(p, column, "unknown name '%s' (known: %s)", p->tok.text, names);
	}
	advance(p);
	if (!read_segment(p, first, sizeof(first), &quoted, &c1))
		return p->failed ? NULL
				 : fail_at(p, p->tok.column, "'%s' needs a metric, e.g. %s.%s",
					   s->name, s->name, s->metrics[0].name);
	n = new_node(p, N_FIELD, column);
	if (!n)
		return NULL;
	n->field.section = s;
	if (s->keyed && (quoted || p->tok.kind == T_DOT || p->tok.kind == T_LBRACK)) {
		if (!read_segment(p, second, sizeof(second), &q2, &c2) || q2) {
			free_node(n);
			return fail_at(p, q2 ? c2 : p->tok.column,
				       "expected '.METRIC' after the key of %s", s->name);
		}
		n->field.key = strdup(first);
		n->field.metric = expr_find_metric(s, second);
		if (!n->field.metric || !n->field.key) {
			free_node(n);
			return bad_metric(p, s, second, c2, false);
		}
	} else {
		n->field.metric = quoted ? NULL : expr_find_metric(s, first);
		if (!n->field.metric || (s->keyed && n->field.metric->combine != COMBINE_SUM)) {
			free_node(n);
			return bad_metric(p, s, first, c1, s->keyed);
		}
	}
	n->dim = n->field.metric->dim;
	return n;
}

static struct node *parse_primary(struct parser *p)
{
	struct node *n;
	int column = p->tok.column;

	switch (p->tok.kind) {
	case T_NUM:
		n = new_node(p, N_NUM, column);
		if (n) {
			n->num = p->tok.num;
			n->dim = p->tok.dim;
		}
		advance(p);
		if (n && !n->dim && p->tok.kind == T_IDENT && expr_is_unit(p->tok.text)) {
			double v = n->num;

			free_node(n);
			return fail_at(p, p->tok.column, "no space before a unit: write %g%s", v,
				       p->tok.text);
		}
		return n;
	case T_IDENT:
		return parse_path(p);
	case T_LPAREN:
		advance(p);
		n = parse_expr(p, 0);
		if (n && !expect(p, T_RPAREN, "')'")) {
			free_node(n);
			return NULL;
		}
		return n;
	case T_MINUS:
		advance(p);
		n = new_node(p, N_NEG, column);
		if (n)
			n->lhs = parse_expr(p, 6);
		if (n && n->lhs && n->lhs->is_bool) {
			free_node(n);
			return fail_at(p, column, "'-' needs a number, not a condition");
		}
		if (n && n->lhs)
			n->dim = n->lhs->dim;
		return n;
	case T_NOT:
		advance(p);
		n = new_node(p, N_NOT, column);
		if (n)
			n->lhs = parse_expr(p, 3);
		if (n && n->lhs && !n->lhs->is_bool) {
			free_node(n);
			return fail_at(p, column, "'not' needs a condition, e.g. not (a < b)");
		}
		if (n)
			n->is_bool = true;
		return n;
	default:
		return fail_at(p, column, "expected a number, a metric or '(', found %s",
			       expr_token_name(p->tok.kind));
	}
}

/* Binding strength of a binary operator token; 0 when it is none. */
static int precedence(enum tok_kind kind)
{
	switch (kind) {
	case T_OR:
		return 1;
	case T_AND:
		return 2;
	case T_LT:
	case T_LE:
	case T_GT:
	case T_GE:
	case T_EQ:
	case T_NE:
		return 4;
	case T_PLUS:
	case T_MINUS:
		return 5;
	case T_STAR:
	case T_SLASH:
		return 6;
	default:
		return 0;
	}
}

static enum node_kind binary_kind(enum tok_kind kind)
{
	static const enum node_kind map[] = {
		[T_OR] = N_OR,	  [T_AND] = N_AND,   [T_LT] = N_LT,    [T_LE] = N_LE,
		[T_GT] = N_GT,	  [T_GE] = N_GE,     [T_EQ] = N_EQ,    [T_NE] = N_NE,
		[T_PLUS] = N_ADD, [T_MINUS] = N_SUB, [T_STAR] = N_MUL, [T_SLASH] = N_DIV,
	};

	return map[kind];
}

/* Types @n from its operands; the dimension rules are in README.md. */
static bool type_binary(struct parser *p, struct node *n)
{
	enum expr_dim l = n->lhs->dim, r = n->rhs->dim;
	bool want_bool = n->kind == N_AND || n->kind == N_OR;

	if (want_bool) {
		if (!n->lhs->is_bool || !n->rhs->is_bool)
			return !fail_at(p, n->column,
					"'%s' joins conditions, e.g. a < 1ms %s b > 2",
					n->kind == N_AND ? "and" : "or",
					n->kind == N_AND ? "and" : "or");
		n->is_bool = true;
		return true;
	}
	if (n->lhs->is_bool || n->rhs->is_bool)
		return !fail_at(p, n->column, "a condition cannot be %s",
				is_comparison(n->kind) ? "compared; join conditions with 'and'/'or'"
						       : "used as a number");
	if (is_comparison(n->kind)) {
		n->is_bool = true;
		if (l == r || (l != DIM_TIME && r != DIM_TIME && (l == DIM_NONE || r == DIM_NONE)))
			return true;
		if (l == DIM_TIME || r == DIM_TIME)
			if (l == DIM_NONE || r == DIM_NONE)
				return !fail_at(p, n->column,
						"a duration needs a unit: write 5ms, not 5");
		return !fail_at(p, n->column, "cannot compare %s with %s", dim_names[l],
				dim_names[r]);
	}
	if (n->kind == N_ADD || n->kind == N_SUB) {
		if (l != r && l != DIM_NONE && r != DIM_NONE)
			return !fail_at(p, n->column, "cannot add or subtract %s and %s",
					dim_names[l], dim_names[r]);
		n->dim = l != DIM_NONE ? l : r;
	} else if (n->kind == N_MUL) {
		n->dim = l == DIM_NONE ? r : r == DIM_NONE ? l : DIM_NONE;
	} else {
		n->dim = r == DIM_NONE ? l : DIM_NONE;
	}
	return true;
}

static struct node *parse_expr(struct parser *p, int min_prec)
{
	struct node *lhs;
	int prec;

	if (++p->depth > MAX_DEPTH) {
		p->depth--;
		return fail_at(p, p->tok.column, "expression nested too deeply");
	}
	lhs = parse_primary(p);
	while (lhs && !p->failed && (prec = precedence(p->tok.kind)) > min_prec) {
		struct node *n = new_node(p, binary_kind(p->tok.kind), p->tok.column);

		if (!n)
			break;
		n->lhs = lhs;
		lhs = n;
		if (is_comparison(n->kind) && is_comparison(n->lhs->kind)) {
			fail_at(p, n->column, "comparisons do not chain; use 'and'");
			break;
		}
		advance(p);
		/* Comparisons do not associate: their right side binds tighter. */
		n->rhs = parse_expr(p, prec);
		if (!n->rhs || !type_binary(p, n))
			break;
	}
	p->depth--;
	if (p->failed) {
		free_node(lhs);
		return NULL;
	}
	return lhs;
}

int expr_parse(const char *text, struct expr **out, struct expr_error *err)
{
	struct parser p = { .src = text, .err = err };
	struct node *root;
	struct expr *e;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	advance(&p);
	root = p.failed ? NULL : parse_expr(&p, 0);
	if (root && p.tok.kind != T_END)
		fail_at(&p, p.tok.column, "unexpected %s after the expression",
			expr_token_name(p.tok.kind));
	if (root && !p.failed && !root->is_bool)
		fail_at(&p, 1, "not a condition: compare it, e.g. ... < 10ms");
	e = p.failed ? NULL : calloc(1, sizeof(*e));
	if (e)
		e->text = strdup(text);
	if (!e || !e->text) {
		if (!p.failed)
			fail_at(&p, 1, "out of memory");
		free(e);
		free_node(root);
		return -EINVAL;
	}
	e->root = root;
	*out = e;
	return 0;
}

void expr_free(struct expr *e)
{
	if (!e)
		return;
	free_node(e->root);
	free(e->text);
	free(e);
}

const char *expr_text(const struct expr *e)
{
	return e->text;
}
