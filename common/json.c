/* yajl_gen helpers. */
#include "common/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

yajl_gen json_gen_new(bool pretty)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (g == NULL)
		abort();
	if (pretty) {
		yajl_gen_config(g, yajl_gen_beautify, 1);
		yajl_gen_config(g, yajl_gen_indent_string, "  ");
	}
	return g;
}

void json_put_string(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

void json_put_key_string(yajl_gen g, const char *key, const char *value)
{
	json_put_string(g, key);
	json_put_string(g, value);
}

void json_put_key_bool(yajl_gen g, const char *key, bool value)
{
	json_put_string(g, key);
	yajl_gen_bool(g, value);
}

void json_put_key_int(yajl_gen g, const char *key, long long value)
{
	json_put_string(g, key);
	yajl_gen_integer(g, value);
}

void json_put_uint(yajl_gen g, uint64_t value)
{
	/* yajl_gen_integer takes long long; values above it go as raw text. */
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64, value);
	yajl_gen_number(g, buf, (size_t)n);
}

void json_put_key_uint(yajl_gen g, const char *key, uint64_t value)
{
	json_put_string(g, key);
	json_put_uint(g, value);
}

void json_put_string_array(yajl_gen g, const char *key, const char *const *items, size_t n)
{
	json_put_string(g, key);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++)
		json_put_string(g, items[i]);
	yajl_gen_array_close(g);
}

char *json_gen_take(yajl_gen g, bool newline)
{
	const unsigned char *buf;
	size_t len;
	char *out;

	yajl_gen_get_buf(g, &buf, &len);
	out = malloc(len + 2);
	if (out == NULL)
		abort();
	memcpy(out, buf, len);
	/* yajl's beautify mode already ends with a newline. */
	if (newline && (len == 0 || out[len - 1] != '\n'))
		out[len++] = '\n';
	out[len] = '\0';
	return out;
}
