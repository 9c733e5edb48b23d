/* OCI state JSON: schema, writer, parser. */
#include "oci-spec/state.h"

#include <stdlib.h>
#include <string.h>

#include "common/json.h"

/* One schema row per line. */
/* clang-format off */
#define F(json, kind, member) {json, kind, offsetof(struct oci_state, member), NULL, false, 0, 0}
#define REQ(json, kind, member) {json, kind, offsetof(struct oci_state, member), NULL, true, 0, 0}
/* clang-format on */

static const struct schema_field state_fields[] = {
	REQ("ociVersion", SCHEMA_STRING, oci_version), REQ("id", SCHEMA_STRING, id),
	REQ("status", SCHEMA_STRING, status),	       F("pid", SCHEMA_I64, pid),
	REQ("bundle", SCHEMA_STRING, bundle),	       F("rootfs", SCHEMA_STRING, rootfs),
	F("created", SCHEMA_STRING, created),	       F("owner", SCHEMA_STRING, owner),
	F("annotations", SCHEMA_STRMAP, annotations),  {NULL, 0, 0, NULL, false, 0, 0},
};

const struct schema oci_state_schema = {sizeof(struct oci_state), state_fields};

void oci_state_write(const struct oci_state *state, yajl_gen g)
{
	/* `created` must be absent rather than "" (CONTRACT.md). */
	struct oci_state copy = *state;
	if (copy.created != NULL && copy.created[0] == '\0')
		copy.created = NULL;
	schema_write(&oci_state_schema, &copy, g);
}

char *oci_state_to_json(const struct oci_state *state, bool pretty)
{
	yajl_gen g = json_gen_new(pretty);
	oci_state_write(state, g);
	char *out = json_gen_take(g, true);
	yajl_gen_free(g);
	return out;
}

int oci_state_parse(const char *text, struct oci_state *state, struct error **err)
{
	memset(state, 0, sizeof(*state));
	return schema_parse_text(&oci_state_schema, text, state, err);
}

void oci_state_release(struct oci_state *state)
{
	schema_release(&oci_state_schema, state);
}
