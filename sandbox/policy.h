/* policy.h -- the worker's seccomp-bpf policy (internal to sandbox/).
 *
 * The filter is compiled once (in the zygote, or a test) into a BPF program
 * and loaded in each worker as its last confinement step. */
#ifndef SB_POLICY_H
#define SB_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The fd every worker talks on (the IPC socket is moved here). */
#define SB_IPC_FD 3

/* The JIT code region: SB_CODE_REGION_BYTES reserved PROT_NONE and aligned
 * to its size.  PROT_EXEC is allowed only for ranges that start in its lower
 * half and are at most half its size long, so they end inside it. */
#define SB_CODE_REGION_BYTES (UINT64_C(1) << 27)

/* The snapshot file (a memfd made before the filter, engine "snapshots")
 * sits at this fd; it may be mapped only with MAP_FIXED, at most
 * SB_SNAPSHOT_MAX_BYTES long and ending below the code region
 * (sb_snapshot_map_end), so that no page of it can ever be made
 * executable: the only executable pages are in the code region, and a
 * file mapping there could be written through another mapping. */
#define SB_SNAPSHOT_FD 4
#define SB_SNAPSHOT_MAX_BYTES (UINT64_C(1) << 32)

/* code_base - SB_SNAPSHOT_MAX_BYTES: the highest address a mapping of the
 * snapshot file may start at, which is what the filter checks (with its
 * length at most SB_SNAPSHOT_MAX_BYTES it then ends below the code
 * region), and the bound the engine keeps its end under
 * (wasm_snapshot_file.map_end_max).  0: no room (no snapshots). */
uintptr_t sb_snapshot_map_end(uintptr_t code_base);

typedef struct {
	int ipc_fd;             /* read/write allowed on this fd only */
	uintptr_t code_base;    /* aligned to SB_CODE_REGION_BYTES */
	bool relaxed;           /* sanitizer build: see policy.c */
} sb_policy;

typedef struct {
	void *filter;           /* struct sock_filter[len] */
	unsigned short len;
} sb_bpf;

/* Builds the filter with libseccomp and exports it.  Returns 0 or -errno. */
int sb_policy_compile(const sb_policy *p, sb_bpf *out);
void sb_bpf_free(sb_bpf *bpf);
/* Loads a compiled filter into this thread (no_new_privs must be set).
 * Returns 0 or -errno. */
int sb_policy_load(const sb_bpf *bpf);

/* Reserves the code region (PROT_NONE, aligned).  0 on failure. */
uintptr_t sb_code_region_reserve(void);

/* The allowed syscalls as text, one "name: condition -- why" per line,
 * into buf (for reports and `bench/sandbox`).  Returns the length. */
size_t sb_policy_describe(const sb_policy *p, char *buf, size_t len);

#endif
