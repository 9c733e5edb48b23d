/* The parser, writer and release routine over the tables of schema.h. */
#include "oci-spec/schema.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/xalloc.h"

/* A JSON path grown and shrunk while descending: "linux.resources.devices[2]". */
struct json_path {
	char buf[512];
	size_t len;
};

/* Appends what snprintf wrote at p->len, or marks the path as cut. */
static void path_grow(struct json_path *p, int n)
{
	size_t room = sizeof(p->buf) - p->len;
	if (n < 0 || (size_t)n >= room) {
		strcpy(p->buf + sizeof(p->buf) - 4, "...");
		p->len = sizeof(p->buf) - 1;
		return;
	}
	p->len += (size_t)n;
}

static void path_push_member(struct json_path *p, const char *name)
{
	size_t room = sizeof(p->buf) - p->len;
	path_grow(p, snprintf(p->buf + p->len, room, p->len == 0 ? "%s" : ".%s", name));
}

static void path_push_index(struct json_path *p, size_t index)
{
	path_grow(p, snprintf(p->buf + p->len, sizeof(p->buf) - p->len, "[%zu]", index));
}

static int path_error(const struct json_path *p, struct error **err, const char *msg)
{
	if (p->len == 0)
		return error_set(err, 0, "%s", msg);
	return error_set(err, 0, "%s: %s", p->buf, msg);
}

static bool json_is_integer_text(const char *text)
{
	if (text == NULL || *text == '\0')
		return false;
	return strpbrk(text, ".eE") == NULL;
}

