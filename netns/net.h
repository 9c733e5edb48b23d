/* A container's network as vrun finds it in the network namespace the
 * caller made (Podman/netavark, CNI, containerd): each ethernet interface
 * (a veth, usually) with its MAC, MTU, addresses and routes.  The guest's
 * interfaces get the same, so nothing outside the VM sees a difference
 * (DESIGN.md "Networking"). */
#ifndef VRUN_NETNS_NET_H
#define VRUN_NETNS_NET_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define NET_MAX_IFACES 8
#define NET_MAX_ADDRS  8
#define NET_MAX_ROUTES 16

/* A container whose network the caller makes after `create` (in the VMM's
 * own network namespace, as `ctr run --cni` does): its guest has one NIC
 * from the start, on tap LATE_NIC_TAP, with this MAC until `start` gives
 * it the interface's. */
#define LATE_NIC_TAP "vtap-late"
#define LATE_NIC_MAC                                                                               \
	{                                                                                          \
		0x02, 0x76, 0x72, 0x00, 0x00, 0x01                                                 \
	}

struct net_addr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t prefixlen;
	uint8_t addr[16];
};

struct net_route {
	uint8_t family;
	uint8_t dst_len; /* 0: default */
	uint8_t has_gateway;
	uint8_t dst[16];
	uint8_t gateway[16];
	uint32_t metric;
};

struct net_iface {
	char name[IFNAMSIZ];
	int index;
	uint8_t mac[6];
	uint8_t guest_mac[6]; /* what the guest's NIC has now: mac, or LATE_NIC_MAC */
	uint32_t mtu;
	struct net_addr addrs[NET_MAX_ADDRS];
	size_t naddrs;
	struct net_route routes[NET_MAX_ROUTES];
	size_t nroutes;
};

struct net_config {
	struct net_iface ifaces[NET_MAX_IFACES];
	size_t n;
};

/* The ethernet interfaces of the current network namespace (loopback
 * and vrun's own taps aside), with their addresses (not the IPv6 link-local ones, which the
 * guest makes itself) and the routes through them (not the ones the
 * kernel derives from an address, which the guest's kernel derives too). */
int net_discover(struct net_config *out, struct error **err);

/* Enters the network namespace at `path`; *old is the one to go back to
 * (net_leave).  The calling thread's, so call it with one thread. */
int net_enter(const char *path, int *old, struct error **err);
void net_leave(int old);

/* A tap named `name` (vnet header, no packet info, `mtu`, up); its fd in
 * *fd, non-blocking: the tap lives as long as it. */
int net_tap_open(const char *name, uint32_t mtu, int *fd, struct error **err);

/* Redirects all traffic between `iface` and the tap `tap` both ways (an
 * ingress qdisc and a u32 match-all mirred redirect on each).  On
 * failure nothing of it is left. */
int net_redirect(const struct net_iface *iface, const char *tap, struct error **err);

/* Makes a tap for `iface` (named "vtap<index>", its MTU, up, with the vnet
 * header) and redirects all traffic between it and the interface both
 * ways with tc (an ingress qdisc and a u32 match-all mirred redirect on
 * each).  The tap's fd in *fd: it lives as long as that fd (and with it
 * the tap's half of the redirect).  On failure nothing is left. */
int net_tap_redirect(const struct net_iface *iface, int *fd, struct error **err);

/* Removes what net_tap_redirect put on `iface` (its ingress qdisc and so
 * its filter); the tap goes with its fd.  A missing qdisc is not an
 * error. */
int net_unredirect(const char *iface, struct error **err);

/* Takes vrun's redirects off the container's interfaces in the network
 * namespace at `path`: the ingress qdisc net_tap_redirect put on each.
 * The VMM calls it as it ends, `delete` after a VMM that was killed.  A
 * namespace that is gone already is fine. */
void net_release(const char *path);
/* The same with the namespace open, returning to `home` (the caller's,
 * open too). */
void net_release_fd(int fd, int home);

#endif
