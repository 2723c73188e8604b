// HTTP/1.x request and status lines from untrusted captured bytes.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "protocols/http.h"

#define METHOD_MAX 16
#define ELLIPSIS   "..."

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Visible ASCII: what RFC 9112 allows in a request-target. */
static bool is_target_char(char c)
{
	return c > 0x20 && c < 0x7f;
}

/* @s (of @n bytes) matches @prefix as far as both go. */
static bool matches_prefix(const char *s, size_t n, const char *prefix)
{
	size_t plen = strlen(prefix);

	return !memcmp(s, prefix, n < plen ? n : plen);
}

int http_parse_status(const char *buf, size_t len)
{
	int code = 0;

	if (len < 12 || memcmp(buf, "HTTP/1.", 7) || !is_digit(buf[7]) || buf[8] != ' ')
		return 0;
	for (int i = 9; i < 12; i++) {
		if (!is_digit(buf[i]))
			return 0;
		code = code * 10 + (buf[i] - '0');
	}
	if (len > 12 && buf[12] != ' ' && buf[12] != '\r')
		return 0;
	return code >= 100 && code <= 599 ? code : 0;
}

static bool segment_is_id(const char *s, size_t n)
{
	size_t digits = 0, hex = 0;

	for (size_t i = 0; i < n; i++) {
		digits += is_digit(s[i]);
		hex += is_hex(s[i]);
	}
	if (n && digits == n)
		return true;
	if (n == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' && hex == 32)
		return true;
	return n >= 8 && hex == n && digits > 0;
}

static bool ends_with_ellipsis(const char *s)
{
	size_t n = strlen(s);

	return n >= 3 && !strcmp(s + n - 3, ELLIPSIS);
}

/* Makes @path fit @size bytes, ending in "..." if it was cut anywhere. */
static void mark_cut(char *path, size_t size, bool cut)
{
	size_t n = strlen(path);

	if (n < size && (!cut || ends_with_ellipsis(path)))
		return;
	if (n + sizeof(ELLIPSIS) > size)
		n = size - sizeof(ELLIPSIS);
	memcpy(path + n, ELLIPSIS, sizeof(ELLIPSIS));
}

void http_fold_path(char *path, size_t size)
{
	char out[HTTP_ENDPOINT_LEN * 2];
	size_t o = 0, i = 0, n = strlen(path);

	while (i < n && o + 5 < sizeof(out)) {
		size_t end = i;

		if (path[i] == '/') {
			out[o++] = '/';
			i++;
			continue;
		}
		while (end < n && path[end] != '/')
			end++;
		if (segment_is_id(path + i, end - i)) {
			memcpy(out + o, "{id}", 4);
			o += 4;
		} else {
			size_t take = end - i;

			if (take > sizeof(out) - 1 - o)
				take = sizeof(out) - 1 - o;
			memcpy(out + o, path + i, take);
			o += take;
		}
		i = end;
	}
	out[o] = '\0';
	mark_cut(out, size, i < n);
	memcpy(path, out, strlen(out) + 1);
}

/* Length of the method token, or 0 when there is none followed by ' '. */
static size_t method_len(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && i < METHOD_MAX && is_upper(buf[i]))
		i++;
	return i && i < len && buf[i] == ' ' ? i : 0;
}

int http_parse_request(const char *buf, size_t len, bool keep_query, char *out, size_t out_len)
{
	size_t m = method_len(buf, len), t, end, path_end;
	char path[HTTP_ENDPOINT_LEN];
	bool cut;

	if (!m || out_len < METHOD_MAX + 8 || m + 1 >= len ||
	    (buf[m + 1] != '/' && buf[m + 1] != '*'))
		return -EINVAL;
	t = m + 1;
	end = t;
	while (end < len && is_target_char(buf[end]))
		end++;
	cut = end == len;
	/* What follows the target must be " HTTP/1.x", as far as captured. */
	if (!cut && (buf[end] != ' ' || !matches_prefix(buf + end + 1, len - end - 1, "HTTP/1.")))
		return -EINVAL;
	path_end = end;
	if (!keep_query) {
		for (size_t i = t; i < end; i++) {
			if (buf[i] == '?' || buf[i] == '#') {
				path_end = i;
				cut = false;
				break;
			}
		}
	}
	if (path_end - t >= sizeof(path)) {
		path_end = t + sizeof(path) - 1;
		cut = true;
	}
	memcpy(path, buf + t, path_end - t);
	path[path_end - t] = '\0';
	http_fold_path(path, sizeof(path));
	mark_cut(path, out_len - m - 1, cut);
	snprintf(out, out_len, "%.*s %s", (int)m, buf, path);
	return 0;
}
