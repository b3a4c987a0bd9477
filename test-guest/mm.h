/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory management of the test guest: a frame allocator over the frames
 * Xen left free, and the live page tables (walk, map, update).
 *
 * A 64-bit PV guest never writes its page tables the way hardware would
 * let it: every table frame is mapped read-only everywhere (Xen validates
 * and type-counts it), and entries change either by MMU_NORMAL_PT_UPDATE
 * (batched) or by a plain store or `lock cmpxchg` to the read-only mapping
 * of an L1, which faults into Xen and is emulated there. Entries hold
 * machine frames; we keep pseudo-physical frames (PFNs) only, so that
 * nothing cached goes stale when a migration changes every MFN.
 *
 * Everything here may be called from any vCPU, but not from event or trap
 * handlers: a lock serialises the allocator and the scratch mapping.
 */
#ifndef PVSR_TEST_GUEST_MM_H
#define PVSR_TEST_GUEST_MM_H

#include "test-guest/guest.h"
#include "arch/x86/pte.h"

/*
 * Kernel addresses for mappings made at run time: an L4 slot of their own
 * (Linux's vmalloc slot), so that mapping there builds L3, L2 and L1.
 */
#define MM_VMAP_BASE 0xffffc90000000000UL
#define MM_VMAP_SIZE (1UL << 30)

/* The end of the kernel image (guest.lds). */
extern char _end[];

/* One page-table entry: where it lives and what was in memory there. */
struct mm_pte_ref {
	uint64_t table_mfn;
	unsigned int index;
	enum pvsr_pt_level level; /* of the table */
	pvsr_pte_t entry; /* as read, i.e. as Xen wrote it */
};

/* Once, before anything else here; later calls do nothing. */
void mm_init(void);

/* The kernel's L4 (start_info's pt_base), as an MFN of this domain. */
uint64_t mm_kernel_l4_mfn(void);

/*
 * A zeroed page, writable in the kernel's initial mapping (pfn_to_virt),
 * never freed. NULL when none is left.
 */
void *mm_alloc_page(void);
/*
 * n zeroed pages at consecutive PFNs, so at consecutive addresses of the
 * initial mapping, writable, never freed. NULL when no such run is left.
 */
void *mm_alloc_pages(unsigned long n);
/* Frames left for mm_alloc_page() and for new page tables together. */
unsigned long mm_frames_left(void);

/*
 * A new, empty page table (any level), read-only wherever it is mapped,
 * ready to be hooked in or pinned. Returns 0 with its PFN in *pfn.
 */
long mm_new_table(unsigned long *pfn);
/*
 * Pin the L4 in pfn: Xen validates the whole tree under it and keeps it
 * typed even while no vCPU uses it (and the toolstack re-pins it after a
 * migration).
 */
long mm_pin_l4(unsigned long pfn);

/* Copy the 512 entries of one of our tables. 0 or a negative Xen errno. */
int mm_read_table(uint64_t mfn, pvsr_pte_t *table);

/*
 * Find va's L1 entry under root_mfn. Returns 0 with ref at level 1 (the
 * entry itself may be not present), -XEN_ENOENT with ref at the level
 * whose entry is missing, or another negative Xen errno.
 */
int mm_walk(uint64_t root_mfn, unsigned long va, struct mm_pte_ref *ref);

/*
 * Set va's L1 entry under root_mfn to leaf with MMU_NORMAL_PT_UPDATE,
 * creating the L3, L2 and L1 on the way as needed. A replaced present
 * mapping is flushed from every vCPU's TLB.
 */
long mm_map(uint64_t root_mfn, unsigned long va, pvsr_pte_t leaf);

/* Drop va from the TLBs of every vCPU (after an update of its entry). */
long mm_flush_va(unsigned long va);

/*
 * Batched MMU_NORMAL_PT_UPDATE: entries queue up and go to Xen in one
 * hypercall. The caller flushes the TLBs.
 */
#define MM_BATCH_MAX 16
struct mm_batch {
	struct mmu_update req[MM_BATCH_MAX];
	unsigned int count;
};

void mm_batch_init(struct mm_batch *batch);
/* Queue ref's entry = val; a full batch is sent first. */
long mm_batch_add(struct mm_batch *batch, const struct mm_pte_ref *ref,
		  pvsr_pte_t val);
long mm_batch_flush(struct mm_batch *batch);

/*
 * Direct writes to an L1 entry through the read-only mapping of its
 * table: Xen traps the write and emulates it (VMASST writable page
 * tables). The caller flushes the TLBs.
 *
 * mm_pte_store: a plain store. 0, or -XEN_EFAULT if Xen refused to
 * emulate (the #PF reached the guest).
 * mm_pte_cas: `lock cmpxchg` of expected -> val. Returns 1 if swapped,
 * 0 if the entry in memory was not expected (it is then in *in_memory),
 * or a negative Xen errno. expected must be the value really in memory
 * (pvsr_pte_cas_expected), not the one the guest built.
 */
int mm_pte_store(const struct mm_pte_ref *ref, pvsr_pte_t val);
int mm_pte_cas(const struct mm_pte_ref *ref, pvsr_pte_t expected,
	       pvsr_pte_t val, pvsr_pte_t *in_memory);

/* Read ref's entry again into ref->entry. */
int mm_pte_reread(struct mm_pte_ref *ref);

#endif /* PVSR_TEST_GUEST_MM_H */
