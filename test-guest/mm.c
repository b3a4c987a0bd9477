// SPDX-License-Identifier: GPL-2.0
/*
 * Frames and page tables of the test guest (see mm.h).
 *
 * Xen's domain builder lays out, from PFN 0: the kernel image, the P2M
 * list, start_info, the xenstore and console pages, the initial page
 * tables and a one-page boot stack, and maps all of it, with some slack
 * rounded up to 4 MiB, at GUEST_VIRT_BASE + PFN * 4 KiB: the "direct
 * map". Every frame above the boot stack is free. Plain pages come from the bottom of the free range
 * (inside the direct map, so the kernel can write them through
 * pfn_to_virt); page tables come from the top (usually outside it, mapped
 * nowhere), and are read through a scratch mapping when needed.
 */
#include "test-guest/mm.h"
#include "test-guest/events.h"
#include "test-guest/traps.h"
#include "arch/x86/setjmp.h"
#include "hypercall/hypercall.h"
#include <xenpub/errno.h>

#define PT_INDEX_MASK 511UL
#define PT_ENTRY_SIZE sizeof(pvsr_pte_t)

static bool mm_ready;
static uint64_t nr_pages;
/* [0, direct_map_end): the PFNs that pfn_to_virt() reaches. */
static unsigned long direct_map_end;
/* Free frames: [low_next, high_next). */
static unsigned long low_next, high_next;

/*
 * The scratch mapping: a page of our image whose virtual address is
 * re-pointed at whichever frame must be read or zeroed. Its own frame is
 * given up for that.
 */
static char scratch_page[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE)
	__section(".bss.page_aligned");

static int mm_busy;

static void mm_lock(void)
{
	while (__atomic_test_and_set(&mm_busy, __ATOMIC_ACQUIRE))
		asm volatile("pause" ::: "memory");
}

static void mm_unlock(void)
{
	__atomic_clear(&mm_busy, __ATOMIC_RELEASE);
}

static unsigned int va_index(unsigned long va, enum pvsr_pt_level level)
{
	return (va >> (GUEST_PAGE_SHIFT + 9 * (level - 1))) & PT_INDEX_MASK;
}

static uint64_t entry_maddr(uint64_t table_mfn, unsigned int index)
{
	return (table_mfn << GUEST_PAGE_SHIFT) + index * PT_ENTRY_SIZE;
}

/* The P2M and M2P agree about pfn: the frame is populated and ours. */
static bool frame_is_ours(unsigned long pfn)
{
	unsigned long mfn = pfn_to_mfn(pfn);

	return mfn <= PVSR_PTE_MFN_MAX && mfn_to_pfn(mfn) == pfn;
}

static int own_pfn_of(uint64_t mfn, unsigned long *pfn)
{
	if (mfn > PVSR_PTE_MFN_MAX)
		return -XEN_EINVAL;
	*pfn = mfn_to_pfn(mfn);
	if (*pfn >= nr_pages || pfn_to_mfn(*pfn) != mfn)
		return -XEN_EINVAL;
	return 0;
}

/*
 * Point the scratch page at mfn. Only the calling vCPU ever uses the
 * mapping it made (under mm_lock), and every use starts with a remap, so
 * a local flush is enough.
 */
static void *scratch_map(uint64_t mfn, bool writable)
{
	pvsr_pte_t pte =
		pvsr_pte_kernel_leaf(mfn, writable ? PVSR_PROT_WRITE : 0);

	if (pvsr_hyp_update_va_mapping((unsigned long)scratch_page, pte,
				       UVMF_INVLPG | UVMF_LOCAL))
		return NULL;
	return scratch_page;
}

/*
 * Where the contents of pfn can be read (and, for a frame that is no
 * page table, written): its direct-map address, or the scratch page.
 */
static void *frame_view(unsigned long pfn, bool writable)
{
	if (pfn < direct_map_end)
		return pfn_to_virt(pfn);
	return scratch_map(pfn_to_mfn(pfn), writable);
}

