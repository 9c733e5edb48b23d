/* Shorthands for writing schema tables (schema.h) in the .c files that
 * define them: one row per line. */
#ifndef VRUN_OCI_SPEC_SCHEMA_TABLE_H
#define VRUN_OCI_SPEC_SCHEMA_TABLE_H

#include "oci-spec/schema.h"

/* clang-format off */
#define F(type, json, kind, member) {json, kind, offsetof(type, member), NULL, false, 0, 0}
#define REQ(type, json, kind, member) {json, kind, offsetof(type, member), NULL, true, 0, 0}
#define SUB(type, json, kind, member, sub) {json, kind, offsetof(type, member), &sub, false, 0, 0}
#define REQSUB(type, json, kind, member, sub) {json, kind, offsetof(type, member), &sub, true, 0, 0}
#define RANGE(type, json, kind, member, min, max) {json, kind, offsetof(type, member), NULL, false, min, max}
#define END {NULL, 0, 0, NULL, false, 0, 0}
/* clang-format on */
#define SCHEMA(name, type, ...)                                                                    \
	static const struct schema_field name##_fields[] = {__VA_ARGS__, END};                     \
	static const struct schema name = {sizeof(type), name##_fields}

#endif
