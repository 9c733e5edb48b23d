/* Table-driven mapping between JSON objects and C structs.  Each struct of
 * config.h has a schema: one row per JSON member naming its kind and where
 * it lives in the struct.  One parser, one writer and one release routine
 * walk these tables, so every field is typed, checked and freed the same
 * way, and errors name the JSON path of the offending member. */
#ifndef VRUN_OCI_SPEC_SCHEMA_H
#define VRUN_OCI_SPEC_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "common/error.h"

/* Storage shapes shared by the schema kinds below. */
typedef struct {
	bool set;
	int64_t value;
} oci_opt_int64;

typedef struct {
	bool set;
	uint64_t value;
} oci_opt_uint64;

struct oci_strings {
	char **items; /* NULL-terminated when len > 0 */
	size_t len;
};

struct oci_strmap_entry {
	char *key;
	char *value;
};

struct oci_strmap {
	struct oci_strmap_entry *items;
	size_t len;
};

#define OCI_ARRAY(type)                                                                            \
	struct {                                                                                   \
		type *items;                                                                       \
		size_t len;                                                                        \
	}

enum schema_kind {
	SCHEMA_STRING,	   /* char * */
	SCHEMA_BOOL,	   /* bool */
	SCHEMA_I32,	   /* int32_t */
	SCHEMA_U32,	   /* uint32_t */
	SCHEMA_I64,	   /* int64_t */
	SCHEMA_U64,	   /* uint64_t */
	SCHEMA_OPT_I64,	   /* oci_opt_int64, range [min, max] when max != 0 */
	SCHEMA_OPT_U64,	   /* oci_opt_uint64, at most max when max != 0 */
	SCHEMA_STRINGS,	   /* struct oci_strings */
	SCHEMA_U32_ARRAY,  /* OCI_ARRAY(uint32_t) */
	SCHEMA_STRMAP,	   /* struct oci_strmap: object of string values */
	SCHEMA_OBJECT,	   /* struct embedded in the parent */
	SCHEMA_OBJECT_PTR, /* pointer to struct, NULL when absent */
	SCHEMA_ARRAY,	   /* OCI_ARRAY(struct) */
	SCHEMA_OBJECT_MAP, /* OCI_ARRAY(struct) whose first member (char *) is the key */
};

struct schema;

struct schema_field {
	const char *name;
	enum schema_kind kind;
	size_t offset;
	const struct schema *sub; /* OBJECT, OBJECT_PTR, ARRAY, OBJECT_MAP */
	bool required;
	int64_t min;
	uint64_t max;
};

struct schema {
	size_t size;
	const struct schema_field *fields; /* ends with a row whose name is NULL */
};

/* Fills out (zeroed by the caller) from the JSON object value.  path is the
 * JSON path of value ("" for the document); errors read
 * "process.args: must be an array of strings".  On failure out holds what
 * was parsed so far: release it with schema_release(). */
int schema_parse(const struct schema *schema, yajl_val value, void *out, const char *path,
		 struct error **err);

/* Deeper nesting is refused before parsing (config.json needs about 6). */
#define SCHEMA_MAX_DEPTH 64

/* Parses JSON text and then its top-level object as schema_parse() does.
 * Invalid JSON fails with "invalid JSON: <yajl's reason>".  On failure out
 * is released. */
int schema_parse_text(const struct schema *schema, const char *text, void *out, struct error **err);

/* Writes obj as a JSON object: strings that are set, true booleans, plain
 * numbers, set optional numbers, non-empty arrays and maps, objects. */
void schema_write(const struct schema *schema, const void *obj, yajl_gen g);

/* Frees everything obj owns (not obj itself) and zeroes it. */
void schema_release(const struct schema *schema, void *obj);

#endif
