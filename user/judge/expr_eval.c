// Evaluating a parsed assertion against a snapshot, and showing its values.
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "judge/expr.h"
#include "judge/expr_model.h"
#include "judge/expr_tree.h"
#include "base/format.h"

static const char *const op_text[] = {
	[N_LT] = "<", [N_LE] = "<=", [N_GT] = ">", [N_GE] = ">=", [N_EQ] = "==", [N_NE] = "!=",
};

/* Evaluation: numbers, or "no data" that poisons every verdict above it. */
struct value {
	bool no_data;
	bool truth;
	double num;
};

/* Fields come from a snapshot, or (snap NULL) from a model's window. */
struct eval_ctx {
	const json_t *snap;
	struct model *model;
	enum model_window window;
	struct expr_result *res;
};

static int field_value(const struct eval_ctx *c, const struct field_ref *ref, double *value,
		       char *why, size_t len)
{
	if (c->snap)
		return expr_field_value(ref, c->snap, value, why, len);
	return expr_model_value(ref, c->model, c->window, value, why, len);
}

static void append(char *buf, size_t len, const char *text)
{
	size_t used = strlen(buf);

	if (used < len)
		snprintf(buf + used, len - used, "%s%s", used ? ", " : "", text);
}

static void note_no_data(struct eval_ctx *c, const char *reason)
{
	if (!c->res->reason[0])
		snprintf(c->res->reason, sizeof(c->res->reason), "%s", reason);
}

static bool compare(enum node_kind k, double a, double b)
{
	switch (k) {
	case N_LT:
		return a < b;
	case N_LE:
		return a <= b;
	case N_GT:
		return a > b;
	case N_GE:
		return a >= b;
	case N_EQ:
		return a == b;
	default:
		return a != b;
	}
}

static struct value eval(struct eval_ctx *c, const struct node *n);

static void record_comparison(struct eval_ctx *c, const struct node *n, struct value l,
			      struct value r)
{
	enum expr_dim dim = n->lhs->dim != DIM_NONE ? n->lhs->dim : n->rhs->dim;
	char a[48], b[48], limit[64];

	append(c->res->measured, sizeof(c->res->measured),
	       l.no_data ? "no data" : expr_format_value(l.num, dim, a, sizeof(a)));
	snprintf(limit, sizeof(limit), "%s %s", op_text[n->kind],
		 r.no_data ? "no data" : expr_format_value(r.num, dim, b, sizeof(b)));
	append(c->res->limit, sizeof(c->res->limit), limit);
	if (c->res->n_values < EXPR_MAX_VALUES)
		c->res->values[c->res->n_values++] = (struct expr_value){
			.measured = l.num,
			.limit = r.num,
			.measured_no_data = l.no_data,
			.limit_no_data = r.no_data,
			.dim = dim,
			.op = op_text[n->kind],
		};
}

static struct value eval_binary(struct eval_ctx *c, const struct node *n)
{
	struct value l = eval(c, n->lhs), r = eval(c, n->rhs), v = {};

	if (is_comparison(n->kind))
		record_comparison(c, n, l, r);
	v.no_data = l.no_data || r.no_data;
	if (v.no_data)
		return v;
	switch (n->kind) {
	case N_ADD:
		v.num = l.num + r.num;
		break;
	case N_SUB:
		v.num = l.num - r.num;
		break;
	case N_MUL:
		v.num = l.num * r.num;
		break;
	case N_DIV:
		if (r.num == 0) {
			note_no_data(c, "no data: division by zero");
			v.no_data = true;
		} else {
			v.num = l.num / r.num;
		}
		break;
	case N_AND:
		v.truth = l.truth && r.truth;
		break;
	case N_OR:
		v.truth = l.truth || r.truth;
		break;
	default:
		v.truth = compare(n->kind, l.num, r.num);
		break;
	}
	return v;
}

static struct value eval(struct eval_ctx *c, const struct node *n)
{
	struct value v = {};
	char why[160];

	switch (n->kind) {
	case N_NUM:
		v.num = n->num;
		return v;
	case N_FIELD:
		if (field_value(c, &n->field, &v.num, why, sizeof(why))) {
			note_no_data(c, why);
			v.no_data = true;
		}
		return v;
	case N_NEG:
		v = eval(c, n->lhs);
		v.num = -v.num;
		return v;
	case N_NOT:
		v = eval(c, n->lhs);
		v.truth = !v.truth;
		return v;
	default:
		return eval_binary(c, n);
	}
}

static void judge(struct eval_ctx *c, const struct expr *e)
{
	struct value v;

	memset(c->res, 0, sizeof(*c->res));
	v = eval(c, e->root);
	c->res->verdict = v.no_data ? EXPR_NO_DATA : v.truth ? EXPR_PASS : EXPR_FAIL;
}

void expr_eval(const struct expr *e, const json_t *snapshot, struct expr_result *res)
{
	struct eval_ctx c = { .snap = snapshot, .res = res };

	judge(&c, e);
}

void expr_eval_live(const struct expr *e, struct model *model, enum model_window window,
		    struct expr_result *res)
{
	struct eval_ctx c = { .model = model, .window = window, .res = res };

	judge(&c, e);
}

const char *expr_verdict_name(enum expr_verdict v)
{
	return v == EXPR_PASS ? "PASS" : "FAIL";
}

static const char *format_bytes(double v, char *buf, size_t len)
{
	static const char *const suffix[] = { "B", "KB", "MB", "GB", "TB" };
	int i = 0;

	while (fabs(v) >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, "%.3g%s", v, suffix[i]);
	return buf;
}

const char *expr_dim_unit(enum expr_dim dim)
{
	switch (dim) {
	case DIM_TIME:
		return "ns";
	case DIM_FRACTION:
		return "fraction";
	case DIM_BYTES:
		return "bytes";
	case DIM_RATE:
		return "per_s";
	default:
		return NULL;
	}
}

const char *expr_format_value(double v, enum expr_dim dim, char *buf, size_t len)
{
	switch (dim) {
	case DIM_TIME:
		if (v >= 0 && v < 1.8e19)
			return format_duration((__u64)llround(v), buf, len);
		snprintf(buf, len, "%.3gns", v);
		return buf;
	case DIM_FRACTION:
		snprintf(buf, len, "%.3g%%", v * 100);
		return buf;
	case DIM_BYTES:
		return format_bytes(v, buf, len);
	case DIM_RATE:
		snprintf(buf, len, "%.4g/s", v);
		return buf;
	default:
		snprintf(buf, len, "%.6g", v);
		return buf;
	}
}
