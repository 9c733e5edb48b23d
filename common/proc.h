/* Facts about other processes from /proc, and waiting for a process that
 * is not our child to exit. */
#ifndef VRUN_COMMON_PROC_H
#define VRUN_COMMON_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Start time of pid (clock ticks since boot, /proc/<pid>/stat field 22).
 * Returns false when pid does not exist or is a zombie (it has exited). */
bool proc_start_time(pid_t pid, uint64_t *start);

/* True when pid exists, is not a zombie, and started at start_time. */
bool proc_is_same(pid_t pid, uint64_t start_time);

/* Waits up to timeout_ms for pid to exit (or become a zombie).  Returns 0
 * when it is gone, -1 on timeout. */
int proc_wait_gone(pid_t pid, uint64_t start_time, int timeout_ms);

/* The state letter of pid (/proc/<pid>/stat field 3: R, S, T...), 0 when
 * it does not exist. */
char proc_state(pid_t pid);

#endif
