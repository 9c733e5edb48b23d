/* image-spec schema tables (image-spec 1.1 descriptor.md, image-index.md,
 * manifest.md, config.md; docker's `docker save` manifest.json). */
#include "rootfs/image_spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci-spec/schema_table.h"

SCHEMA(platform_schema, struct image_platform,
       F(struct image_platform, "architecture", SCHEMA_STRING, architecture),
       F(struct image_platform, "os", SCHEMA_STRING, os),
       F(struct image_platform, "variant", SCHEMA_STRING, variant));

SCHEMA(descriptor_schema, struct image_descriptor,
       F(struct image_descriptor, "mediaType", SCHEMA_STRING, media_type),
       REQ(struct image_descriptor, "digest", SCHEMA_STRING, digest),
       REQ(struct image_descriptor, "size", SCHEMA_I64, size),
       F(struct image_descriptor, "annotations", SCHEMA_STRMAP, annotations),
       SUB(struct image_descriptor, "platform", SCHEMA_OBJECT_PTR, platform, platform_schema));

SCHEMA(index_schema, struct image_index,
       F(struct image_index, "schemaVersion", SCHEMA_I64, schema_version),
       F(struct image_index, "mediaType", SCHEMA_STRING, media_type),
       REQSUB(struct image_index, "manifests", SCHEMA_ARRAY, manifests, descriptor_schema));

SCHEMA(manifest_schema, struct image_manifest,
       F(struct image_manifest, "schemaVersion", SCHEMA_I64, schema_version),
       F(struct image_manifest, "mediaType", SCHEMA_STRING, media_type),
       REQSUB(struct image_manifest, "config", SCHEMA_OBJECT, config, descriptor_schema),
       SUB(struct image_manifest, "layers", SCHEMA_ARRAY, layers, descriptor_schema));

SCHEMA(run_config_schema, struct image_run_config,
       F(struct image_run_config, "User", SCHEMA_STRING, user),
       F(struct image_run_config, "Env", SCHEMA_STRINGS, env),
       F(struct image_run_config, "Entrypoint", SCHEMA_STRINGS, entrypoint),
       F(struct image_run_config, "Cmd", SCHEMA_STRINGS, cmd),
       F(struct image_run_config, "WorkingDir", SCHEMA_STRING, working_dir),
       F(struct image_run_config, "Labels", SCHEMA_STRMAP, labels),
       F(struct image_run_config, "StopSignal", SCHEMA_STRING, stop_signal));

SCHEMA(rootfs_schema, struct image_rootfs, F(struct image_rootfs, "type", SCHEMA_STRING, type),
       F(struct image_rootfs, "diff_ids", SCHEMA_STRINGS, diff_ids));

SCHEMA(config_schema, struct image_config,
       F(struct image_config, "architecture", SCHEMA_STRING, architecture),
       F(struct image_config, "os", SCHEMA_STRING, os),
       SUB(struct image_config, "config", SCHEMA_OBJECT_PTR, config, run_config_schema),
       SUB(struct image_config, "rootfs", SCHEMA_OBJECT, rootfs, rootfs_schema));

SCHEMA(docker_image_schema, struct docker_image,
       REQ(struct docker_image, "Config", SCHEMA_STRING, config),
       F(struct docker_image, "RepoTags", SCHEMA_STRINGS, repo_tags),
       REQ(struct docker_image, "Layers", SCHEMA_STRINGS, layers));

int image_index_parse(const char *text, struct image_index *out, struct error **err)
{
	return schema_parse_text(&index_schema, text, out, err);
}

int image_manifest_parse(const char *text, struct image_manifest *out, struct error **err)
{
	return schema_parse_text(&manifest_schema, text, out, err);
}

int image_config_parse(const char *text, struct image_config *out, struct error **err)
{
	return schema_parse_text(&config_schema, text, out, err);
}

/* The schema parser takes objects: the array goes in as {"images": [...]}. */
struct docker_manifest {
	docker_image_list images;
};

SCHEMA(docker_manifest_schema, struct docker_manifest,
       REQSUB(struct docker_manifest, "images", SCHEMA_ARRAY, images, docker_image_schema));

int docker_manifest_parse(const char *text, docker_image_list *out, struct error **err)
{
	char *wrapped = NULL;
	struct docker_manifest m = {0};
	if (asprintf(&wrapped, "{\"images\": %s\n}", text) < 0)
		abort();
	int ret = schema_parse_text(&docker_manifest_schema, wrapped, &m, err);
	free(wrapped);
	*out = m.images;
	return ret;
}

void image_index_release(struct image_index *index)
{
	schema_release(&index_schema, index);
}

void image_manifest_release(struct image_manifest *manifest)
{
	schema_release(&manifest_schema, manifest);
}

void image_config_release(struct image_config *config)
{
	schema_release(&config_schema, config);
}

void docker_manifest_release(docker_image_list *images)
{
	struct docker_manifest m = {*images};
	schema_release(&docker_manifest_schema, &m);
	images->items = NULL;
	images->len = 0;
}
