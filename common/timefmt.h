/* RFC 3339 timestamps, the format of state.json `created` and log records. */
#ifndef VRUN_COMMON_TIMEFMT_H
#define VRUN_COMMON_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define TIMEFMT_SIZE 40

/* "2026-11-26T20:45:01Z" (nanos false) or "2026-11-26T20:45:01.123456789Z". */
void timefmt_rfc3339(const struct timespec *ts, bool nanos, char buf[TIMEFMT_SIZE]);
void timefmt_now(bool nanos, char buf[TIMEFMT_SIZE]);

/* Milliseconds of CLOCK_MONOTONIC since `since` (taken from that clock). */
long timefmt_ms_since(const struct timespec *since);

#endif
