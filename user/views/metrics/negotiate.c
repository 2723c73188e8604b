// Accept and Accept-Encoding for /metrics.
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "views/metrics/negotiate.h"

#define PROTOBUF_TYPE  "application/vnd.google.protobuf"
#define PROTOBUF_PROTO "io.prometheus.client.MetricFamily"

/* One element of a comma-separated header: [start, end), blanks trimmed. */
struct span {
	const char *start, *end;
};

static struct span trimmed(const char *start, const char *end)
{
	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return (struct span){ start, end };
}

static bool span_is(struct span s, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(s.end - s.start) == n && !strncasecmp(s.start, word, n);
}

/* The value of parameter @name in "type;a=b;q=0.5" (quotes dropped), or false. */
static bool param(struct span range, const char *name, struct span *value)
{
	const char *p = memchr(range.start, ';', range.end - range.start);

	while (p && p < range.end) {
		const char *next = memchr(p + 1, ';', range.end - p - 1);
		struct span item = trimmed(p + 1, next ? next : range.end);
		const char *eq = memchr(item.start, '=', item.end - item.start);

		if (eq && span_is(trimmed(item.start, eq), name)) {
			*value = trimmed(eq + 1, item.end);
			if (value->end - value->start >= 2 && *value->start == '"' &&
			    value->end[-1] == '"')
				*value = (struct span){ value->start + 1, value->end - 1 };
			return true;
		}
		p = next;
	}
	return false;
}

static double quality(struct span range)
{
	struct span q;

	return param(range, "q", &q) ? strtod(q.start, NULL) : 1.0;
}

/* What @range names among the formats latscope serves; false if none. */
static bool format_of(struct span range, enum metrics_format *fmt)
{
	const char *semi = memchr(range.start, ';', range.end - range.start);
	struct span type = trimmed(range.start, semi ? semi : range.end), v;

	if (span_is(type, PROTOBUF_TYPE)) {
		if (param(range, "proto", &v) && !span_is(v, PROTOBUF_PROTO))
			return false;
		if (param(range, "encoding", &v) && !span_is(v, "delimited"))
			return false;
		*fmt = METRICS_PROTOBUF;
	} else if (span_is(type, "application/openmetrics-text")) {
		*fmt = METRICS_OPENMETRICS;
	} else if (span_is(type, "text/plain") || span_is(type, "text/*") || span_is(type, "*/*")) {
		*fmt = METRICS_PROMETHEUS_TEXT;
	} else {
		return false;
	}
	return true;
}

/* The next comma-separated element at *cursor, blanks trimmed; false at the end. */
static bool next_element(const char **cursor, struct span *out)
{
	const char *p = *cursor, *comma;

	if (!p || !*p)
		return false;
	comma = strchr(p, ',');
	*out = trimmed(p, comma ? comma : p + strlen(p));
	*cursor = comma ? comma + 1 : NULL;
	return true;
}

enum metrics_format metrics_format_for_accept(const char *accept)
{
	enum metrics_format best = METRICS_PROMETHEUS_TEXT, fmt;
	double best_q = 0;
	struct span range;

	for (const char *cursor = accept; next_element(&cursor, &range);) {
		double q = quality(range);

		if (q > best_q && format_of(range, &fmt)) {
			best = fmt;
			best_q = q;
		}
	}
	return best;
}

const char *metrics_content_type(enum metrics_format fmt)
{
	switch (fmt) {
	case METRICS_OPENMETRICS:
		return "application/openmetrics-text; version=1.0.0; charset=utf-8";
	case METRICS_PROTOBUF:
		return PROTOBUF_TYPE "; proto=" PROTOBUF_PROTO "; encoding=delimited";
	default:
		return "text/plain; version=0.0.4; charset=utf-8";
	}
}

bool metrics_gzip_accepted(const char *accept_encoding)
{
	struct span coding;

	for (const char *cursor = accept_encoding; next_element(&cursor, &coding);) {
		const char *semi = memchr(coding.start, ';', coding.end - coding.start);
		struct span name = trimmed(coding.start, semi ? semi : coding.end);

		if ((span_is(name, "gzip") || span_is(name, "x-gzip") || span_is(name, "*")) &&
		    quality(coding) > 0)
			return true;
	}
	return false;
}
