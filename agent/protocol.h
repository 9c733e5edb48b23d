/* The host ↔ agent protocol, spoken over vsock stream connections to the
 * agent's port (AGENT_PORT).  Every message is a frame: a little-endian
 * header (payload length, type) and the payload.  A connection whose first
 * frame is STDIO becomes a raw byte stream for one standard stream (or one
 * passed fd, or one connection to a passed listening socket) of one
 * process; any other connection carries requests, each answered by OK or
 * ERROR (and WAIT, later, by EXIT).  The agent's own first connection to
 * the host (host port AGENT_PORT, which the VMM serves) starts with HELLO
 * and is where the VMM creates the container and learns its exit.
 *
 *   CREATE  id NUL bundle NUL config.json → OK once the process is prepared
 *                                    (with createContainer hooks: once its
 *                                    environment is, and PREPARE is next)
 *   PREPARE                          → OK once the hooks ran and it is prepared
 *   NETWORK u32 n, n struct net_iface → OK once the guest's interfaces are
 *                                    configured (netns/net.h; before CREATE)
 *   START                            → OK once it has exec'd
 *   SIGNAL  struct agent_signal      → OK
 *   EXEC    token NUL process JSON   → OK once it has exec'd
 *   RESIZE  struct agent_resize + token
 *   PS                               → OK with a line per process: PID COMMAND
 *   WAIT    token                    → EXIT struct agent_exit
 *   UPDATE  struct agent_update      → OK once the guest's limits are set
 *   TOP                              → OK with struct agent_top: the
 *                                    container's /proc as it sees it
 *   STDIO   struct agent_stdio + token (then raw bytes)
 *   ERROR   struct agent_error + message
 *
 * Tokens name processes: "init" for the container process, a caller-chosen
 * string for each exec.  Both ends check every length. */
#ifndef VRUN_AGENT_PROTOCOL_H
#define VRUN_AGENT_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AGENT_PORT	  1024
#define AGENT_MAX_PAYLOAD (16u << 20)
#define AGENT_TOKEN_MAX	  64
#define AGENT_INIT_TOKEN  "init"

enum agent_message {
	AGENT_HELLO = 1,
	AGENT_OK,
	AGENT_ERROR,
	AGENT_CREATE,
	AGENT_START,
	AGENT_SIGNAL,
	AGENT_EXEC,
	AGENT_RESIZE,
	AGENT_PS,
	AGENT_WAIT,
	AGENT_EXIT,
	AGENT_STDIO,
	AGENT_PREPARE,
	AGENT_NETWORK,
	AGENT_UPDATE,
	AGENT_TOP,
};

enum agent_stream {
	AGENT_STDIN = 0,
	AGENT_STDOUT = 1,
	AGENT_STDERR = 2,
	AGENT_TTY = 3, /* both ways, for a process with a terminal */
	/* AGENT_FD_BASE + i: the host's fd 3 + i (--preserve-fds), which
	 * the process gets as its fd 3 + i; `mode` says what it is. */
	AGENT_FD_BASE = 16,
};

#define AGENT_MAX_FDS 32 /* passed fds per process */

/* "true": the rootfs share has a DAX window (vmm/virtio/fs/dax.h) and the
 * agent mounts it dax=inode; read by the runtime (vm_shape.h) and the
 * agent alike. */
#define ANNOTATION_VIRTIOFS_DAX "io.vrun.virtiofs_dax"

/* What a passed fd is, so the guest can give the process its like. */
enum agent_fd_mode {
	AGENT_FD_READ = 1,     /* bytes to the process (a pipe's read end, a file) */
	AGENT_FD_WRITE,	       /* bytes from the process */
	AGENT_FD_BOTH,	       /* both ways (a connected stream socket, a tty) */
	AGENT_FD_LISTEN_INET,  /* a listening TCP socket: the guest's own */
	AGENT_FD_LISTEN_INET6, /* listens on loopback, and each connection */
	AGENT_FD_LISTEN_UNIX,  /* the host accepts comes as a CONN stream */
	AGENT_FD_CONN,	       /* one connection to listener fd 3 + i */
};

struct agent_frame_header {
	uint32_t length;
	uint32_t type;
};

struct agent_signal {
	int32_t signo;
	uint32_t all; /* every process of the container, not only init */
};

/* Limits that apply in the guest (`vrun update`). */
struct agent_update {
	int64_t pids_limit; /* the container's pids.max; <= 0: max */
};

/* TOP's answer: this header, the guest's /proc/stat, then `count`
 * processes, each a struct agent_top_proc and its files' bytes in the
 * order of enum agent_top_file.  Pids and the files' contents are those
 * of a procfs of the container's PID namespace. */
struct agent_top {
	uint64_t boottime_ns; /* the guest's CLOCK_BOOTTIME when it was taken */
	uint32_t count;
	uint32_t stat_len;
};

enum agent_top_file {
	AGENT_TOP_STAT,	   /* /proc/PID/stat */
	AGENT_TOP_STATUS,  /* /proc/PID/status */
	AGENT_TOP_CMDLINE, /* /proc/PID/cmdline */
	AGENT_TOP_PIDNS,   /* where /proc/PID/ns/pid links: "pid:[N]" */
	AGENT_TOP_FILES
};

#define AGENT_TOP_MAX_PROCS 1024
#define AGENT_TOP_FILE_MAX  8192 /* longer files are cut there */

struct agent_top_proc {
	uint32_t pid;
	uint32_t len[AGENT_TOP_FILES];
};

struct agent_resize {
	uint16_t rows, cols;
};

struct agent_stdio {
	uint32_t stream;     /* enum agent_stream */
	uint32_t mode;	     /* enum agent_fd_mode, for AGENT_FD_BASE + i */
	uint32_t listen_fds; /* the first n passed fds are systemd's sockets:
				LISTEN_FDS=n and LISTEN_PID=1 go into the
				process's environment (as runc does) */
};

/* exit_code: what the caller should exit with when it gives up (127 for a
 * missing executable, 126 for one it may not run, 1 otherwise). */
struct agent_error {
	int32_t exit_code;
};

struct agent_exit {
	int32_t status; /* exit code, or 128 + signal */
};

/* Blocking frame I/O on a stream fd.  agent_read_frame allocates the
 * payload (NUL-terminated, for text) and returns its length, or -1 with
 * errno (EPROTO for a frame longer than max, ECONNRESET for EOF). */
int agent_write_frame(int fd, uint32_t type, const void *payload, size_t len);
int agent_write_frame2(int fd, uint32_t type, const void *a, size_t a_len, const void *b,
		       size_t b_len);
ssize_t agent_read_frame(int fd, uint32_t *type, char **payload, size_t max);

#endif