static int parse_signed(yajl_val v, int64_t min, int64_t max, int64_t *out)
{
	if (!YAJL_IS_NUMBER(v) || !json_is_integer_text(v->u.number.r))
		return -1;
	errno = 0;
	char *end;
	long long n = strtoll(v->u.number.r, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

static int parse_unsigned(yajl_val v, uint64_t max, uint64_t *out)
{
	if (!YAJL_IS_NUMBER(v) || !json_is_integer_text(v->u.number.r) || v->u.number.r[0] == '-')
		return -1;
	errno = 0;
	char *end;
	unsigned long long n = strtoull(v->u.number.r, &end, 10);
	if (errno != 0 || *end != '\0' || n > max)
		return -1;
	*out = n;
	return 0;
}

static int range_error(const struct json_path *p, struct error **err, int64_t min, uint64_t max,
		       bool is_signed)
{
	char msg[96];
	if (is_signed)
		snprintf(msg, sizeof(msg), "must be an integer between %" PRId64 " and %" PRIu64,
			 min, max);
	else
		snprintf(msg, sizeof(msg), "must be an integer between 0 and %" PRIu64, max);
	return path_error(p, err, msg);
}

static int parse_strings(yajl_val v, struct oci_strings *out, const struct json_path *p,
			 struct error **err)
{
	if (!YAJL_IS_ARRAY(v))
		return path_error(p, err, "must be an array of strings");
	size_t n = v->u.array.len;
	for (size_t i = 0; i < n; i++)
		if (!YAJL_IS_STRING(v->u.array.values[i]))
			return path_error(p, err, "must be an array of strings");
	out->items = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		out->items[i] = xstrdup(YAJL_GET_STRING(v->u.array.values[i]));
	out->len = n;
	return 0;
}

static int parse_u32_array(yajl_val v, void *field, const struct json_path *p, struct error **err)
{
	OCI_ARRAY(uint32_t) *out = field;
	static const char msg[] = "must be an array of integers between 0 and 4294967295";
	if (!YAJL_IS_ARRAY(v))
		return path_error(p, err, msg);
	out->items = xcalloc(v->u.array.len, sizeof(uint32_t));
	for (size_t i = 0; i < v->u.array.len; i++) {
		uint64_t n;
		if (parse_unsigned(v->u.array.values[i], UINT32_MAX, &n) < 0)
			return path_error(p, err, msg);
		out->items[i] = (uint32_t)n;
		out->len = i + 1;
	}
	return 0;
}

static int parse_strmap(yajl_val v, struct oci_strmap *out, struct json_path *p, struct error **err)
{
	if (!YAJL_IS_OBJECT(v))
		return path_error(p, err, "must be an object with string values");
	size_t n = v->u.object.len;
	out->items = xcalloc(n, sizeof(*out->items));
	for (size_t i = 0; i < n; i++) {
		if (!YAJL_IS_STRING(v->u.object.values[i])) {
			path_push_member(p, v->u.object.keys[i]);
			return path_error(p, err, "must be a string");
		}
		out->items[i].key = xstrdup(v->u.object.keys[i]);
		out->items[i].value = xstrdup(YAJL_GET_STRING(v->u.object.values[i]));
		out->len = i + 1;
	}
	return 0;
}

static int parse_object(const struct schema *schema, yajl_val v, void *out, struct json_path *p,
			struct error **err);

/* Arrays of objects and objects of objects share one storage shape. */
struct any_array {
	char *items;
	size_t len;
};

static int parse_array(const struct schema *sub, yajl_val v, void *field, struct json_path *p,
		       struct error **err)
{
	struct any_array *out = field;
	if (!YAJL_IS_ARRAY(v))
		return path_error(p, err, "must be an array of objects");
	out->items = xcalloc(v->u.array.len, sub->size);
	size_t mark = p->len;
	for (size_t i = 0; i < v->u.array.len; i++) {
		out->len = i + 1;
		path_push_index(p, i);
		if (parse_object(sub, v->u.array.values[i], out->items + i * sub->size, p, err) < 0)
			return -1;
		p->len = mark;
		p->buf[mark] = '\0';
	}
	return 0;
}

static int parse_object_map(const struct schema *sub, yajl_val v, void *field, struct json_path *p,
			    struct error **err)
{
	struct any_array *out = field;
	if (!YAJL_IS_OBJECT(v))
		return path_error(p, err, "must be an object");
	out->items = xcalloc(v->u.object.len, sub->size);
	size_t mark = p->len;
	for (size_t i = 0; i < v->u.object.len; i++) {
		char *entry = out->items + i * sub->size;
		out->len = i + 1;
		*(char **)entry = xstrdup(v->u.object.keys[i]);
		path_push_member(p, v->u.object.keys[i]);
		if (parse_object(sub, v->u.object.values[i], entry, p, err) < 0)
			return -1;
		p->len = mark;
		p->buf[mark] = '\0';
	}
	return 0;
}

static int parse_number(const struct schema_field *f, yajl_val v, char *at, struct json_path *p,
			struct error **err)
{
	int64_t s;
	uint64_t u;

	switch (f->kind) {
	case SCHEMA_I32:
		if (parse_signed(v, INT32_MIN, INT32_MAX, &s) < 0)
			return range_error(p, err, INT32_MIN, INT32_MAX, true);
		*(int32_t *)at = (int32_t)s;
		return 0;
	case SCHEMA_U32:
		if (parse_unsigned(v, UINT32_MAX, &u) < 0)
			return range_error(p, err, 0, UINT32_MAX, false);
		*(uint32_t *)at = (uint32_t)u;
		return 0;
	case SCHEMA_I64:
		if (parse_signed(v, INT64_MIN, INT64_MAX, &s) < 0)
			return range_error(p, err, INT64_MIN, INT64_MAX, true);
		*(int64_t *)at = s;
		return 0;
	case SCHEMA_U64:
		if (parse_unsigned(v, UINT64_MAX, &u) < 0)
			return range_error(p, err, 0, UINT64_MAX, false);
		*(uint64_t *)at = u;
		return 0;
	case SCHEMA_OPT_I64: {
		int64_t min = f->max != 0 ? f->min : INT64_MIN;
		uint64_t max = f->max != 0 ? f->max : INT64_MAX;
		if (parse_signed(v, min, (int64_t)max, &s) < 0)
			return range_error(p, err, min, max, true);
		((oci_opt_int64 *)at)->set = true;
		((oci_opt_int64 *)at)->value = s;
		return 0;
	}
	case SCHEMA_OPT_U64: {
		uint64_t max = f->max != 0 ? f->max : UINT64_MAX;
		if (parse_unsigned(v, max, &u) < 0)
			return range_error(p, err, 0, max, false);
		((oci_opt_uint64 *)at)->set = true;
		((oci_opt_uint64 *)at)->value = u;
		return 0;
	}
	default:
		abort();
	}
}

static int parse_field(const struct schema_field *f, yajl_val v, char *base, struct json_path *p,
		       struct error **err)
{
	char *at = base + f->offset;

	switch (f->kind) {
	case SCHEMA_STRING:
		if (!YAJL_IS_STRING(v))
			return path_error(p, err, "must be a string");
		*(char **)at = xstrdup(YAJL_GET_STRING(v));
		return 0;
	case SCHEMA_BOOL:
		if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
			return path_error(p, err, "must be a boolean");
		*(bool *)at = YAJL_IS_TRUE(v);
		return 0;
	case SCHEMA_STRINGS:
		return parse_strings(v, (struct oci_strings *)at, p, err);
	case SCHEMA_U32_ARRAY:
		return parse_u32_array(v, at, p, err);
	case SCHEMA_STRMAP:
		return parse_strmap(v, (struct oci_strmap *)at, p, err);
	case SCHEMA_OBJECT:
		return parse_object(f->sub, v, at, p, err);
	case SCHEMA_OBJECT_PTR:
		*(void **)at = xcalloc(1, f->sub->size);
		return parse_object(f->sub, v, *(void **)at, p, err);
	case SCHEMA_ARRAY:
		return parse_array(f->sub, v, at, p, err);
	case SCHEMA_OBJECT_MAP:
		return parse_object_map(f->sub, v, at, p, err);
	default:
		return parse_number(f, v, at, p, err);
	}
}

static yajl_val object_member(yajl_val obj, const char *name)
{
	/* The last of duplicated members wins, as with Go's encoding/json. */
	for (size_t i = obj->u.object.len; i > 0; i--)
		if (strcmp(obj->u.object.keys[i - 1], name) == 0)
			return obj->u.object.values[i - 1];
	return NULL;
}

static int parse_object(const struct schema *schema, yajl_val v, void *out, struct json_path *p,
			struct error **err)
{
	if (!YAJL_IS_OBJECT(v))
		return path_error(p, err,
				  p->len == 0 ? "must be a JSON object" : "must be an object");
	size_t mark = p->len;
	for (const struct schema_field *f = schema->fields; f->name != NULL; f++) {
		yajl_val member = object_member(v, f->name);
		path_push_member(p, f->name);
		/* null is absent, as Go's encoding/json reads it. */
		if (member == NULL || YAJL_IS_NULL(member)) {
			if (f->required)
				return path_error(p, err, "is required");
		} else if (parse_field(f, member, out, p, err) < 0) {
			return -1;
		}
		p->len = mark;
		p->buf[mark] = '\0';
	}
	return 0;
}

int schema_parse(const struct schema *schema, yajl_val value, void *out, const char *path,
		 struct error **err)
{
	struct json_path p = {.len = 0};
	snprintf(p.buf, sizeof(p.buf), "%s", path);
	p.len = strlen(p.buf);
	return parse_object(schema, value, out, &p, err);
}

/* yajl's message spans lines and may quote the input; keep its first line. */
static void first_line(char *msg)
{
	char *nl = strchr(msg, '\n');
	if (nl != NULL)
		*nl = '\0';
	for (size_t n = strlen(msg); n > 0 && (msg[n - 1] == ' ' || msg[n - 1] == '.'); n--)
		msg[n - 1] = '\0';
}

/* yajl builds and frees its tree recursively: a document nested a million
 * levels deep would overflow the stack.  Measure the depth first. */
static bool nested_too_deep(const char *text)
{
	bool in_string = false;
	int depth = 0;
	for (const char *p = text; *p != '\0'; p++) {
		if (in_string) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '"')
				in_string = false;
		} else if (*p == '"') {
			in_string = true;
		} else if (*p == '[' || *p == '{') {
			if (++depth > SCHEMA_MAX_DEPTH)
				return true;
		} else if (*p == ']' || *p == '}') {
			depth--;
		}
	}
	return false;
}

