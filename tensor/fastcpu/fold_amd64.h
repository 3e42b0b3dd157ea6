// Horizontal folds shared by the assembly loops: a vector of lanes is
// folded in halves into the lowest float of its X register — lane j with
// lane j + half, then the same on the lower half, down to lane 0 — with
// op (VADDPS or VMAXPS) on vectors and its scalar form ops on the last
// pair. The order of the folds is the Go loops' (foldLanes in
// groupnorm.go), so a sum folded here has their bits.

// FOLD8 folds the 8 lanes of the Y register y into x, its X register;
// tx is an X register it overwrites.
#define FOLD8(op, ops, y, x, tx) \
	VEXTRACTF128 $1, y, tx; \
	op           tx, x, x;  \
	VMOVHLPS     x, x, tx;  \
	op           tx, x, x;  \
	VMOVSHDUP    x, tx;     \
	ops          tx, x, x

// FOLD16 folds the 16 lanes of the Z register z into x, its X register
// (y its Y register); ty and tx are one other register's Y and X names,
// which it overwrites.
#define FOLD16(op, ops, z, y, x, ty, tx) \
	VEXTRACTF64X4 $1, z, ty; \
	op            ty, y, y;  \
	FOLD8(op, ops, y, x, tx)
