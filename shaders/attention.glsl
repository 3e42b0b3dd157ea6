// attention.glsl — the tiles of flash attention, shared by attention.comp
// and attention_backward.comp: their sizes, the shared memory that holds
// them and the steps of the loops that walk them. The launcher
// (vk/attention.go, attentionTiles) sets the specialization constants from
// the device's limits and the head dimension.
//
// Specialization: the workgroup size (local_size_x_id = 0) is BR, the rows a
// workgroup owns; 1 BC, the rows of one tile; 2 MAX_DH, the longest head a
// row of a tile or an invocation's registers holds.

layout(constant_id = 1) const uint BC = 32;      // rows of one tile, a multiple of KSTEP
layout(constant_id = 2) const uint MAX_DH = 128; // a multiple of STEP, ≥ Dh
// BR is the workgroup size: the shaders say layout(local_size_x_id = 0),
// and this constant, of the same id, names it. (const uint BR =
// gl_WorkGroupSize.x would not do: glslc folds it to the default size, 1.)
layout(constant_id = 0) const uint BR = 64;      // rows a workgroup owns, one per invocation

const uint STEP = 8;      // elements of d per iteration of a walk over d
const uint KSTEP = 4;     // rows of a tile per iteration of a walk over a tile
const uint TILE_LOAD = 4; // elements each invocation stages per iteration of a tile's load

// NO_SCORE stands for the score of a row past the end: below any real
// score, and finite, so that exp(NO_SCORE − m) is 0 and no −∞ meets a +∞.
const float NO_SCORE = -1.0e30;

// Two tiles of BC rows of Dh floats each (keys and values in the forward
// pass), rows packed at the head's true length. They take
// 2·BC·MAX_DH·4 bytes of the device's shared memory.
shared float tileA[BC * MAX_DH];
shared float tileB[BC * MAX_DH];

// padRows rounds n rows up to whole KSTEP groups: the rows a tile's walk
// reads, of which those past n are staged as zero.
uint padRows(uint n) { return (n + KSTEP - 1) / KSTEP * KSTEP; }