int schema_parse_text(const struct schema *schema, const char *text, void *out, struct error **err)
{
	char msg[256] = "";
	if (nested_too_deep(text))
		return error_set(err, 0, "invalid JSON: nested deeper than %d levels",
				 SCHEMA_MAX_DEPTH);
	yajl_val tree = yajl_tree_parse(text, msg, sizeof(msg));
	if (tree == NULL) {
		first_line(msg);
		return error_set(err, 0, "invalid JSON: %s", msg);
	}
	int ret = schema_parse(schema, tree, out, "", err);
	yajl_tree_free(tree);
	if (ret < 0)
		schema_release(schema, out);
	return ret;
}

/* Writing. */

static void write_object(const struct schema *schema, const void *obj, yajl_gen g);

static void write_field(const struct schema_field *f, const char *at, yajl_gen g)
{
	switch (f->kind) {
	case SCHEMA_STRING:
		if (*(char *const *)at != NULL)
			json_put_key_string(g, f->name, *(char *const *)at);
		return;
	case SCHEMA_BOOL:
		if (*(const bool *)at || f->required)
			json_put_key_bool(g, f->name, *(const bool *)at);
		return;
	case SCHEMA_I32:
		json_put_key_int(g, f->name, *(const int32_t *)at);
		return;
	case SCHEMA_U32:
		json_put_key_uint(g, f->name, *(const uint32_t *)at);
		return;
	case SCHEMA_I64:
		json_put_key_int(g, f->name, *(const int64_t *)at);
		return;
	case SCHEMA_U64:
		json_put_key_uint(g, f->name, *(const uint64_t *)at);
		return;
	case SCHEMA_OPT_I64:
		if (((const oci_opt_int64 *)at)->set)
			json_put_key_int(g, f->name, ((const oci_opt_int64 *)at)->value);
		return;
	case SCHEMA_OPT_U64:
		if (((const oci_opt_uint64 *)at)->set)
			json_put_key_uint(g, f->name, ((const oci_opt_uint64 *)at)->value);
		return;
	case SCHEMA_STRINGS: {
		const struct oci_strings *s = (const void *)at;
		if (s->len > 0 || f->required)
			json_put_string_array(g, f->name, (const char *const *)s->items, s->len);
		return;
	}
	case SCHEMA_U32_ARRAY: {
		const OCI_ARRAY(uint32_t) *a = (const void *)at;
		if (a->len == 0)
			return;
		json_put_string(g, f->name);
		yajl_gen_array_open(g);
		for (size_t i = 0; i < a->len; i++)
			json_put_uint(g, a->items[i]);
		yajl_gen_array_close(g);
		return;
	}
	case SCHEMA_STRMAP: {
		const struct oci_strmap *m = (const void *)at;
		if (m->len == 0)
			return;
		json_put_string(g, f->name);
		yajl_gen_map_open(g);
		for (size_t i = 0; i < m->len; i++)
			json_put_key_string(g, m->items[i].key, m->items[i].value);
		yajl_gen_map_close(g);
		return;
	}
	case SCHEMA_OBJECT:
		json_put_string(g, f->name);
		write_object(f->sub, at, g);
		return;
	case SCHEMA_OBJECT_PTR:
		if (*(void *const *)at == NULL)
			return;
		json_put_string(g, f->name);
		write_object(f->sub, *(void *const *)at, g);
		return;
	case SCHEMA_ARRAY: {
		const struct any_array *a = (const void *)at;
		if (a->len == 0)
			return;
		json_put_string(g, f->name);
		yajl_gen_array_open(g);
		for (size_t i = 0; i < a->len; i++)
			write_object(f->sub, a->items + i * f->sub->size, g);
		yajl_gen_array_close(g);
		return;
	}
	case SCHEMA_OBJECT_MAP: {
		const struct any_array *a = (const void *)at;
		if (a->len == 0)
			return;
		json_put_string(g, f->name);
		yajl_gen_map_open(g);
		for (size_t i = 0; i < a->len; i++) {
			const char *entry = a->items + i * f->sub->size;
			json_put_string(g, *(char *const *)entry);
			write_object(f->sub, entry, g);
		}
		yajl_gen_map_close(g);
		return;
	}
	}
}

