// Lexer of the assertion language: numbers with units, names, quoted keys.
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "judge/expr_lex.h"

static const struct {
	const char *suffix;
	double scale;
	enum expr_dim dim;
} units[] = {
	{ "ns", 1, DIM_TIME },
	{ "us", 1e3, DIM_TIME },
	{ "µs", 1e3, DIM_TIME },
	{ "ms", 1e6, DIM_TIME },
	{ "s", 1e9, DIM_TIME },
	{ "%", 0.01, DIM_FRACTION },
	{ "B", 1, DIM_BYTES },
	{ "KB", 1024, DIM_BYTES },
	{ "MB", 1024.0 * 1024, DIM_BYTES },
	{ "GB", 1024.0 * 1024 * 1024, DIM_BYTES },
	{ "KiB", 1024, DIM_BYTES },
	{ "MiB", 1024.0 * 1024, DIM_BYTES },
	{ "GiB", 1024.0 * 1024 * 1024, DIM_BYTES },
	{ "/s", 1, DIM_RATE },
};

static const struct {
	const char *text;
	enum tok_kind kind;
} punct[] = {
	{ "<=", T_LE },	 { ">=", T_GE },    { "==", T_EQ },    { "!=", T_NE },	  { "&&", T_AND },
	{ "||", T_OR },	 { "<", T_LT },	    { ">", T_GT },     { "=", T_EQ },	  { "!", T_NOT },
	{ ".", T_DOT },	 { "[", T_LBRACK }, { "]", T_RBRACK }, { "(", T_LPAREN }, { ")", T_RPAREN },
	{ "+", T_PLUS }, { "-", T_MINUS },  { "*", T_STAR },   { "/", T_SLASH },
};

static bool is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static bool is_ident_char(int c)
{
	return isalnum(c) || c == '_';
}

static void error_token(struct token *tok, const char *fmt, const char *arg)
{
	tok->kind = T_ERROR;
	snprintf(tok->text, sizeof(tok->text), fmt, arg);
}

/* A unit glued to the number: letters, '%', 'µ', or "/s" not followed by a name. */
static size_t unit_length(const char *p)
{
	size_t n = 0;

	if (p[0] == '/' && p[1] == 's' && !is_ident_char((unsigned char)p[2]))
		return 2;
	while (is_ident_start((unsigned char)p[n]) || p[n] == '%' || (unsigned char)p[n] >= 0x80)
		n++;
	return n;
}

static void lex_number(const char *src, size_t *pos, struct token *tok)
{
	const char *start = src + *pos, *p = start;
	char unit[32];
	size_t n;

	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.' && isdigit((unsigned char)p[1]))
		for (p++; isdigit((unsigned char)*p); p++)
			;
	tok->kind = T_NUM;
	tok->num = strtod(start, NULL);
	tok->dim = DIM_NONE;
	n = unit_length(p);
	*pos = p + n - src;
	if (!n)
		return;
	snprintf(unit, sizeof(unit), "%.*s", (int)n, p);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(unit, units[i].suffix)) {
			tok->num *= units[i].scale;
			tok->dim = units[i].dim;
			return;
		}
	}
	tok->column += p - start;
	error_token(tok, "unknown unit '%s' (ns, us, ms, s, %%, B, KB, MB, GB, /s)", unit);
}

bool expr_is_unit(const char *word)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(word, units[i].suffix))
			return true;
	return false;
}

static void lex_string(const char *src, size_t *pos, struct token *tok)
{
	char quote = src[*pos];
	size_t i = *pos + 1, n = 0;

	for (; src[i] && src[i] != quote; i++) {
		if (src[i] == '\\' && (src[i + 1] == quote || src[i + 1] == '\\'))
			i++;
		if (n + 1 >= sizeof(tok->text)) {
			error_token(tok, "quoted key longer than %s bytes", "255");
			*pos = i;
			return;
		}
		tok->text[n++] = src[i];
	}
	if (!src[i]) {
		error_token(tok, "unterminated string: no closing %s",
			    quote == '"' ? "'\"'" : "\"'\"");
		*pos = i;
		return;
	}
	tok->text[n] = '\0';
	tok->kind = T_STRING;
	*pos = i + 1;
}

static void lex_word(const char *src, size_t *pos, struct token *tok)
{
	size_t n = 0;

	while (is_ident_char((unsigned char)src[*pos + n]))
		n++;
	if (n >= sizeof(tok->text)) {
		error_token(tok, "name longer than %s bytes", "255");
		*pos += n;
		return;
	}
	memcpy(tok->text, src + *pos, n);
	tok->text[n] = '\0';
	*pos += n;
	tok->kind = !strcmp(tok->text, "and")	? T_AND
		    : !strcmp(tok->text, "or")	? T_OR
		    : !strcmp(tok->text, "not") ? T_NOT
						: T_IDENT;
}

void expr_lex(const char *src, size_t *pos, struct token *tok)
{
	unsigned char c;

	while (isspace((unsigned char)src[*pos]))
		(*pos)++;
	c = (unsigned char)src[*pos];
	memset(tok, 0, sizeof(*tok));
	tok->column = (int)*pos + 1;
	if (!c) {
		tok->kind = T_END;
		return;
	}
	if (isdigit(c) || (c == '.' && isdigit((unsigned char)src[*pos + 1])))
		return lex_number(src, pos, tok);
	if (c == '"' || c == '\'')
		return lex_string(src, pos, tok);
	if (is_ident_start(c))
		return lex_word(src, pos, tok);
	for (size_t i = 0; i < sizeof(punct) / sizeof(punct[0]); i++) {
		size_t n = strlen(punct[i].text);

		if (!strncmp(src + *pos, punct[i].text, n)) {
			tok->kind = punct[i].kind;
			*pos += n;
			return;
		}
	}
	(*pos)++;
	if (isprint(c)) {
		char s[2] = { (char)c, 0 };

		error_token(tok, "unexpected character '%s'", s);
	} else {
		error_token(tok, "unexpected byte %s", "(not printable)");
	}
}

const char *expr_token_name(enum tok_kind kind)
{
	static const char *const names[] = {
		[T_END] = "end of expression",
		[T_NUM] = "a number",
		[T_IDENT] = "a name",
		[T_STRING] = "a quoted key",
		[T_DOT] = "'.'",
		[T_LBRACK] = "'['",
		[T_RBRACK] = "']'",
		[T_LPAREN] = "'('",
		[T_RPAREN] = "')'",
		[T_PLUS] = "'+'",
		[T_MINUS] = "'-'",
		[T_STAR] = "'*'",
		[T_SLASH] = "'/'",
		[T_LT] = "'<'",
		[T_LE] = "'<='",
		[T_GT] = "'>'",
		[T_GE] = "'>='",
		[T_EQ] = "'=='",
		[T_NE] = "'!='",
		[T_AND] = "'and'",
		[T_OR] = "'or'",
		[T_NOT] = "'not'",
		[T_ERROR] = "an error",
	};

	return names[kind];
}
