/* An image, from its source to a bundle: `SRC[:TAG|@sha256:DIGEST]` picks
 * one image of a layout or tarball (image_source.h); its manifest, config
 * and layers are checked against their digests and sizes; the layers are
 * applied in order beneath the rootfs (layer.h); config.json comes from
 * the default config and the image's (image-spec conversion.md). */
#ifndef VRUN_ROOTFS_IMAGE_H
#define VRUN_ROOTFS_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "rootfs/digest.h"
#include "rootfs/image_source.h"
#include "rootfs/image_spec.h"

struct image_layer {
	char *name;	  /* in the source */
	char *digest;	  /* what the stored bytes must hash to */
	int64_t size;	  /* what they must count, or -1 when the source does not say */
	char *media_type; /* NULL for docker-archive's plain tars */
};

struct image {
	struct image_source src;
	char id[DIGEST_TEXT_LEN + 1]; /* the manifest's digest (docker: the config's) */
	struct image_config config;
	struct image_layer *layers;
	size_t nlayers;
};

/* Opens the source named by `spec` and reads, checks and parses what
 * describes the image. */
int image_open(const char *spec, struct image *img, struct error **err);
void image_close(struct image *img);

/* Applies the layers in order to the directory `root`; with `progress`,
 * a line per layer on stderr (bytes done / total, digest). */
int image_unpack_rootfs(struct image *img, int root, bool progress, struct error **err);

/* config.json for the unpacked image (`root` its rootfs, for user and
 * group names): the default config with the image's command (`cmd`, when
 * not empty, for its Cmd), env, working directory, user, labels as
 * annotations, stop signal; `extra` (a key, a value; NULL: none) is one
 * more annotation.  Text to free, or NULL and `err`. */
char *image_runtime_config(const struct image *img, int root, char *const *cmd, size_t ncmd,
			   const char *const extra[2], struct error **err);

/* `vrun image unpack`: BUNDLE/rootfs and BUNDLE/config.json from `spec`;
 * nothing of either is left when it fails. */
int image_unpack(const char *spec, const char *bundle, bool progress, struct error **err);

/* The image's rootfs, unpacked once into CACHE/<manifest digest hex>/rootfs
 * (into a temporary directory renamed into place, so a concurrent unpack
 * or a failed one never shows); its path in *rootfs (to free). */
int image_cache_rootfs(struct image *img, const char *cache, bool progress, char **rootfs,
		       struct error **err);

#endif