static const pvsr_pte_t *table_view(uint64_t mfn)
{
	unsigned long pfn;

	if (own_pfn_of(mfn, &pfn))
		return NULL;
	return frame_view(pfn, false);
}

static int read_entry(uint64_t table_mfn, unsigned int index, pvsr_pte_t *entry)
{
	const pvsr_pte_t *table = table_view(table_mfn);

	if (!table)
		return -XEN_EINVAL;
	*entry = __atomic_load_n(&table[index], __ATOMIC_RELAXED);
	return 0;
}

static long mmu_update_one(uint64_t maddr, pvsr_pte_t val)
{
	struct mmu_update req = {
		.ptr = maddr | MMU_NORMAL_PT_UPDATE,
		.val = val,
	};

	return pvsr_hyp_mmu_update(&req, 1, NULL, DOMID_SELF);
}

static long mmuext_one(unsigned int cmd, unsigned long arg)
{
	struct mmuext_op op = { .cmd = cmd };

	if (cmd == MMUEXT_INVLPG_ALL)
		op.arg1.linear_addr = arg;
	else
		op.arg1.mfn = arg;
	return pvsr_hyp_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

uint64_t mm_kernel_l4_mfn(void)
{
	return virt_to_mfn((void *)guest_start_info->pt_base);
}

/* Lock held. Walks from root_mfn down to va's L1 entry (see mm.h). */
static int walk_locked(uint64_t root_mfn, unsigned long va,
		       struct mm_pte_ref *ref)
{
	uint64_t mfn = root_mfn;
	enum pvsr_pt_level level;
	int rc;

	for (level = PVSR_PT_L4;; level--) {
		ref->table_mfn = mfn;
		ref->level = level;
		ref->index = va_index(va, level);
		rc = read_entry(mfn, ref->index, &ref->entry);
		if (rc || level == PVSR_PT_L1)
			return rc;
		if (!(ref->entry & PVSR_PTE_PRESENT))
			return -XEN_ENOENT;
		/* 64-bit PV has no superpages: a PSE entry is a broken table. */
		if (ref->entry & PVSR_PTE_PSE)
			return -XEN_EINVAL;
		mfn = pvsr_pte_mfn(ref->entry);
	}
}

int mm_walk(uint64_t root_mfn, unsigned long va, struct mm_pte_ref *ref)
{
	int rc;

	mm_lock();
	rc = walk_locked(root_mfn, va, ref);
	mm_unlock();
	return rc;
}

/* Highest of the frames the domain builder used, plus one. */
static unsigned long first_free_pfn(const start_info_t *si)
{
	unsigned long pfn, end;

	/* Xen's boot stack is the page right after the page tables. */
	pfn = virt_to_pfn((void *)si->pt_base) + si->nr_pt_frames + 1;
	end = virt_to_pfn(_end);
	pfn = end > pfn ? end : pfn;
	end = virt_to_pfn(si) + 1;
	pfn = end > pfn ? end : pfn;
	end = virt_to_pfn((void *)(si->mfn_list +
				   si->nr_pages * sizeof(unsigned long) - 1)) +
	      1;
	pfn = end > pfn ? end : pfn;
	end = mfn_to_pfn(si->store_mfn) + 1;
	pfn = end > pfn ? end : pfn;
	end = mfn_to_pfn(si->console.domU.mfn) + 1;
	return end > pfn ? end : pfn;
}

/* Whether the direct map really maps pfn there, writable. */
static bool direct_mapped(unsigned long pfn)
{
	struct mm_pte_ref ref;

	if (walk_locked(mm_kernel_l4_mfn(), (unsigned long)pfn_to_virt(pfn),
			&ref))
		return false;
	return (ref.entry & PVSR_PTE_PRESENT) && (ref.entry & PVSR_PTE_RW) &&
	       pvsr_pte_mfn(ref.entry) == pfn_to_mfn(pfn);
}

/*
 * The builder maps at least up to the first free frame; find how far
 * beyond it the direct map goes. Addresses above the top 2 GiB wrap.
 */
static unsigned long find_direct_map_end(unsigned long from)
{
	unsigned long limit = (0UL - GUEST_VIRT_BASE) >> GUEST_PAGE_SHIFT;
	unsigned long pfn;

	if (limit > nr_pages)
		limit = nr_pages;
	for (pfn = from; pfn < limit; pfn++) {
		if (!direct_mapped(pfn))
			break;
	}
	return pfn;
}

/*
 * Direct writes to read-only L1 entries are only emulated by Xen with
 * this assist on; without it they are plain #PFs.
 */
static void enable_writable_page_tables(void)
{
	long rc = pvsr_hyp_vm_assist(VMASST_CMD_enable,
				     VMASST_TYPE_writable_pagetables);

	if (rc)
		panic("VMASST_TYPE_writable_pagetables refused: %ld", rc);
}

void mm_init(void)
{
	const start_info_t *si = guest_start_info;
	unsigned long first_free;

	mm_lock();
	if (mm_ready) {
		mm_unlock();
		return;
	}
	enable_writable_page_tables();
	nr_pages = si->nr_pages;
	first_free = first_free_pfn(si);
	if (first_free >= nr_pages)
		panic("no free frames: first free PFN %#lx of %#llx",
		      first_free, (unsigned long long)nr_pages);
	/* The walk below reads the initial tables, all below first_free. */
	direct_map_end = first_free;
	direct_map_end = find_direct_map_end(first_free);
	low_next = first_free;
	high_next = nr_pages;
	mm_ready = true;
	mm_unlock();
	console_printf(
		"# mm: %llu pages, first free PFN %#lx, direct map ends at PFN %#lx\n",
		(unsigned long long)nr_pages, first_free, direct_map_end);
}

/* Lock held. A free frame from the bottom, inside the direct map. */
static unsigned long take_low_frame(void)
{
	while (low_next < high_next && low_next < direct_map_end) {
		unsigned long pfn = low_next++;

		if (frame_is_ours(pfn))
			return pfn;
	}
	return 0;
}

/* Lock held. A free frame from the top (PFN 0 is never free). */
static unsigned long take_high_frame(void)
{
	while (high_next > low_next) {
		unsigned long pfn = --high_next;

		if (frame_is_ours(pfn))
			return pfn;
	}
	return 0;
}

void *mm_alloc_page(void)
{
	unsigned long pfn;

	mm_lock();
	pfn = take_low_frame();
	mm_unlock();
	if (!pfn)
		return NULL;
	memset(pfn_to_virt(pfn), 0, GUEST_PAGE_SIZE);
	return pfn_to_virt(pfn);
}

/* Lock held. n frames at consecutive PFNs from the bottom, or 0. */
static unsigned long take_low_run(unsigned long n)
{
	unsigned long first = 0, got = 0, pfn;

	while (got < n) {
		pfn = take_low_frame();
		if (!pfn)
			return 0;
		if (!got || pfn != first + got) {
			first = pfn;
			got = 0;
		}
		got++;
	}
	return first;
}

void *mm_alloc_pages(unsigned long n)
{
	unsigned long pfn;

	mm_lock();
	pfn = n ? take_low_run(n) : 0;
	mm_unlock();
	if (!pfn)
		return NULL;
	memset(pfn_to_virt(pfn), 0, n * GUEST_PAGE_SIZE);
	return pfn_to_virt(pfn);
}

unsigned long mm_frames_left(void)
{
	unsigned long n;

	mm_lock();
	n = high_next - low_next;
	mm_unlock();
	return n;
}

/*
 * Lock held. Xen validates a page table only if no writable mapping of
 * it exists: zero it while writable, then leave it mapped read-only.
 */
static long new_table_locked(unsigned long *pfn_out)
{
	unsigned long pfn = take_high_frame();
	uint64_t mfn;
	void *page;

	if (!pfn)
		return -XEN_ENOMEM;
	mfn = pfn_to_mfn(pfn);
	page = frame_view(pfn, true);
	if (!page)
		return -XEN_EFAULT;
	memset(page, 0, GUEST_PAGE_SIZE);
	if (pfn < direct_map_end) {
		long rc = pvsr_hyp_update_va_mapping(
			(unsigned long)page, pvsr_pte_kernel_leaf(mfn, 0),
			UVMF_INVLPG | UVMF_ALL);

		if (rc)
			return rc;
	} else if (!scratch_map(mfn, false)) {
		return -XEN_EFAULT;
	}
	*pfn_out = pfn;
	return 0;
}

long mm_new_table(unsigned long *pfn)
{
	long rc;

	mm_lock();
	rc = new_table_locked(pfn);
	mm_unlock();
	return rc;
}

long mm_pin_l4(unsigned long pfn)
{
	return mmuext_one(MMUEXT_PIN_L4_TABLE, pfn_to_mfn(pfn));
}

int mm_read_table(uint64_t mfn, pvsr_pte_t *table)
{
	const pvsr_pte_t *view;

	mm_lock();
	view = table_view(mfn);
	if (view)
		memcpy(table, view, GUEST_PAGE_SIZE);
	mm_unlock();
	return view ? 0 : -XEN_EINVAL;
}

/* Lock held. The table under entry (table_mfn, index), made if missing. */
static long child_table(uint64_t table_mfn, unsigned int index,
			uint64_t *child_mfn)
{
	unsigned long pfn;
	pvsr_pte_t e;
	long rc;

	rc = read_entry(table_mfn, index, &e);
	if (rc)
		return rc;
	if (e & PVSR_PTE_PRESENT) {
		if (e & PVSR_PTE_PSE)
			return -XEN_EINVAL;
		*child_mfn = pvsr_pte_mfn(e);
		return 0;
	}
	rc = new_table_locked(&pfn);
	if (rc)
		return rc;
	*child_mfn = pfn_to_mfn(pfn);
	/* Xen validates the new table here and takes a type reference. */
	return mmu_update_one(entry_maddr(table_mfn, index),
			      pvsr_pte_table(*child_mfn));
}

static long map_locked(uint64_t root_mfn, unsigned long va, pvsr_pte_t leaf,
		       pvsr_pte_t *old)
{
	uint64_t mfn = root_mfn;
	enum pvsr_pt_level level;
	long rc;

	for (level = PVSR_PT_L4; level > PVSR_PT_L1; level--) {
		rc = child_table(mfn, va_index(va, level), &mfn);
		if (rc)
			return rc;
	}
	rc = read_entry(mfn, va_index(va, PVSR_PT_L1), old);
	if (rc)
		return rc;
	return mmu_update_one(entry_maddr(mfn, va_index(va, PVSR_PT_L1)), leaf);
}

long mm_map(uint64_t root_mfn, unsigned long va, pvsr_pte_t leaf)
{
	pvsr_pte_t old = 0;
	long rc;

	mm_lock();
	rc = map_locked(root_mfn, va, leaf, &old);
	mm_unlock();
	if (!rc && (old & PVSR_PTE_PRESENT))
		rc = mm_flush_va(va);
	return rc;
}

long mm_flush_va(unsigned long va)
{
	return mmuext_one(MMUEXT_INVLPG_ALL, va);
}

void mm_batch_init(struct mm_batch *batch)
{
	batch->count = 0;
}

long mm_batch_add(struct mm_batch *batch, const struct mm_pte_ref *ref,
		  pvsr_pte_t val)
{
	struct mmu_update *req;
	long rc;

	if (batch->count == MM_BATCH_MAX) {
		rc = mm_batch_flush(batch);
		if (rc)
			return rc;
	}
	req = &batch->req[batch->count++];
	req->ptr = entry_maddr(ref->table_mfn, ref->index) |
		   MMU_NORMAL_PT_UPDATE;
	req->val = val;
	return 0;
}

long mm_batch_flush(struct mm_batch *batch)
{
	unsigned int done = 0;
	long rc = 0;

	if (batch->count)
		rc = pvsr_hyp_mmu_update(batch->req, batch->count, &done,
					 DOMID_SELF);
	/* Xen stops at the first entry it refuses and says how far it got. */
	if (!rc && done != batch->count)
		rc = -XEN_EIO;
	batch->count = 0;
	return rc;
}

/*
 * A direct write that Xen does not emulate comes back as a #PF: catch it
 * and report it, instead of crashing the domain. Lock held: the state
 * below is shared.
 */
static struct pvsr_jmp_buf guarded_jb;
static struct trap_fixup guarded_fixup;

static int run_guarded(void (*write)(void *arg), void *arg)
{
	struct guest_cpu *cpu = this_cpu();
	bool masked = cpu->vcpu_info->evtchn_upcall_mask;

	guarded_fixup = (struct trap_fixup){
		.vector = PVSR_VEC_PF,
		.resume = &guarded_jb,
	};
	if (pvsr_setjmp(&guarded_jb)) {
		/* The trap entry masked events; put them back as they were. */
		if (!masked)
			events_enable_local();
		console_printf(
			"# mm: Xen did not emulate a write to the read-only L1 at %#lx (#PF error %#lx)\n",
			guarded_fixup.fault_address, guarded_fixup.error_code);
		return -XEN_EFAULT;
	}
	trap_fixup_arm(&guarded_fixup);
	write(arg);
	trap_fixup_disarm();
	return 0;
}

struct pte_write {
	pvsr_pte_t *slot; /* in a read-only mapping: Xen emulates */
	pvsr_pte_t val;
	pvsr_pte_t expected; /* CAS: in, and what memory held: out */
	bool swapped;
};

static void store_pte(void *arg)
{
	struct pte_write *w = arg;

	__atomic_store_n(w->slot, w->val, __ATOMIC_RELAXED);
}

/* Exactly this instruction, so that Xen's emulator sees a cmpxchg. */
static void cas_pte(void *arg)
{
	struct pte_write *w = arg;
	pvsr_pte_t old = w->expected;
	bool swapped;

	asm volatile("lock cmpxchgq %[val], %[slot]"
		     : "+a"(old), [slot] "+m"(*w->slot), "=@ccz"(swapped)
		     : [val] "r"(w->val)
		     : "memory");
	w->expected = old;
	w->swapped = swapped;
}

/* Lock held. The entry's address in a read-only mapping of its table. */
static pvsr_pte_t *entry_slot(const struct mm_pte_ref *ref)
{
	const pvsr_pte_t *table;

	if (ref->level != PVSR_PT_L1)
		return NULL;
	table = table_view(ref->table_mfn);
	if (!table)
		return NULL;
	return (pvsr_pte_t *)&table[ref->index];
}

int mm_pte_store(const struct mm_pte_ref *ref, pvsr_pte_t val)
{
	struct pte_write w = { .val = val };
	int rc = -XEN_EINVAL;

	mm_lock();
	w.slot = entry_slot(ref);
	if (w.slot)
		rc = run_guarded(store_pte, &w);
	mm_unlock();
	return rc;
}

int mm_pte_cas(const struct mm_pte_ref *ref, pvsr_pte_t expected,
	       pvsr_pte_t val, pvsr_pte_t *in_memory)
{
	struct pte_write w = { .val = val, .expected = expected };
	int rc = -XEN_EINVAL;

	mm_lock();
	w.slot = entry_slot(ref);
	if (w.slot)
		rc = run_guarded(cas_pte, &w);
	mm_unlock();
	if (rc)
		return rc;
	*in_memory = w.expected;
	return w.swapped;
}

int mm_pte_reread(struct mm_pte_ref *ref)
{
	int rc;

	mm_lock();
	rc = read_entry(ref->table_mfn, ref->index, &ref->entry);
	mm_unlock();
	return rc;
}
