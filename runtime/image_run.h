/* `vrun run --image SRC ID [CMD...]`: the image's rootfs is unpacked once
 * into a cache keyed by its manifest digest (DATA/images/<hex>/rootfs),
 * and each container gets a bundle of its own (DATA/containers/<id>:
 * config.json, an empty rootfs/, its layer upper/ and work/) whose rootfs
 * the VMM mounts as an overlay of the two in its own mount namespace
 * (ROOTFS_LOWER_ANNOTATION), so a second run does not copy the image.
 * DATA is $VRUN_DATA_DIR, else /var/lib/vrun for root and
 * $XDG_DATA_HOME/vrun (~/.local/share/vrun) for others. */
#ifndef VRUN_RUNTIME_IMAGE_RUN_H
#define VRUN_RUNTIME_IMAGE_RUN_H

#include <stddef.h>

#include "common/error.h"

/* Makes the container's bundle; its path in *bundle (to free). */
int image_bundle_make(const char *spec, const char *id, char *const *cmd, size_t ncmd,
		      char **bundle, struct error **err);

/* Removes a bundle image_bundle_make made (run --rm). */
void image_bundle_remove(const char *bundle);

#endif
