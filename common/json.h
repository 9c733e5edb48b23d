/* Small helpers over yajl_gen for the JSON that vrun writes (state,
 * features, config, log records). */
#ifndef VRUN_COMMON_JSON_H
#define VRUN_COMMON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>

#include "common/error.h"

/* A generator; pretty adds newlines and two-space indentation. */
yajl_gen json_gen_new(bool pretty);

void json_put_string(yajl_gen g, const char *s);
void json_put_key_string(yajl_gen g, const char *key, const char *value);
void json_put_key_bool(yajl_gen g, const char *key, bool value);
void json_put_key_int(yajl_gen g, const char *key, long long value);
void json_put_key_uint(yajl_gen g, const char *key, uint64_t value);
void json_put_uint(yajl_gen g, uint64_t value);
void json_put_string_array(yajl_gen g, const char *key, const char *const *items, size_t n);

/* Copies the generated text (plus a trailing newline when newline is true)
 * into a new NUL-terminated string. */
char *json_gen_take(yajl_gen g, bool newline);

#endif
