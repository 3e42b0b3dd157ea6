// conv2d.glsl — what the three convolution shaders share (conv2d.comp,
// conv2d_backward_input.comp, conv2d_backward_weight.comp): the
// push-constant block, mirrored by conv2dPush in vk/conv2d.go, and the
// layout of the tensors. CPU twin: tensor.Conv2DArgs (tensor/conv.go).
//
//	x:   [B, Cin, H, W]      dx the same
//	w:   [Cout, Cin, KH, KW] dw the same
//	out: [B, Cout, OH, OW]   dout the same
//
// OH and OW are computed on the host (Conv2DArgs.OH, OW). Coordinates that
// may fall into the padding (input rows and columns) are ints.

layout(push_constant) uniform Conv2DPush {
	uint B;
	uint Cin;
	uint H;
	uint W;
	uint Cout;
	uint KH;
	uint KW;
	uint stride;
	uint pad;
	uint OH;
	uint OW;
	uint hasBias;    // conv2d.comp: 1 when a bias is bound
	uint accumulate; // conv2d_backward_weight.comp: 1 to add to dw
} pc;

// xIndex is the flat index of x[b, ci, iy, ix] (dx alike).
uint xIndex(uint b, uint ci, int iy, int ix) {
	return ((b * pc.Cin + ci) * pc.H + uint(iy)) * pc.W + uint(ix);
}

// wIndex is the flat index of w[co, ci, ky, kx] (dw alike).
uint wIndex(uint co, uint ci, uint ky, uint kx) {
	return ((co * pc.Cin + ci) * pc.KH + ky) * pc.KW + kx;
}

// outIndex is the flat index of out[b, co, oy, ox] (dout alike).
uint outIndex(uint b, uint co, uint oy, uint ox) {
	return ((b * pc.Cout + co) * pc.OH + oy) * pc.OW + ox;
}
