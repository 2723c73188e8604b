/* The tokens of the assertion language (see expr.h); internal to expr.c. */
#ifndef LATSCOPE_EXPR_LEX_H
#define LATSCOPE_EXPR_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include "judge/expr_fields.h"

#define EXPR_MAX_STRING 256

enum tok_kind {
	T_END,
	T_NUM,
	T_IDENT,
	T_STRING,
	T_DOT,
	T_LBRACK,
	T_RBRACK,
	T_LPAREN,
	T_RPAREN,
	T_PLUS,
	T_MINUS,
	T_STAR,
	T_SLASH,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
	T_EQ,
	T_NE,
	T_AND,
	T_OR,
	T_NOT,
	T_ERROR,
};

struct token {
	enum tok_kind kind;
	int column;		    /* 1-based */
	double num;		    /* T_NUM, already scaled by its unit */
	enum expr_dim dim;	    /* T_NUM */
	char text[EXPR_MAX_STRING]; /* T_IDENT, T_STRING; T_ERROR: message */
};

/* Reads the token at *pos and advances past it. */
void expr_lex(const char *src, size_t *pos, struct token *tok);
/* "ms", "%", "KB": for telling "5 ms" apart from a misplaced name. */
bool expr_is_unit(const char *word);
const char *expr_token_name(enum tok_kind kind);

#endif
