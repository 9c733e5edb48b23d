/* Container ids: what runc accepts, so that an id never names a path
 * outside the state root. */
#ifndef VRUN_RUNTIME_CONTAINER_ID_H
#define VRUN_RUNTIME_CONTAINER_ID_H

#include "common/error.h"

#define CONTAINER_ID_MAX 1024

/* Non-empty, at most CONTAINER_ID_MAX bytes, only [A-Za-z0-9_+.-], and not
 * "." or "..". */
int container_id_validate(const char *id, struct error **err);

#endif
