/* The OCI image-spec documents vrun reads (index.json, image indexes,
 * manifests, image configs) and docker-archive's manifest.json, as C
 * structs through the oci-spec schema tables.  Members vrun does not use
 * are ignored; every string is the image's, so callers check digests and
 * names before they become paths. */
#ifndef VRUN_ROOTFS_IMAGE_SPEC_H
#define VRUN_ROOTFS_IMAGE_SPEC_H

#include <stdint.h>

#include "common/error.h"
#include "oci-spec/schema.h"

#define MEDIA_OCI_INDEX	      "application/vnd.oci.image.index.v1+json"
#define MEDIA_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_OCI_CONFIG      "application/vnd.oci.image.config.v1+json"
#define MEDIA_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define ANNOTATION_REF_NAME   "org.opencontainers.image.ref.name"

struct image_platform {
	char *architecture;
	char *os;
	char *variant;
};

struct image_descriptor {
	char *media_type;
	char *digest;
	int64_t size;
	struct oci_strmap annotations;
	struct image_platform *platform;
};

typedef OCI_ARRAY(struct image_descriptor) image_descriptor_list;

/* index.json and image indexes. */
struct image_index {
	int64_t schema_version;
	char *media_type;
	image_descriptor_list manifests;
};

struct image_manifest {
	int64_t schema_version;
	char *media_type;
	struct image_descriptor config;
	image_descriptor_list layers;
};

/* The runtime part of an image config ("config"). */
struct image_run_config {
	char *user;
	struct oci_strings env;
	struct oci_strings entrypoint;
	struct oci_strings cmd;
	char *working_dir;
	struct oci_strmap labels;
	char *stop_signal;
};

struct image_rootfs {
	char *type;
	struct oci_strings diff_ids;
};

struct image_config {
	char *architecture;
	char *os;
	struct image_run_config *config;
	struct image_rootfs rootfs;
};

/* One image of a docker-archive's manifest.json. */
struct docker_image {
	char *config;		      /* path of the config in the archive */
	struct oci_strings repo_tags; /* "name:tag" */
	struct oci_strings layers;    /* paths of the layer tars */
};

typedef OCI_ARRAY(struct docker_image) docker_image_list;

int image_index_parse(const char *text, struct image_index *out, struct error **err);
int image_manifest_parse(const char *text, struct image_manifest *out, struct error **err);
int image_config_parse(const char *text, struct image_config *out, struct error **err);
/* manifest.json: a JSON array of images. */
int docker_manifest_parse(const char *text, docker_image_list *out, struct error **err);

void image_index_release(struct image_index *index);
void image_manifest_release(struct image_manifest *manifest);
void image_config_release(struct image_config *config);
void docker_manifest_release(docker_image_list *images);

#endif
