/* The default config.json: runc's `spec` defaults with vrun's hostname
 * (`vrun spec` writes it; `vrun image unpack` starts from it). */
#ifndef VRUN_OCI_SPEC_DEFAULT_CONFIG_H
#define VRUN_OCI_SPEC_DEFAULT_CONFIG_H

#include <stdbool.h>

#include "common/error.h"
#include "oci-spec/config.h"

/* Fills config (release it with oci_config_release); `rootless` makes
 * runc's rootless changes. */
int oci_config_default(bool rootless, struct oci_config *config, struct error **err);

#endif