static void write_object(const struct schema *schema, const void *obj, yajl_gen g)
{
	yajl_gen_map_open(g);
	for (const struct schema_field *f = schema->fields; f->name != NULL; f++)
		write_field(f, (const char *)obj + f->offset, g);
	yajl_gen_map_close(g);
}

void schema_write(const struct schema *schema, const void *obj, yajl_gen g)
{
	write_object(schema, obj, g);
}

/* Release. */

static void release_field(const struct schema_field *f, char *at)
{
	switch (f->kind) {
	case SCHEMA_STRING:
		free(*(char **)at);
		return;
	case SCHEMA_STRINGS: {
		struct oci_strings *s = (void *)at;
		for (size_t i = 0; i < s->len; i++)
			free(s->items[i]);
		free(s->items);
		return;
	}
	case SCHEMA_U32_ARRAY:
		free(((struct any_array *)at)->items);
		return;
	case SCHEMA_STRMAP: {
		struct oci_strmap *m = (void *)at;
		for (size_t i = 0; i < m->len; i++) {
			free(m->items[i].key);
			free(m->items[i].value);
		}
		free(m->items);
		return;
	}
	case SCHEMA_OBJECT:
		schema_release(f->sub, at);
		return;
	case SCHEMA_OBJECT_PTR:
		if (*(void **)at != NULL)
			schema_release(f->sub, *(void **)at);
		free(*(void **)at);
		return;
	case SCHEMA_ARRAY:
	case SCHEMA_OBJECT_MAP: {
		struct any_array *a = (void *)at;
		for (size_t i = 0; i < a->len; i++) {
			char *entry = a->items + i * f->sub->size;
			if (f->kind == SCHEMA_OBJECT_MAP)
				free(*(char **)entry);
			schema_release(f->sub, entry);
		}
		free(a->items);
		return;
	}
	default:
		return;
	}
}

void schema_release(const struct schema *schema, void *obj)
{
	for (const struct schema_field *f = schema->fields; f->name != NULL; f++)
		release_field(f, (char *)obj + f->offset);
	memset(obj, 0, schema->size);
}
