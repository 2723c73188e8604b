/* The parsed form of an assertion, shared by its parser and evaluator. */
#ifndef LATSCOPE_EXPR_TREE_H
#define LATSCOPE_EXPR_TREE_H

#include <stdbool.h>
#include "judge/expr_fields.h"

enum node_kind {
	N_NUM,
	N_FIELD,
	N_NEG,
	N_ADD,
	N_SUB,
	N_MUL,
	N_DIV,
	N_LT,
	N_LE,
	N_GT,
	N_GE,
	N_EQ,
	N_NE,
	N_AND,
	N_OR,
	N_NOT,
};

struct node {
	enum node_kind kind;
	int column;
	bool is_bool;
	enum expr_dim dim;
	double num;
	struct field_ref field;
	struct node *lhs, *rhs;
};

struct expr {
	char *text;
	struct node *root;
};

static inline bool is_comparison(enum node_kind k)
{
	return k >= N_LT && k <= N_NE;
}

#endif
